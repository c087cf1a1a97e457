"""Applications over REST (/api/v1/applications/): the same selectors, services and checks as the screens.

An application outside the caller's area answers 404; a transition the caller's role may not perform, 403.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from canlian.accounts.permissions import require
from canlian.applications import selectors, services
from canlian.applications.choices import Transition
from canlian.applications.models import Application
from canlian.programmes.models import Programme
from canlian.registry.models import Household, Person

router = Router(tags=["applications"])


class EventOut(Schema):
    transition: str
    step: str
    from_status: str
    to_status: str
    to_step: str
    actor: str
    opinion: str
    at: datetime


class ApplicationOut(Schema):
    id: int
    programme: str
    person_id: int
    person_name: str
    household_id: int | None
    year: int
    period: str
    status: str
    step: str
    due_on: date | None
    version: int
    funding_source: str
    requested_amount: Decimal | None
    approved_amount: Decimal | None
    items: str
    eligible: bool | None
    eligibility_reasons: list[str]
    delivered_on: date | None
    delivered_amount: Decimal | None
    allowed_transitions: list[str]

    @staticmethod
    def of(a: Application, user: object) -> ApplicationOut:
        return ApplicationOut(
            id=a.pk, programme=a.programme.code, person_id=a.person_id, person_name=a.person.name,
            household_id=a.household_id, year=a.year, period=a.period, status=a.status, step=a.step,
            due_on=a.due_on, version=a.version, funding_source=a.funding_source,
            requested_amount=a.requested_amount, approved_amount=a.approved_amount, items=a.items,
            eligible=a.eligible, eligibility_reasons=a.eligibility_reasons, delivered_on=a.delivered_on,
            delivered_amount=a.delivered_amount,
            allowed_transitions=services.allowed_transitions(actor=user, application=a),
        )


class DetailOut(ApplicationOut):
    events: list[EventOut]


class ApplicationIn(Schema):
    person_id: int
    programme: str
    year: int
    period: str = ""
    household_id: int | None = None
    requested_amount: Decimal | None = None
    items: str = ""
    funding_source: str = ""
    opinion: str = ""
    override_reason: str = ""


class TransitionIn(Schema):
    transition: Transition
    opinion: str = ""
    version: int | None = None
    approved_amount: Decimal | None = None
    delivered_on: date | None = None
    delivered_amount: Decimal | None = None
    delivered_items: str = ""
    visited_on: date | None = None
    method: str = ""
    satisfied: str = ""
    aware: bool | None = None
    comment: str = ""


class ListQuery(Schema):
    programme: str = ""
    year: int | None = None
    status: str = ""
    step: str = ""
    source: str = ""
    mine: bool = False
    overdue: bool = False
    offset: int = 0
    limit: int = 50


class DraftsIn(Schema):
    run_id: int
    result_ids: list[int] = []


class DraftsJobOut(Schema):
    job_id: int
    status: str
    done: int
    total: int
    message: str
    created: list[int] = []
    duplicates: list[str] = []
    errors: list[str] = []


class ApplicationPage(Schema):
    count: int
    items: list[ApplicationOut]


def _get(request: HttpRequest, pk: int) -> Application:
    require(request.auth, "application.view")
    app = selectors.application_detail(request.auth, pk)
    if app is None:
        get_object_or_404(Application.objects.none(), pk=pk)
    return app


def _detail(a: Application, user: object) -> DetailOut:
    events = [EventOut(transition=e.transition, step=e.step, from_status=e.from_status, to_status=e.to_status,
                       to_step=e.to_step, actor=e.actor.username, opinion=e.opinion, at=e.at)
              for e in selectors.timeline(a)]
    return DetailOut(**ApplicationOut.of(a, user).model_dump(), events=events)


@router.get("/", response=ApplicationPage)
def list_applications(request: HttpRequest, query: Query[ListQuery]) -> ApplicationPage:
    require(request.auth, "application.view")
    f = selectors.Filters(programme=query.programme, year=query.year, status=query.status, step=query.step,
                          source=query.source, mine=query.mine, overdue=query.overdue)
    qs = selectors.application_list(request.auth, f)
    limit = max(1, min(query.limit, 200))
    rows = list(qs[query.offset: query.offset + limit])
    return ApplicationPage(count=qs.count(), items=[ApplicationOut.of(a, request.auth) for a in rows])


@router.post("/", response={201: DetailOut})
def create_application(request: HttpRequest, payload: ApplicationIn) -> Status:
    require(request.auth, "application.create")
    person = get_object_or_404(Person.objects.visible_to(request.auth), pk=payload.person_id)
    programme = get_object_or_404(Programme, code=payload.programme)
    household = None
    if payload.household_id is not None:
        household = get_object_or_404(Household.objects.visible_to(request.auth), pk=payload.household_id)
    app = services.application_create(
        actor=request.auth, person=person, programme=programme, year=payload.year, period=payload.period,
        household=household, requested_amount=payload.requested_amount, items=payload.items,
        funding_source=payload.funding_source, opinion=payload.opinion, override_reason=payload.override_reason)
    return Status(201, _detail(selectors.application_detail(request.auth, app.pk), request.auth))


@router.get("/{int:application_id}", response=DetailOut)
def get_application(request: HttpRequest, application_id: int) -> DetailOut:
    return _detail(_get(request, application_id), request.auth)


@router.post("/{int:application_id}/transitions", response=DetailOut)
def transition(request: HttpRequest, application_id: int, payload: TransitionIn) -> DetailOut:
    app = _get(request, application_id)
    data = services.StepData(
        approved_amount=payload.approved_amount, delivered_on=payload.delivered_on,
        delivered_amount=payload.delivered_amount, delivered_items=payload.delivered_items,
        visited_on=payload.visited_on, method=payload.method, satisfied=payload.satisfied, aware=payload.aware,
        comment=payload.comment)
    services.application_transition(actor=request.auth, application=app, transition=payload.transition,
                                    opinion=payload.opinion, data=data, expected_version=payload.version)
    return _detail(selectors.application_detail(request.auth, application_id), request.auth)


def _drafts_out(job: Any) -> DraftsJobOut:
    from canlian.common.jobs import job_snapshot

    snap = job_snapshot(job)
    result = job.result or {}
    return DraftsJobOut(job_id=job.pk, status=job.status, done=snap.done, total=snap.total, message=snap.message,
                        created=result.get("created", []), duplicates=result.get("duplicates", []),
                        errors=result.get("errors", []))


@router.post("/from-screening", response={202: DraftsJobOut})
def drafts_from_screening(request: HttpRequest, payload: DraftsIn) -> Status:
    """Turn 应享未享 people of a screening run (result_ids, plus anyone already queued) into draft applications,
    as a background job; poll GET /from-screening/{job_id}."""
    from canlian.programmes.screening import screening_get

    require(request.auth, "application.create")
    run = screening_get(request.auth, payload.run_id)
    job = services.drafts_start(actor=request.auth, run=run, result_ids=payload.result_ids)
    return Status(202, _drafts_out(job))


@router.get("/from-screening/{int:job_id}", response=DraftsJobOut)
def drafts_status(request: HttpRequest, job_id: int) -> DraftsJobOut:
    from canlian.common.models import Job

    require(request.auth, "application.create")
    job = get_object_or_404(Job, pk=job_id, owner=request.auth, kind="application.drafts")
    return _drafts_out(job)
