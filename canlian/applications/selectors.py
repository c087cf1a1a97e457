"""Reads of applications, always through Application.objects.visible_to(user)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.accounts.permissions import can
from canlian.applications import workflow
from canlian.applications.choices import Satisfaction, Status
from canlian.applications.models import Application, FollowUp
from canlian.common.inbox import InboxItem
from canlian.programmes.choices import Step


def visible(user: Any) -> QuerySet[Application]:
    return Application.objects.visible_to(user)


def actionable_steps(user: Any) -> list[str]:
    """The steps at which the user's role acts (workflow.STEP_ROLES)."""
    if not can(user, "application.act"):
        return []
    return [step for step, roles in workflow.STEP_ROLES.items() if user.is_superuser or user.role in roles]


def my_work(user: Any) -> QuerySet[Application]:
    """我的待办: applications in the user's area waiting at a step the user's role handles."""
    return visible(user).filter(status=Status.IN_PROGRESS, step__in=actionable_steps(user))


@dataclass
class Filters:
    programme: str = ""
    year: int | None = None
    status: str = ""
    step: str = ""
    area: str = ""
    q: str = ""
    source: str = ""
    mine: bool = False
    overdue: bool = False


def application_list(user: Any, f: Filters) -> QuerySet[Application]:
    qs = my_work(user) if f.mine else visible(user)
    if f.programme:
        qs = qs.filter(programme__code=f.programme)
    if f.year:
        qs = qs.filter(year=f.year)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.step:
        qs = qs.filter(step=f.step, status=Status.IN_PROGRESS)
    if f.area:
        qs = qs.filter(area_code__startswith=f.area)
    if f.q:
        qs = qs.filter(person__name__contains=f.q.strip())
    if f.source:
        qs = qs.filter(source=f.source)
    if f.overdue:
        qs = qs.filter(status=Status.IN_PROGRESS, due_on__lt=timezone.localdate())
    return qs.select_related("programme", "person", "person__community").order_by("-id")


def application_detail(user: Any, pk: int) -> Application | None:
    return (visible(user).select_related("programme", "person", "person__community", "household", "created_by")
            .filter(pk=pk).first())


def timeline(application: Application) -> list[Any]:
    return list(application.events.select_related("actor").prefetch_related("attachments").order_by("at", "id"))


def pending_person_ids(programme: Any, ref_date: date) -> QuerySet:
    """Who has already applied (programmes.screening's pending hook): an application of the programme still
    in progress, or one of the screening's year that has closed. Left out of 应享未享. Not scoped: the
    screening scopes its own people."""
    return (Application.objects.filter(programme=programme)
            .filter(Q(status=Status.IN_PROGRESS) | Q(status=Status.CLOSED, year=ref_date.year))
            .values("person_id"))


def for_person(user: Any, person_id: int) -> list[Application]:
    return list(visible(user).filter(person_id=person_id).select_related("programme").order_by("-year", "-id"))


def overdue(user: Any, today: date | None = None) -> QuerySet[Application]:
    """Overdue work in the user's area (leaders and district officers: the whole district)."""
    today = today or timezone.localdate()
    return (visible(user).filter(status=Status.IN_PROGRESS, due_on__lt=today)
            .select_related("programme", "person", "person__community").order_by("due_on", "id"))


def inbox_items(user: Any) -> list[InboxItem]:
    """Home page: per step the user acts on, how many wait and how many of them are overdue (one query)."""
    steps = actionable_steps(user)
    if not steps:
        return []
    today = timezone.localdate()
    rows = (my_work(user).values("step").annotate(n=Count("id"), late=Count("id", filter=Q(due_on__lt=today)))
            .order_by())
    counts = {r["step"]: r for r in rows}
    url = reverse("applications:inbox")
    return [InboxItem(label=_("%(s)s待办") % {"s": Step(s).label}, url=f"{url}?step={s}", count=counts[s]["n"],
                      overdue=counts[s]["late"]) for s in workflow.STEP_ROLES if s in counts]


def delivered_counts(*, user: Any, year: int, programme_ids: list[int]) -> dict[int, int]:
    """Units done per programme in the year inside the user's area: applications past 'deliver', counted by
    the year they were delivered in — the annual report's definition (canlian/reports/definitions.py), so
    the programme page and the summary agree even when a case of one year is delivered in the next."""
    rows = (visible(user).filter(delivered_on__year=year, programme_id__in=programme_ids)
            .exclude(status__in=[Status.REJECTED, Status.WITHDRAWN])
            .values("programme_id").annotate(n=Count("id")).order_by())
    return {r["programme_id"]: r["n"] for r in rows}


@dataclass
class Rate:
    key: str
    label: str
    visits: int
    satisfied: int
    aware: int

    @property
    def satisfaction(self) -> float | None:
        return round(100 * self.satisfied / self.visits, 2) if self.visits else None

    @property
    def awareness(self) -> float | None:
        return round(100 * self.aware / self.visits, 2) if self.visits else None


def followup_rates(user: Any, year: int | None = None) -> tuple[list[Rate], list[Rate]]:
    """Satisfaction (满意 counts, 基本满意 does not) and awareness rates per programme and per officer."""
    qs = FollowUp.objects.filter(application__in=visible(user))
    if year:
        qs = qs.filter(application__year=year)
    agg = {"visits": Count("id"), "sat": Count("id", filter=Q(satisfied=Satisfaction.YES)),
           "aw": Count("id", filter=Q(aware=True))}
    by_prog = (qs.values("application__programme__code", "application__programme__name").annotate(**agg)
               .order_by("application__programme__code"))
    by_officer = (qs.values("officer__username", "officer__full_name").annotate(**agg).order_by("officer__username"))
    return (
        [Rate(r["application__programme__code"], r["application__programme__name"], r["visits"], r["sat"], r["aw"])
         for r in by_prog],
        [Rate(r["officer__username"], r["officer__full_name"] or r["officer__username"], r["visits"], r["sat"],
              r["aw"]) for r in by_officer],
    )
