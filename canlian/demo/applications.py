"""Demo applications: cases of the demo year at every step, some overdue, some rejected or withdrawn, and
closed ones with follow-up visits, so that every inbox, list and rate has realistic content.

Everything goes through the application services (so the timeline and the audit trail are real); the
coordinators' and street officers' own areas get a share of the cases so their inboxes are not empty.

Dates: the demo's "now" is the registry demo's anchor, the earlier of 31 December of the demo year and
today. Finished cases start on working days spread over the year; open cases start a few weeks before the
anchor. Each step is done after a number of working days drawn mostly within the programme's time limit
(sometimes beyond it, which the timeline marks as late), at an office-hour time, so the due dates and the
overdue lists read as real work. Every date and time comes from the seeded random source (plan()).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from canlian.accounts.choices import Role
from canlian.accounts.scoping import in_scope
from canlian.applications.choices import Satisfaction, Status, Transition, VisitMethod
from canlian.applications.services import StepData, application_create, application_transition
from canlian.applications.workdays import Calendar
from canlian.applications.workflow import STEP_ROLES
from canlian.common.exceptions import DomainError
from canlian.demo.context import DemoContext
from canlian.programmes.choices import BenefitKind, RuleStatus, Step, Unit
from canlian.programmes.eligibility import compiled
from canlian.programmes.models import Programme, RuleVersion
from canlian.programmes.rules import RuleContext
from canlian.registry.models import Household, HouseholdMember, Person

# code: (share of the cases, requested amount or items)
MIX: dict[str, tuple[int, str]] = {
    "R1": (30, "1000.00"), "L1": (15, "260.00"), "L4": (20, "955.00"), "C1": (10, "1200.00"),
    "R5": (10, "康复训练"), "E4": (5, "3000.00"), "L3": (8, "1800.00"),
}
MAX_CASES = 400
LATE_SHARE = 0.15  # steps done after their time limit
OFFICE = ZoneInfo("Asia/Shanghai")


def _actor(users: dict, step: str, person: Person) -> object:
    """Someone allowed at `step` for this person: the local coordinator or street officer when there is one."""
    roles = STEP_ROLES[step]
    for user in users.values():
        if user.role in roles and user.role != Role.DISTRICT_OFFICER and in_scope(user, person.area_code):
            return user
    return next(u for u in users.values() if u.role in roles and u.role in
                (Role.DISTRICT_OFFICER, Role.LEADER, Role.FINANCE))


def demo_today(year: int) -> date:
    """The demo's "now": the end of the demo year, or today while the demo year is still running."""
    return min(date(year, 12, 31), timezone.localdate())


@dataclass
class Plan:
    """When one case is taken and when each of its later steps is done (the last may be a reject/withdraw)."""

    outcome: str
    stop: int
    started: date
    days: list[date]


def _working_day_on_or_after(cal: Calendar, d: date) -> date:
    while not cal.is_workday(d):
        d += timedelta(days=1)
    return d


def _working_days_before(cal: Calendar, end: date, n: int) -> date:
    d = end
    while n > 0:
        d -= timedelta(days=1)
        if cal.is_workday(d):
            n -= 1
    return d


def plan(rng: random.Random, *, steps: list[str], step_days: dict[str, int], year: int, anchor: date,
         cal: Calendar, waiting_at: int | None = None) -> Plan:
    """Draw one case's outcome and dates. Pure: the same random state gives the same plan.

    A step waits a number of working days within its limit (or, for LATE_SHARE of the steps, a few beyond
    it); steps without a limit take one to three working days. Nothing is done after the anchor: a case
    whose next step would fall later stays open there. `waiting_at` forces an open case at that step index.
    """
    outcome = rng.choices(["open", "closed", "rejected", "withdrawn"], weights=[50, 35, 10, 5])[0]
    stop = rng.randrange(1, len(steps)) if outcome != "closed" else len(steps)
    if waiting_at is not None:
        outcome, stop = "open", waiting_at
    # the steps passed (from the one after "apply" up to stop), then the closing reject/withdraw if any
    waits = steps[1:stop] + ([steps[stop]] if outcome in ("rejected", "withdrawn") else [])
    gaps = []
    for step in waits:
        limit = step_days.get(step) or 3
        late = rng.random() < LATE_SHARE
        gaps.append(rng.randint(limit + 1, limit + 6) if late else rng.randint(1, max(1, limit - 1)))
    first = date(year, 1, 2)
    if outcome == "open":
        # still waiting at steps[stop] on the anchor: for a while within its limit, or (a quarter) beyond it
        limit = step_days.get(steps[stop]) or 3
        sitting = rng.randint(limit + 1, limit + 8) if rng.random() < 0.25 else rng.randint(0, limit)
        started = _working_days_before(cal, anchor, sum(gaps) + sitting)
    else:
        latest = max(first, anchor - timedelta(days=30 + 12 * stop))
        started = first + timedelta(days=rng.randint(0, (latest - first).days))
    started = _working_day_on_or_after(cal, max(first, started))
    days: list[date] = []
    day = started
    for n in gaps:
        day = cal.add(day, n)
        if day > anchor:
            break
        days.append(day)
    return Plan(outcome=outcome, stop=stop, started=started, days=days)


class _Clock:
    """Office-hour times for one case's events, strictly increasing."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.last = rng, datetime.min.replace(tzinfo=OFFICE)

    def at(self, day: date) -> datetime:
        minutes = self.rng.randint(8 * 60 + 30, 17 * 60 + 20)
        moment = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=OFFICE)
        if moment <= self.last:
            moment = self.last + timedelta(minutes=self.rng.randint(5, 40))
        self.last = moment
        return moment


def _one_per_household(code: str, people: list[Person]) -> list[tuple[str, Person, Household]]:
    """A household programme (L3 一户多残): one applicant per household, in the order given, with the household
    the applicant currently lives in; people in no household are left out."""
    homes = dict(HouseholdMember.objects.filter(person__in=people, left_on__isnull=True)
                 .values_list("person_id", "household_id"))
    households = Household.objects.in_bulk(set(homes.values()))
    out, seen = [], set()
    for person in people:
        home = homes.get(person.pk)
        if home is not None and home not in seen:
            seen.add(home)
            out.append((code, person, households[home]))
    return out


def build(ctx: DemoContext) -> None:
    users = {u: v for u, v in ctx.data["users"].items() if v.role != Role.ADMIN}
    programmes = {p.code: p for p in Programme.objects.filter(code__in=MIX)}
    local = [u for u in users.values() if u.role in (Role.COMMUNITY_COORDINATOR, Role.STREET_OFFICER)]
    local_areas = [u.area.code for u in local if u.role == Role.COMMUNITY_COORDINATOR]
    total_share = sum(share for share, _ in MIX.values())
    budget = min(MAX_CASES, max(ctx.persons // 8, 20))
    cases: list[tuple[str, Person, Household | None]] = []
    for code, (share, _) in MIX.items():
        rule = RuleVersion.objects.filter(programme=programmes[code], year=ctx.year,
                                          status=RuleStatus.PUBLISHED).first()
        if rule is None:
            continue
        eligible = Person.objects.filter(compiled(rule).to_q(RuleContext.on(date(ctx.year, 12, 31), programme=code)))
        # the coordinators' communities first, so their inboxes are not empty, then anyone
        near = [p for area in local_areas for p in eligible.filter(area_code__startswith=area).order_by("pk")[:4]]
        pool = list(eligible.order_by("pk")[: budget * 2])
        ctx.rng.shuffle(pool)
        wanted = max(1, budget * share // total_share)
        chosen = list(dict.fromkeys(near + pool))
        if programmes[code].unit == Unit.HOUSEHOLD:
            cases += _one_per_household(code, chosen)[:wanted]
        else:
            cases += [(code, p, None) for p in chosen[:wanted]]
    anchor = demo_today(ctx.year)
    cal = Calendar(date(ctx.year, 1, 1), date(ctx.year + 1, 3, 31))
    made = {"cases": 0, "closed": 0, "rejected": 0, "withdrawn": 0, "overdue": 0}
    waiting = set(local_areas)  # each coordinator's community gets one case waiting for acceptance (受理)
    for code, person, household in cases:
        programme = programmes[code]
        steps = list(programme.steps)
        area = next((a for a in waiting if person.area_code.startswith(a)), None)
        waiting.discard(area)
        p = plan(ctx.rng, steps=steps, step_days=programme.step_days or {}, year=ctx.year, anchor=anchor, cal=cal,
                 waiting_at=1 if area else None)
        clock = _Clock(ctx.rng)
        requested = MIX[programme.code][1]
        amount = requested if requested[0].isdigit() else None
        try:
            app = application_create(
                actor=_actor(users, "apply", person), person=person, programme=programme, year=ctx.year,
                household=household, requested_amount=amount, items="" if amount else requested,
                opinion="本人申请，材料齐全",
                today=p.started, at=clock.at(p.started))
        except (DomainError, StopIteration):
            continue
        closing = p.outcome in ("rejected", "withdrawn") and len(p.days) == len(steps[1:p.stop]) + 1
        for i, day in enumerate(p.days):
            if app.status != Status.IN_PROGRESS:
                break
            if app.step == Step.DELIVER and programme.benefit_kind == BenefitKind.CASH:
                break  # cash is paid through payment batches (the payments demo pays these)
            if closing and i == len(p.days) - 1:
                transition, reason = ((Transition.REJECT, "经入户调查，家庭收入超过标准")
                                      if p.outcome == "rejected" else (Transition.WITHDRAW, "申请人主动撤回"))
                data, opinion = StepData(), reason
            else:
                transition, opinion = Transition.ADVANCE, "同意"
                data = StepData(
                    delivered_on=day, delivered_amount=Decimal(amount) if amount else None,
                    delivered_items="" if amount else requested, visited_on=day,
                    method=ctx.rng.choice(VisitMethod.values),
                    satisfied=ctx.rng.choices(Satisfaction.values, weights=[80, 15, 5])[0],
                    aware=ctx.rng.random() < 0.85, comment="")
            try:
                app = application_transition(actor=_actor(users, app.step, person), application=app,
                                             transition=transition, opinion=opinion, data=data, today=day,
                                             at=clock.at(day))
            except (DomainError, StopIteration):
                break  # e.g. a step the demo's users may not do: the case waits there
        made["cases"] += 1
        made["closed"] += app.status == Status.CLOSED
        made["rejected"] += app.status == Status.REJECTED
        made["withdrawn"] += app.status == Status.WITHDRAWN
        made["overdue"] += app.status == Status.IN_PROGRESS and app.due_on is not None and app.due_on < anchor
    text = "申请：{cases} 件（已办结 {closed}，不予通过 {rejected}，撤回 {withdrawn}，截至 {day} 逾期 {overdue}）"
    ctx.say(text.format(day=anchor.isoformat(), **made))
