"""Dashboard and generation pages: access by role and area, filters, the job and its downloads."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
import time_machine
from django.urls import reverse
from docx import Document

from canlian.accounts.choices import Role
from canlian.audit.models import AuditEvent
from canlian.common.models import Job
from canlian.reports.tests.helpers import DAY, WHEELCHAIR, deliver, register_person

pytestmark = pytest.mark.django_db
URL = "/reports/"


@pytest.fixture
def delivered(users, areas):
    with time_machine.travel(DAY, tick=False):
        deliver(users, register_person(users, areas.community_a1), "R1", year=2024, on=date(2024, 4, 2))
        deliver(users, register_person(users, areas.community_b1), "R1", year=2024, on=date(2024, 5, 2))


@pytest.mark.parametrize(("role", "status"), [
    (Role.LEADER, 200), (Role.DISTRICT_OFFICER, 200), (Role.FINANCE, 200), (Role.STREET_OFFICER, 200),
    (Role.AUDITOR, 200), (Role.COMMUNITY_COORDINATOR, 403), (Role.ADMIN, 403),
])
def test_dashboard_access_by_role(users, client_for, role, status) -> None:
    assert client_for(users.a[role]).get(URL).status_code == status


def test_dashboard_counts_inside_the_users_area_only(users, client_for, delivered) -> None:
    district = client_for(users.a[Role.LEADER]).get(URL, {"year": 2024})
    assert district.context["report"]["programmes"]["R1"]["people"] == 2
    body = district.content.decode()
    assert "<svg" in body and "cdn" not in body.lower()
    street = client_for(users.a[Role.STREET_OFFICER]).get(URL, {"year": 2024})
    assert street.context["report"]["programmes"]["R1"]["people"] == 1
    assert street.context["report"]["area"]["name"] == "甲街道"


def test_area_outside_scope_is_refused_and_inside_is_filtered(users, client_for, areas, delivered) -> None:
    street_a = client_for(users.a[Role.STREET_OFFICER])
    response = street_a.get(URL, {"year": 2024, "area": areas.street_b.code})
    assert response.status_code == 200 and "report" not in response.context  # not a choice: the form refuses it
    assert "area" in response.context["form"].errors
    leader = client_for(users.a[Role.LEADER])
    one = leader.get(URL, {"year": 2024, "area": areas.community_b1.code})
    assert one.context["report"]["programmes"]["R1"]["people"] == 1
    may = leader.get(URL, {"start": "2024-05-01", "end": "2024-05-31"})
    assert may.context["report"]["programmes"]["R1"]["people"] == 1
    assert may.context["report"]["period"]["label"] == "2024年5月1日至2024年5月31日"


def test_dashboard_opens_on_the_latest_planned_year_up_to_this_one(users, client_for, delivered) -> None:
    from canlian.programmes.services import target_set
    from canlian.programmes.tests.factories import preloaded

    leader = client_for(users.a[Role.LEADER])
    with time_machine.travel(date(2026, 3, 1), tick=False):
        target_set(actor=users.a[Role.DISTRICT_OFFICER], programme=preloaded("R1"), year=2024, quantity=300)
        response = leader.get(URL)
        assert response.context["period"].label == "2024年" and response.context["form"]["year"].value() == 2024
        assert response.context["report"]["programmes"]["R1"]["people"] == 2  # the 2024 figures, not an empty 2026
        assert leader.get(URL, {"year": 2026}).context["report"]["programmes"]["R1"]["people"] == 0


def test_leader_home_is_the_dashboard_with_the_inbox(users, client_for) -> None:
    response = client_for(users.a[Role.LEADER]).get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "我的待办" in body and "目标任务完成情况" in body
    officer = client_for(users.a[Role.DISTRICT_OFFICER]).get("/").content.decode()
    assert "我的待办" in officer and "目标任务完成情况" not in officer


def test_generate_runs_the_job_and_offers_three_downloads(users, client_for, delivered,
                                                          django_capture_on_commit_callbacks) -> None:
    leader = client_for(users.a[Role.LEADER])
    with django_capture_on_commit_callbacks(execute=True):
        response = leader.post(reverse("reports:generate"), {"year": 2024})
    job = Job.objects.get(kind="annual_report")
    assert response.status_code == 302 and response["Location"] == reverse("reports:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert AuditEvent.objects.filter(action="report.generate").exists()
    page = leader.get(response["Location"]).content.decode()
    assert "下载 Word 文档" in page
    docx = leader.get(reverse("reports:job_file", args=[job.pk, "docx"]))
    text = [p.text for p in Document(io.BytesIO(b"".join(docx.streaming_content))).paragraphs]
    assert ("一是完成困难精神残疾人药费补助2人，发放补助资金0.2万元，于5月底前通过银行卡发放到受助残疾人家庭。"
            in text)  # paid through two batches, in April and May
    data = json.loads(b"".join(leader.get(reverse("reports:job_file", args=[job.pk, "json"])).streaming_content))
    assert data["programmes"]["R1"]["people"] == 2
    assert leader.get(reverse("reports:job_file", args=[job.pk, "xlsx"])).status_code == 200
    assert leader.get(reverse("reports:job_file", args=[job.pk, "pdf"])).status_code == 404
    # only the owner downloads
    other = client_for(users.a[Role.DISTRICT_OFFICER])
    assert other.get(reverse("reports:job_file", args=[job.pk, "docx"])).status_code == 404


def test_generate_needs_the_permission(users, client_for) -> None:
    assert client_for(users.a[Role.FINANCE]).post(reverse("reports:generate"), {"year": 2024}).status_code == 403
    assert not Job.objects.exists()


def test_street_officer_report_is_of_their_street(users, client_for, delivered,
                                                  django_capture_on_commit_callbacks) -> None:
    street = client_for(users.a[Role.STREET_OFFICER])
    with django_capture_on_commit_callbacks(execute=True):
        street.post(reverse("reports:generate"), {"year": 2024})
    job = Job.objects.get(kind="annual_report")
    data = json.loads(b"".join(street.get(reverse("reports:job_file", args=[job.pk, "json"])).streaming_content))
    assert data["area"]["name"] == "甲街道" and data["programmes"]["R1"]["people"] == 1


def test_report_queries_do_not_grow_with_the_records(users, areas, django_assert_max_num_queries) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from canlian.reports.definitions import Period
    from canlian.reports.report import build

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            build(period=Period.year(2024), user=users.a[Role.LEADER])
        return len(ctx.captured_queries)

    with time_machine.travel(DAY, tick=False):
        deliver(users, register_person(users, areas.community_a1), "R1", year=2024, on=date(2024, 4, 2))
        few = count()
        for community in (areas.community_a2, areas.community_b1, areas.community_b1):
            deliver(users, register_person(users, community), "R1", year=2024, on=date(2024, 6, 2))
            deliver(users, register_person(users, community, category=4, low_income="", **WHEELCHAIR), "L1", year=2024,
                    on=date(2024, 9, 2), amount="260")
    assert count() == few
    with django_assert_max_num_queries(25):
        build(period=Period.year(2024), user=users.a[Role.LEADER])
