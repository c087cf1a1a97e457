"""End to end in Chromium: finance builds an R1 batch, checks it, the leader approves, finance exports the
bank roster, imports the bank's return (one card failed), the account is corrected and the failed line is
re-issued in a new batch."""

from __future__ import annotations

import pytest

from canlian.accounts.choices import Role
from canlian.accounts.tests.factories import PASSWORD
from canlian.payments.models import Batch
from canlian.payments.tests.factories import account_for, budget, return_file, waiting
from canlian.registry.models import BankAccount
from tests.browser import login, screenshot


def _as(page, user) -> None:
    page.context.clear_cookies()
    login(page, user.username, PASSWORD)
    page.wait_for_url(page.base_url + "/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_build_check_approve_export_return_reissue(page, users, areas) -> None:
    apps = waiting(users, areas.community_a1, n=3)
    budget()
    _as(page, users.a[Role.FINANCE])
    page.get_by_role("link", name="资金发放").click()
    page.get_by_role("link", name="生成发放批次").click()
    page.select_option("#id_programme", "R1")
    page.fill("#id_period", "2024")
    page.fill("#id_batch_date", "2024-04-15")
    page.get_by_role("button", name="生成").click()
    page.get_by_role("button", name="发放前核查").click()
    page.get_by_text("核查完成").wait_for()
    url = page.url
    batch = Batch.objects.get()
    assert batch.status == "checked"

    _as(page, users.a[Role.LEADER])
    page.goto(url)
    page.get_by_role("button", name="审批通过").click()
    page.get_by_text("批次已审批").wait_for()

    _as(page, users.a[Role.FINANCE])
    page.goto(url)
    with page.expect_download() as download:
        page.get_by_role("button", name="导出银行名单").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto(url)
    page.locator("text=SHA-256").first.wait_for()
    batch.refresh_from_db()
    failed = batch.lines.get(application=apps[2])
    content = return_file(batch, failed={failed.ref: "账户已销户"})
    page.set_input_files("#id_file", files=[{"name": "回盘.xlsx", "mimeType": "application/octet-stream",
                                             "buffer": content}])
    page.get_by_role("button", name="导入银行回盘").click()
    page.get_by_text("回盘已导入：成功 2 条，失败 1 条").wait_for()
    screenshot(page, "payments-reconciled")
    assert "账户已销户" in page.locator("#lines").inner_text()

    new = account_for(apps[2].person, default=False)
    BankAccount.objects.filter(person=apps[2].person).update(is_default=False)
    BankAccount.objects.filter(pk=new.pk).update(is_default=True)
    page.get_by_role("button", name="失败明细重发（账户已更正的）").click()
    page.get_by_text("已生成重发批次").wait_for()
    reissue = Batch.objects.get(reissue_of=batch)
    assert reissue.lines.get().retry_of_id == failed.pk
    assert apps[2].person.name in page.locator("#lines").inner_text()
