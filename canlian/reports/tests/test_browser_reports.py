"""End to end in Chromium: the leader's home page is the dashboard; change the year, generate the summary
and download the .docx."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from docx import Document

from canlian.accounts.choices import Role
from canlian.accounts.tests.factories import PASSWORD
from canlian.reports.tests.helpers import DAY, deliver, register_person
from tests.browser import login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_leader_changes_year_and_downloads_the_docx(page, users, areas, tmp_path) -> None:
    with time_machine.travel(DAY, tick=False):
        for community in (areas.community_a1, areas.community_b1):
            deliver(users, register_person(users, community), "R1", year=2024, on=date(2024, 4, 3))
    login(page, users.a[Role.LEADER].username, PASSWORD)
    page.wait_for_url(page.base_url + "/")
    page.get_by_role("heading", name="我的待办").wait_for()
    page.select_option("#id_year", "2024")
    page.get_by_role("button", name="统计").click()
    page.locator("#programme-table", has_text="R1 困难精神残疾人药费补助").wait_for()
    assert page.locator("#dashboard-title").inner_text().startswith("龙子湖区 · 2024年")
    assert page.locator("svg.chart").count() >= 2
    screenshot(page, "reports-dashboard-2024")
    page.get_by_role("button", name="生成年度工作总结（Word、Excel、JSON）").click()
    link = page.get_by_role("link", name="下载 Word 文档")
    link.wait_for()
    with page.expect_download() as info:
        link.click()
    target = tmp_path / "summary.docx"
    info.value.save_as(target)
    assert info.value.suggested_filename.endswith(".docx")
    text = [p.text for p in Document(str(target)).paragraphs]
    assert text[0] == "龙子湖区残联2024年工作总结"
    assert "一是完成困难精神残疾人药费补助2人，发放补助资金0.2万元，于4月底前通过银行卡发放到受助残疾人家庭。" in text
