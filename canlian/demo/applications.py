"""Demo applications: cases of the demo year at every step, some overdue, some rejected or withdrawn, and
closed ones with follow-up visits, so that every inbox, list and rate has realistic content.

Everything goes through the application services (so the timeline and the audit trail are real); the
coordinators' and street officers' own areas get a share of the cases so their inboxes are not empty.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from canlian.accounts.choices import Role
from canlian.accounts.scoping import in_scope
from canlian.applications.choices import Satisfaction, Status, Transition, VisitMethod
from canlian.applications.services import StepData, application_create, application_transition
from canlian.applications.workflow import STEP_ROLES
from canlian.common.exceptions import DomainError
from canlian.demo.context import DemoContext
from canlian.programmes.choices import BenefitKind, RuleStatus, Step
from canlian.programmes.eligibility import compiled
from canlian.programmes.models import Programme, RuleVersion
from canlian.programmes.rules import RuleContext
from canlian.registry.models import Person

# code: (share of the cases, requested amount or items)
MIX: dict[str, tuple[int, str]] = {
    "R1": (30, "1000.00"), "L1": (15, "260.00"), "L4": (20, "955.00"), "C1": (10, "1200.00"),
    "R5": (10, "康复训练"), "E4": (5, "3000.00"),
}
MAX_CASES = 400


def _actor(users: dict, step: str, person: Person) -> object:
    """Someone allowed at `step` for this person: the local coordinator or street officer when there is one."""
    roles = STEP_ROLES[step]
    for user in users.values():
        if user.role in roles and user.role != Role.DISTRICT_OFFICER and in_scope(user, person.area_code):
            return user
    return next(u for u in users.values() if u.role in roles and u.role in
                (Role.DISTRICT_OFFICER, Role.LEADER, Role.FINANCE))


def build(ctx: DemoContext) -> None:
    users = {u: v for u, v in ctx.data["users"].items() if v.role != Role.ADMIN}
    programmes = {p.code: p for p in Programme.objects.filter(code__in=MIX)}
    local = [u for u in users.values() if u.role in (Role.COMMUNITY_COORDINATOR, Role.STREET_OFFICER)]
    local_areas = [u.area.code for u in local if u.role == Role.COMMUNITY_COORDINATOR]
    total_share = sum(share for share, _ in MIX.values())
    budget = min(MAX_CASES, max(ctx.persons // 8, 20))
    cases: list[tuple[str, Person]] = []
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
        cases += [(code, p) for p in list(dict.fromkeys(near + pool))[:wanted]]
    today = timezone.localdate()
    made = {"cases": 0, "closed": 0, "rejected": 0, "withdrawn": 0, "overdue": 0}
    for code, person in cases:
        programme = programmes[code]
        steps = list(programme.steps)
        # where this case ends: a step still open, or closed, rejected, withdrawn
        outcome = ctx.rng.choices(["open", "closed", "rejected", "withdrawn"], weights=[50, 35, 10, 5])[0]
        stop = ctx.rng.randrange(1, len(steps)) if outcome != "closed" else len(steps)
        # open cases started recently (some beyond their time limit); finished ones in the demo year
        started = today - timedelta(days=ctx.rng.randint(0, 8 + 3 * stop)) if outcome == "open" else \
            date(ctx.year, ctx.rng.randint(1, 9), ctx.rng.randint(1, 28))
        requested = MIX[programme.code][1]
        amount = requested if requested[0].isdigit() else None
        try:
            app = application_create(
                actor=_actor(users, "apply", person), person=person, programme=programme, year=ctx.year,
                requested_amount=amount, items="" if amount else requested, opinion="本人申请，材料齐全",
                today=started)
            day = started
            while app.status == Status.IN_PROGRESS and steps.index(app.step) < stop:
                if app.step == Step.DELIVER and programme.benefit_kind == BenefitKind.CASH:
                    break  # cash is paid through payment batches (the payments demo pays these)
                day = min(day + timedelta(days=ctx.rng.randint(1, 4)), today)
                data = StepData(
                    delivered_on=day, delivered_amount=Decimal(amount) if amount else None,
                    delivered_items="" if amount else requested, visited_on=day,
                    method=ctx.rng.choice(VisitMethod.values),
                    satisfied=ctx.rng.choices(Satisfaction.values, weights=[80, 15, 5])[0],
                    aware=ctx.rng.random() < 0.85, comment="")
                app = application_transition(actor=_actor(users, app.step, person), application=app,
                                             transition=Transition.ADVANCE, opinion="同意", data=data, today=day)
            if outcome in ("rejected", "withdrawn") and app.status == Status.IN_PROGRESS:
                transition, reason = ((Transition.REJECT, "经入户调查，家庭收入超过标准")
                                      if outcome == "rejected" else (Transition.WITHDRAW, "申请人主动撤回"))
                with suppress(DomainError):
                    app = application_transition(actor=_actor(users, app.step, person), application=app,
                                                 transition=transition, opinion=reason, today=day)
        except (DomainError, StopIteration):
            continue
        made["cases"] += 1
        made["closed"] += app.status == Status.CLOSED
        made["rejected"] += app.status == Status.REJECTED
        made["withdrawn"] += app.status == Status.WITHDRAWN
        made["overdue"] += app.is_overdue
    ctx.say("申请：{cases} 件（已办结 {closed}，不予通过 {rejected}，撤回 {withdrawn}，逾期 {overdue}）".format(**made))
