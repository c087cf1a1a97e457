"""The table-driven matrix: every (status/step, transition, role). Allowed ones succeed and move the
application as expected; every other is refused with a message and changes nothing.

The expectations below are written out independently of workflow.py, from the issue's design notes.
"""

from __future__ import annotations

from datetime import date

import pytest

from canlian.accounts.choices import Role
from canlian.applications.choices import Status, Transition
from canlian.applications.models import Application, ApplicationEvent
from canlian.applications.services import StepData, application_transition
from canlian.applications.tests.factories import make_application, r1_person
from canlian.audit.models import AuditEvent
from canlian.common.exceptions import DomainError

pytestmark = pytest.mark.django_db

R1 = ["apply", "accept", "home_survey", "review", "approve", "notice", "deliver", "follow_up"]
CASE = {Role.COMMUNITY_COORDINATOR, Role.STREET_OFFICER, Role.DISTRICT_OFFICER}
ACTS = {
    "apply": CASE, "accept": CASE, "home_survey": CASE, "review": {Role.DISTRICT_OFFICER},
    "approve": {Role.LEADER}, "notice": {Role.DISTRICT_OFFICER},
    "deliver": {Role.DISTRICT_OFFICER, Role.FINANCE}, "follow_up": CASE,
}
STATES = [(Status.IN_PROGRESS, s) for s in R1] + [
    (Status.REJECTED, "review"), (Status.WITHDRAWN, "accept"), (Status.CLOSED, "follow_up")]


def expected(status: str, step: str, transition: str) -> tuple[set[Role], tuple[str, str] | None]:
    """Roles allowed and the (status, step) that results."""
    i = R1.index(step)
    if status == Status.IN_PROGRESS:
        if transition == Transition.ADVANCE:
            if step == "deliver":  # R1 is cash: it passes "deliver" only through a payment batch (payments)
                return set(), None
            return ACTS[step], ((Status.IN_PROGRESS, R1[i + 1]) if i + 1 < len(R1) else (Status.CLOSED, step))
        if transition in (Transition.RETURN, Transition.REJECT):
            if step in ("apply", "follow_up"):
                return set(), None
            return ACTS[step], ((Status.IN_PROGRESS, R1[i - 1]) if transition == Transition.RETURN
                                else (Status.REJECTED, step))
        if transition == Transition.WITHDRAW:
            return (set() if step in ("deliver", "follow_up") else CASE), (Status.WITHDRAWN, step)
        return set(), None
    if status == Status.REJECTED and transition == Transition.REOPEN:
        return {Role.DISTRICT_OFFICER}, (Status.IN_PROGRESS, step)
    return set(), None


DATA = StepData(approved_amount="1000", delivered_on=date(2024, 3, 1), delivered_amount="1000",
                visited_on=date(2024, 3, 10), method="phone", satisfied="yes", aware=True)


@pytest.mark.parametrize(("status", "step"), STATES, ids=[f"{s}-{t}" for s, t in STATES])
@pytest.mark.parametrize("transition", [t for t in Transition if t != Transition.CREATE])
def test_matrix(users, areas, status, step, transition, django_capture_on_commit_callbacks) -> None:
    allowed, result = expected(status, step, transition)
    for role in Role:
        actor = users.a[role]
        app = make_application(person=r1_person(areas.community_a1),
                               creator=users.a[Role.DISTRICT_OFFICER], step=step, status=status)
        events, audits = ApplicationEvent.objects.count(), AuditEvent.objects.count()
        if role in allowed:
            moved = application_transition(actor=actor, application=app, transition=transition, opinion="意见",
                                           data=DATA, today=date(2024, 3, 20))
            assert (moved.status, moved.step) == result, (role, transition)
            assert moved.version == 1
            assert ApplicationEvent.objects.count() == events + 1
            assert AuditEvent.objects.filter(action=f"application.{transition}").count() >= 1
        else:
            before = Application.objects.filter(pk=app.pk).values().get()
            with pytest.raises(DomainError) as exc:
                application_transition(actor=actor, application=app, transition=transition, opinion="意见",
                                       data=DATA, today=date(2024, 3, 20))
            assert exc.value.message, (role, transition)
            assert Application.objects.filter(pk=app.pk).values().get() == before
            assert ApplicationEvent.objects.count() == events
            assert AuditEvent.objects.count() == audits


def test_reason_required_for_reject_return_withdraw_reopen(users, areas) -> None:
    officer = users.a[Role.DISTRICT_OFFICER]
    app = make_application(person=r1_person(areas.community_a1), creator=officer, step="review")
    for t in (Transition.REJECT, Transition.RETURN, Transition.WITHDRAW):
        with pytest.raises(DomainError, match="理由"):
            application_transition(actor=officer, application=app, transition=t, opinion=" ")
    app.refresh_from_db()
    assert (app.status, app.version) == (Status.IN_PROGRESS, 0)


def test_other_street_is_refused_for_every_transition(users, areas) -> None:
    app = make_application(person=r1_person(areas.community_a1),
                           creator=users.a[Role.DISTRICT_OFFICER], step="accept")
    for role in (Role.COMMUNITY_COORDINATOR, Role.STREET_OFFICER):
        for t in (Transition.ADVANCE, Transition.REJECT, Transition.WITHDRAW):
            with pytest.raises(DomainError, match="辖区"):
                application_transition(actor=users.b[role], application=app, transition=t, opinion="x")
    app.refresh_from_db()
    assert app.version == 0


def test_stale_version_is_a_conflict(users, areas) -> None:
    officer = users.a[Role.DISTRICT_OFFICER]
    app = make_application(person=r1_person(areas.community_a1), creator=officer, step="review")
    application_transition(actor=officer, application=app, transition=Transition.ADVANCE, expected_version=0)
    leader = users.a[Role.LEADER]
    with pytest.raises(DomainError, match="他人"):
        application_transition(actor=leader, application=app, transition=Transition.ADVANCE, expected_version=0)
