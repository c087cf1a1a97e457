"""Draft applications from screening results (应享未享), and programmes counted per enterprise."""

from __future__ import annotations

import pytest
from django.urls import reverse

from canlian.accounts.choices import Role
from canlian.applications.choices import Status, Transition
from canlian.applications.models import Application
from canlian.applications.services import application_create, application_transition
from canlian.applications.tests.test_api import Api
from canlian.audit.models import AuditEvent
from canlian.common.exceptions import DomainError
from canlian.common.models import Job
from canlian.programmes.choices import ScreeningKind, SelectionStatus
from canlian.programmes.models import Programme, ScreeningRun, ScreeningSelection
from canlian.programmes.screening import missing_queryset, screening_start
from canlian.programmes.tests.helpers import REF, person
from canlian.registry.choices import LifeStatus, LowIncomeStatus

pytestmark = pytest.mark.django_db


def _r1_people(community: object, n: int) -> list:
    return [person(community=community, category=6, low_income=LowIncomeStatus.DIBAO, name=f"筛查{i}")
            for i in range(n)]


def _screen(actor: object, capture: object) -> ScreeningRun:
    with capture(execute=True):
        run = screening_start(actor=actor, programme=Programme.objects.get(code="R1"), ref_date=REF,
                              kind=ScreeningKind.MISSING)
    run.refresh_from_db()
    return run


def test_screening_results_become_drafts_in_a_job_with_duplicates_and_refusals_reported(
        areas, users, client_for, django_capture_on_commit_callbacks) -> None:
    coordinator = users.a[Role.COMMUNITY_COORDINATOR]
    fresh, applied, dead = _r1_people(areas.community_a1, 3)
    run = _screen(coordinator, django_capture_on_commit_callbacks)
    assert run.missing_count == 3
    # after the screening: one applies at the window, one dies
    first = application_create(actor=coordinator, person=applied, programme=run.programme, year=REF.year)
    dead.life_status, dead.life_status_date = LifeStatus.DECEASED, REF
    dead.save(update_fields=["life_status", "life_status_date"])

    client = client_for(coordinator)
    detail = client.get(reverse("programmes:screening_detail", args=[run.pk])).content.decode()
    assert "生成草稿申请" in detail and "模块尚未上线" not in detail
    ids = list(run.results.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programmes:screening_select", args=[run.pk]), {"result": ids})
    job = Job.objects.get(kind="application.drafts")
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert (job.done, job.total) == (3, 3)

    draft = Application.objects.get(person=fresh)
    assert (draft.status, draft.step, draft.source, draft.year, draft.period) == (
        Status.IN_PROGRESS, "apply", "screening", REF.year, str(REF.year))
    assert draft.events.get().transition == Transition.CREATE
    assert AuditEvent.objects.filter(action="application.create", object_id=str(draft.pk)).exists()
    selections = {s.person_id: s for s in ScreeningSelection.objects.all()}
    assert (selections[fresh.pk].status, selections[fresh.pk].application_id) == (SelectionStatus.CONSUMED, draft.pk)
    # the duplicate is not fatal: no second application, the selection points to the one there is
    assert Application.objects.filter(person=applied).count() == 1
    assert selections[applied.pk].application_id == first.pk
    assert (selections[dead.pk].status, selections[dead.pk].application_id) == (SelectionStatus.QUEUED, None)
    assert job.result["created"] == [draft.pk]
    assert job.result["duplicates"] == [f"{applied.name}：已有申请（编号 {first.pk}）"]
    assert len(job.result["errors"]) == 1 and dead.name in job.result["errors"][0]
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "已有申请" in page and dead.name in page
    assert AuditEvent.objects.filter(action="screening.drafts").count() == 1

    # the results page links each selection to its application; running again creates nothing new
    detail = client.get(reverse("programmes:screening_detail", args=[run.pk])).content.decode()
    assert reverse("applications:detail", args=[draft.pk]) in detail
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("programmes:screening_select", args=[run.pk]), {})
    assert Application.objects.count() == 2

    # drafts wait in the coordinator's inbox at "apply"; passing it sends the case on to "accept"
    inbox = client.get(reverse("applications:inbox") + "?source=screening").content.decode()
    assert reverse("applications:detail", args=[draft.pk]) in inbox
    moved = application_transition(actor=coordinator, application=draft, transition=Transition.ADVANCE,
                                   opinion="申请人已签字确认")
    assert moved.step == "accept"
    # who has applied is no longer 应享未享 (but still eligible)
    again = _screen(coordinator, django_capture_on_commit_callbacks)
    assert again.missing_count == 0 and again.eligible_count >= 1
    assert not missing_queryset(again.rule_version, again.ref_date, again.area_prefix).exists()


def test_drafts_need_the_right_to_create_applications_and_the_area(areas, users, client_for,
                                                                    django_capture_on_commit_callbacks) -> None:
    _r1_people(areas.community_a1, 2)
    run = _screen(users.a[Role.STREET_OFFICER], django_capture_on_commit_callbacks)
    ids = list(run.results.values_list("pk", flat=True))
    # the administrator may run screenings but not take applications: the rows stay queued
    admin_run = _screen(users.a[Role.ADMIN], django_capture_on_commit_callbacks)
    admin = client_for(users.a[Role.ADMIN])
    response = admin.post(reverse("programmes:screening_select", args=[admin_run.pk]),
                          {"result": list(admin_run.results.values_list("pk", flat=True))}, follow=True)
    assert Application.objects.count() == 0 and not Job.objects.filter(kind="application.drafts").exists()
    assert response.status_code == 200
    # another street's coordinator does not see the run (UI and API)
    other = client_for(users.b[Role.COMMUNITY_COORDINATOR])
    assert other.post(reverse("programmes:screening_select", args=[run.pk]), {"result": ids}).status_code == 404
    assert Api(users.b[Role.COMMUNITY_COORDINATOR]).post(
        "/from-screening", {"run_id": run.pk, "result_ids": ids}).status_code == 404
    assert ScreeningSelection.objects.filter(result__run=run).count() == 0


def test_drafts_through_the_api(areas, users, django_capture_on_commit_callbacks) -> None:
    _r1_people(areas.community_a1, 2)
    officer = users.a[Role.STREET_OFFICER]
    run = _screen(officer, django_capture_on_commit_callbacks)
    api = Api(officer)
    ids = list(run.results.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/from-screening", {"run_id": run.pk, "result_ids": ids})
    assert started.status_code == 202, started.content
    status = api.get(f"/from-screening/{started.json()['job_id']}").json()
    assert status["status"] == "succeeded" and len(status["created"]) == 2 and status["errors"] == []
    listed = api.get("/", source="screening", step="apply").json()
    assert listed["count"] == 2
    assert api.post("/from-screening", {"run_id": run.pk, "result_ids": []}).status_code == 400
    assert Api(users.b[Role.STREET_OFFICER]).get(f"/from-screening/{started.json()['job_id']}").status_code == 404


def test_enterprise_programme_is_refused_and_pointed_to_the_employment_module(areas, users) -> None:
    e2 = Programme.objects.get(code="E2")
    assert e2.unit == "enterprise"
    someone = person(community=areas.community_a1)
    with pytest.raises(DomainError) as exc:
        application_create(actor=users.a[Role.DISTRICT_OFFICER], person=someone, programme=e2, year=2025)
    assert exc.value.code == "enterprise_unit" and "就业模块" in exc.value.message
    refused = Api(users.a[Role.DISTRICT_OFFICER]).post("/", {"person_id": someone.pk, "programme": "E2", "year": 2025})
    assert refused.status_code == 400 and "就业模块" in refused.json()["detail"]
    assert Application.objects.count() == 0
