"""End to end in Chromium: one R1 application from intake by the community coordinator through home survey,
review and the leader's approval; then it shows on the person's page and in nobody's overdue list."""

from __future__ import annotations

import pytest

from canlian.accounts.choices import Role
from canlian.accounts.tests.factories import PASSWORD
from canlian.applications.models import Application
from canlian.applications.tests.factories import r1_person
from tests.browser import login, screenshot


def _as(page, user) -> None:
    page.context.clear_cookies()
    login(page, user.username, PASSWORD)
    page.wait_for_url(page.base_url + "/")


def _pass_step(page, button: str, opinion: str, next_step: str) -> None:
    page.fill("#id_opinion", opinion)
    page.get_by_role("button", name=button).click()
    page.locator("#timeline").get_by_text(opinion).wait_for()
    if next_step:
        page.locator("#current-step", has_text=next_step).wait_for()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_r1_from_intake_to_approval(page, users, areas) -> None:
    person = r1_person(areas.community_a1, name="浏览器申请人")
    coordinator = users.a[Role.COMMUNITY_COORDINATOR]

    _as(page, coordinator)
    page.goto(f"{page.base_url}/registry/{person.pk}/")
    page.get_by_role("link", name="新建申请").click()
    page.select_option("#id_programme", "R1")
    page.fill("#id_year", "2025")
    page.fill("#id_requested_amount", "1000")
    page.fill("#id_opinion", "本人精神残疾二级，低保户，申请药费补助")
    page.get_by_role("button", name="提交申请").click()
    page.locator("#current-step", has_text="受理").wait_for()
    _pass_step(page, "受理通过", "材料齐全，予以受理", "入户调查")
    _pass_step(page, "入户调查通过", "入户核实家庭困难属实", "审核")
    screenshot(page, "application-after-home-survey")
    url = page.url

    _as(page, users.a[Role.DISTRICT_OFFICER])
    page.goto(url)
    _pass_step(page, "审核通过", "经审核符合条件", "审批")

    _as(page, users.a[Role.LEADER])
    page.get_by_role("link", name="审批待办").click()
    page.get_by_role("link", name=str(Application.objects.get().pk), exact=True).click()
    _pass_step(page, "审批通过", "同意", "公示")
    screenshot(page, "application-approved")

    page.goto(f"{page.base_url}/registry/{person.pk}/")
    section = page.locator("section[aria-labelledby=h-applications]")
    assert "困难精神残疾人药费补助" in section.inner_text() and "公示" in section.inner_text()
    page.get_by_role("link", name="逾期督办").click()
    assert "浏览器申请人" not in page.locator("#overdue-table").inner_text()

    app = Application.objects.get()
    assert (app.status, app.step) == ("in_progress", "notice")
    assert [e.actor.role for e in app.events.order_by("at", "id")] == [
        Role.COMMUNITY_COORDINATOR, Role.COMMUNITY_COORDINATOR, Role.COMMUNITY_COORDINATOR, Role.DISTRICT_OFFICER,
        Role.LEADER]

    # the coordinator of another community neither sees nor reaches it
    _as(page, users.b[Role.COMMUNITY_COORDINATOR])
    page.get_by_role("link", name="申请办理").click()
    assert "浏览器申请人" not in page.content()
    response = page.goto(url)
    assert response is not None and response.status == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_screening_results_become_draft_applications(page, users, areas) -> None:
    for i in range(2):
        r1_person(areas.community_a1, name=f"筛查对象{i}")
    _as(page, users.a[Role.STREET_OFFICER])
    page.goto(page.base_url + "/programmes/screening/")
    page.select_option("#id_programme", label="R1 困难精神残疾人药费补助")
    page.fill("#id_ref_date", "2025-03-01")
    page.get_by_role("button", name="开始筛查").click()
    page.locator("#missing-count").wait_for()
    assert page.locator("#missing-count").inner_text() == "2"
    page.locator("input[data-check-all=result]").check()
    page.get_by_role("button", name="生成草稿申请").click()
    page.get_by_text("已生成草稿申请 2 件").wait_for()
    screenshot(page, "screening-drafts-job")
    page.get_by_role("link", name="查看结果").click()
    assert Application.objects.filter(source="screening", step="apply").count() == 2
    first = Application.objects.order_by("id").first()
    page.get_by_role("link", name=str(first.pk), exact=True).click()
    _pass_step(page, "申请通过", "申请人已签字确认", "受理")
    first.refresh_from_db()
    assert first.step == "accept"
