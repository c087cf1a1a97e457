"""The audit browser: who may use it, filters, keyset pages, the detail table, the export."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from canlian.accounts.choices import Role
from canlian.audit.choices import AuditResult
from canlian.audit.models import AuditEvent
from canlian.common.choices import JobStatus
from canlian.common.models import Job
from canlian.regions.services import region_update

BROWSERS = (Role.ADMIN, Role.AUDITOR)
OTHERS = (Role.DISTRICT_OFFICER, Role.LEADER, Role.FINANCE, Role.STREET_OFFICER, Role.COMMUNITY_COORDINATOR)


def at(day: str, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(f"{day}T{hour:02d}:00:00"))


def event(action: str, username: str = "zhangsan", when: datetime | None = None, **fields) -> AuditEvent:
    return AuditEvent.objects.create(action=action, actor_username=username, at=when or timezone.now(), **fields)


def rows(response) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content))).get_sheet_by_index(0) \
        .to_python()


@pytest.mark.parametrize("role", OTHERS)
def test_only_auditors_and_administrators(users, client_for, role):
    e = event("test.event")
    client = client_for(users.a[role])
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:detail", args=[e.pk])).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


@pytest.mark.parametrize("role", BROWSERS)
def test_auditors_and_administrators_browse(users, client_for, role):
    e = event("test.event")
    client = client_for(users.a[role])
    assert client.get(reverse("audit:list")).status_code == 200
    assert client.get(reverse("audit:detail", args=[e.pk])).status_code == 200


def test_filters(users, client_for):
    event("person.create", "zhangsan", at("2024-05-01"), object_type="registry.person", object_id="7")
    event("person.update", "zhangsan", at("2024-05-02"), object_type="registry.person", object_id="8")
    event("auth.login_failed", "lisi", at("2024-05-03"), result=AuditResult.FAILURE)
    event("person.create", "wangwu", at("2024-05-04", 23), object_type="registry.person", object_id="9")
    client = client_for(users.a[Role.AUDITOR])

    def actions(**params) -> list[str]:
        page = client.get(reverse("audit:list"), params).context["page"]
        mine = users.a[Role.AUDITOR].username  # the log-in of the test client is an event too
        return [f"{e.actor_username}:{e.action}" for e in page.events if e.actor_username != mine]

    assert actions(actor="zhangsan") == ["zhangsan:person.update", "zhangsan:person.create"]
    assert actions(action="person.create") == ["wangwu:person.create", "zhangsan:person.create"]
    assert actions(object_type="registry.person", object_id="8") == ["zhangsan:person.update"]
    assert actions(result="failure") == ["lisi:auth.login_failed"]
    assert actions(date_from="2024-05-02", date_to="2024-05-03") == ["lisi:auth.login_failed", "zhangsan:person.update"]
    assert actions(date_from="2024-05-04", date_to="2024-05-04") == ["wangwu:person.create"]  # to is inclusive
    html = client.get(reverse("audit:list")).content.decode()
    assert '<option value="auth.login_failed">' in html and '<option value="registry.person">' in html


def test_invalid_filters_show_the_error_and_list_nothing(users, client_for):
    event("test.event")
    response = client_for(users.a[Role.AUDITOR]).get(reverse("audit:list"), {"date_from": "2024-05-03",
                                                                             "date_to": "2024-05-01"})
    html = response.content.decode()
    assert "结束日期早于开始日期" in html and response.context["page"] is None


def test_keyset_pages_without_counting(users, client_for):
    base = at("2024-03-01")
    for n in range(120):  # 120 events, two at each instant so that the id breaks ties
        event(f"test.e{n:03d}", when=base + timedelta(minutes=n // 2))
    client = client_for(users.a[Role.AUDITOR])
    params = {"actor": "zhangsan"}
    with CaptureQueriesContext(connection) as queries:
        first = client.get(reverse("audit:list"), params).context["page"]
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert [e.action for e in first.events][:2] == ["test.e119", "test.e118"] and len(first.events) == 50
    assert first.prev_cursor is None and first.next_cursor
    second = client.get(reverse("audit:list"), {**params, "after": first.next_cursor}).context["page"]
    third = client.get(reverse("audit:list"), {**params, "after": second.next_cursor}).context["page"]
    assert second.events[0].action == "test.e069" and len(second.events) == 50
    assert [e.action for e in third.events][-1] == "test.e000" and len(third.events) == 20
    assert third.next_cursor is None and third.prev_cursor
    back = client.get(reverse("audit:list"), {**params, "before": third.prev_cursor}).context["page"]
    assert [e.pk for e in back.events] == [e.pk for e in second.events]
    top = client.get(reverse("audit:list"), {**params, "before": back.prev_cursor}).context["page"]
    assert [e.pk for e in top.events] == [e.pk for e in first.events] and top.prev_cursor is None
    html = client.get(reverse("audit:list"), {**params, "after": first.next_cursor}).content.decode()
    assert "下一页" in html and "上一页" in html and "actor=zhangsan" in html


def test_a_malformed_cursor_shows_the_first_page(users, client_for):
    event("test.event")
    page = client_for(users.a[Role.AUDITOR]).get(reverse("audit:list"), {"after": "x.y"}).context["page"]
    assert page.events and page.prev_cursor is None


def test_detail_shows_before_and_after_as_a_field_table(areas, users, client_for):
    region_update(actor=users.a[Role.DISTRICT_OFFICER], region=areas.community_a1, name="甲一新社区")
    change = AuditEvent.objects.get(action="region.update")
    html = client_for(users.a[Role.AUDITOR]).get(reverse("audit:detail", args=[change.pk])).content.decode()
    assert '<tr class="changed">' in html
    assert "名称" in html and "<del>甲一社区</del>" in html and "<ins>甲一新社区</ins>" in html
    assert f"?object_type=regions.region&amp;object_id={areas.community_a1.pk}" in html


def test_export_writes_the_filtered_events_and_is_audited(users, client_for):
    event("person.create", "zhangsan", at("2024-05-01"), object_repr="张三", after={"name": "张三"})
    event("auth.login_failed", "=HYPERLINK(\"http://x\")", at("2024-05-02"), result=AuditResult.FAILURE)
    event("person.create", "lisi", at("2024-05-03"))
    auditor = users.a[Role.AUDITOR]
    response = client_for(auditor).get(reverse("audit:export"), {"date_to": "2024-05-02"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = rows(response)
    assert sheet[0][:5] == ["时间", "账号", "IP 地址", "操作", "对象类型"]
    assert [r[3] for r in sheet[1:]] == ["auth.login_failed", "person.create"]
    assert sheet[1][1] == "'=HYPERLINK(\"http://x\")"  # a formula typed as a user name stays text
    assert sheet[1][7] == "失败"
    assert sheet[2][6] == "张三" and sheet[2][10] == '{"name": "张三"}'
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor_username == auditor.username
    assert export.after == {"filters": {"date_to": "2024-05-02"}, "rows": 2, "background": False}


def test_a_large_export_runs_as_a_job(users, client_for, settings, django_capture_on_commit_callbacks):
    settings.AUDIT_EXPORT_INLINE_MAX_ROWS = 2
    for n in range(5):
        event(f"test.e{n}", "zhangsan")
    client = client_for(users.a[Role.AUDITOR])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("audit:export"), {"actor": "zhangsan"})
    job = Job.objects.get(kind="audit.export")
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED and (job.done, job.total) == (5, 5)
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert len(rows(download)) == 6 and download["Content-Disposition"].endswith(".xlsx")
    assert AuditEvent.objects.get(action="audit.export").after["background"] is True


def test_a_lockout_is_visible_in_the_audit_browser(users, client_for, client):
    target = users.a[Role.STREET_OFFICER]
    for _ in range(6):
        client.post(reverse("accounts:login"), {"username": target.username, "password": "wrong-Password1"})
    html = client_for(users.a[Role.AUDITOR]).get(reverse("audit:list"), {"action": "auth.lockout"}).content.decode()
    assert target.username in html and "拒绝" in html
    failures = client_for(users.a[Role.AUDITOR]).get(reverse("audit:list"), {"action": "auth.login_failed",
                                                                             "actor": target.username})
    assert len(failures.context["page"].events) >= 5


def test_the_list_costs_the_same_at_any_size(users, client_for, django_assert_max_num_queries):
    for n in range(300):
        event(f"test.e{n % 7}", when=at("2024-04-01") + timedelta(minutes=n))
    client = client_for(users.a[Role.AUDITOR])
    client.get(reverse("audit:list"))  # fills the cached lists of actions and object types
    # session, user, the user's area (header), one page of events, the session's save (3)
    with django_assert_max_num_queries(7):
        page = client.get(reverse("audit:list"), {"action": "test.e3"}).context["page"]
    assert len(page.events) == 43
