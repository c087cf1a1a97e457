"""End to end in Chromium: register a person (watching the ID hint), find them by ID number, re-assess."""

from __future__ import annotations

import importlib
from datetime import date

import pytest

from canlian.accounts.choices import Role
from canlian.accounts.tests.factories import PASSWORD
from canlian.common.certificate import make_certificate_number
from canlian.registry.tests.factories import new_id_number
from tests.browser import login, screenshot


@pytest.fixture
def bengbu(transactional_db) -> None:
    """The districts migration 0002 preloads: an earlier transactional test's flush removed them."""
    from django.apps import apps

    importlib.import_module("canlian.regions.migrations.0002_bengbu_districts").forwards(apps, None)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_register_find_and_reassess(page, bengbu, users, areas) -> None:
    officer = users[Role.DISTRICT_OFFICER]
    number = new_id_number(date(1968, 7, 9))
    login(page, officer.username, PASSWORD)
    page.wait_for_url(page.base_url + "/")

    page.get_by_role("link", name="残疾人档案").click()
    page.get_by_role("link", name="登记残疾人").click()
    page.fill("#id_name", "浏览器测试")
    page.locator("#id_id_number").press_sequentially(number[:10], delay=10)
    page.locator("#id_id_number").press_sequentially(number[10:], delay=10)
    hint = page.locator("#id-hint")
    hint.get_by_text("号码有效").wait_for()
    assert "1968-07-09" in hint.inner_text()
    page.select_option("#id_hukou_type", "urban")
    page.select_option("#id_community", str(areas.community_a1.pk))
    page.fill("#id_certificate_number", make_certificate_number(number, 4, 2))
    page.select_option("#id_category", "4")
    page.select_option("#id_grade", "2")
    page.fill("#id_issue_date", "2022-03-01")
    screenshot(page, "registry-create")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name="浏览器测试").wait_for()

    page.get_by_role("link", name="返回名单").click()
    page.fill("#id_q", number)
    row_link = page.locator("#person-table").get_by_role("link", name="浏览器测试")
    row_link.wait_for()
    assert page.locator("#person-table tbody tr").count() == 1
    assert number not in page.locator("#person-table").inner_html()
    row_link.click()

    page.get_by_role("link", name="重新评定 / 换发新证").click()
    page.fill("#id_certificate_number", make_certificate_number(number, 4, 1))
    page.select_option("#id_category", "4")
    page.select_option("#id_grade", "1")
    page.fill("#id_issue_date", "2024-06-01")
    page.fill("#id_reason", "复评为一级")
    page.get_by_role("button", name="确认").click()
    timeline = page.locator("#timeline")
    timeline.get_by_text("重新评定换证").wait_for()
    assert "肢体二级" in timeline.inner_text() and "复评为一级" in timeline.inner_text()
    assert screenshot(page, "registry-person-after-reassessment").stat().st_size > 10_000
