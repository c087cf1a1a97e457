"""End to end in Chromium: an administrator edits a rule (syntax error with its position, fixed, preview
count), publishes it, then runs a screening and sees its progress bar and results."""

from __future__ import annotations

from datetime import date

import pytest

from canlian.accounts.choices import Role
from canlian.accounts.tests.factories import PASSWORD
from canlian.programmes.models import RuleVersion
from canlian.programmes.tests.helpers import person
from canlian.registry.choices import LowIncomeStatus
from tests.browser import login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_edit_publish_and_screen(page, users, areas) -> None:
    for year in (1940, 1950, 1990):
        person(community=areas.community_a1, birth=date(year, 1, 1), low_income=LowIncomeStatus.DIBAO)
    admin = users[Role.ADMIN]
    login(page, admin.username, PASSWORD)
    page.wait_for_url(page.base_url + "/")
    page.goto(page.base_url + "/programmes/L4/?year=2025")
    page.get_by_role("link", name="编辑规则（新草稿）").click()

    editor = page.locator("#id_eligibility")
    editor.fill("")
    editor.press_sequentially("age >= 60 且 salary > 1", delay=5)
    check = page.locator("#rule-check")
    check.get_by_text("第 1 行第 13 列").wait_for()
    assert "salary" in check.inner_text() and "^" in check.inner_text()
    screenshot(page, "rule-editor-error")

    editor.fill("")
    editor.press_sequentially("age >= 80 且 low_income == \"低保\"", delay=5)
    check.get_by_text("规则正确").wait_for()
    assert page.locator(".preview-count").inner_text() == "1"
    page.select_option("#id_amount_kind", "fixed")
    page.fill("#id_amount", "1200")
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_text("草稿已保存").wait_for()
    page.on("dialog", lambda dialog: dialog.accept())
    page.fill("#publish-note", "提高年龄")
    page.locator("form[action$='/publish/'] button[type=submit]").click()
    page.get_by_text("已发布 2025 年度第 2 版规则").wait_for()
    assert RuleVersion.objects.get(programme__code="L4", year=2025, status="published").version == 2
    screenshot(page, "rule-published")

    page.goto(page.base_url + "/programmes/screening/")
    page.select_option("#id_programme", label="L4 困难老年残疾人生活救助")
    page.fill("#id_ref_date", "2025-03-01")
    page.get_by_role("button", name="开始筛查").click()
    page.locator("progress").wait_for()
    assert page.locator("progress").get_attribute("value") == "100"
    assert page.locator("#missing-count").inner_text() == "1"
    assert page.locator("table.data tbody tr").count() == 1
    assert screenshot(page, "screening-results").stat().st_size > 10_000
