"""Demo enrolments (在享) for the demo year, a few changes since, and one screening so the screens have content.

Enrolments start on 1 January of the demo year for most people the year's published rule selects then
(capped near each programme's target); afterwards a few of them die (the registry's bulk death service) or
leave 低保 (its bulk low-income service), so the screening on 30 June finds 应退未退 as well as 应享未享.
"""

from __future__ import annotations

from datetime import date

from canlian.audit.services import record_many
from canlian.demo.context import DemoContext
from canlian.programmes.choices import EnrolmentSource, RuleStatus, ScreeningKind
from canlian.programmes.eligibility import compiled
from canlian.programmes.models import Enrolment, Programme, RuleVersion, ScreeningRun
from canlian.programmes.rules import RuleContext
from canlian.programmes.screening import compute
from canlian.programmes.services import rule_draft_save, rule_publish
from canlian.registry.bulk import DeathRow, LowIncomeRow, persons_record_death, persons_set_low_income
from canlian.registry.choices import LowIncomeStatus
from canlian.registry.models import Person

# code: (share of the eligible enrolled on 1 January, at most this many)
ENROL: dict[str, tuple[float, int]] = {
    "R1": (0.9, 300), "L1": (0.1, 210), "L3": (0.8, 140), "L4": (0.85, 220), "L5": (0.9, 2000),
    "L6": (0.8, 2000), "C1": (0.2, 60),
}
DEATHS, LEFT_DIBAO = 6, 5


def build(ctx: DemoContext) -> None:
    if not ctx.data.get("persons"):
        return
    users = ctx.data["users"]
    officer, admin = users["zhuangan"], users["admin"]
    _ensure_rules(ctx.year, admin)
    first = date(ctx.year, 1, 1)
    programmes = {p.code: p for p in Programme.objects.filter(code__in=ENROL)}
    created: list[Enrolment] = []
    for code, (share, cap) in ENROL.items():
        programme = programmes[code]
        rule = RuleVersion.objects.get(programme=programme, year=ctx.year, status=RuleStatus.PUBLISHED)
        q = compiled(rule).to_q(RuleContext.on(first, programme=code))
        eligible = list(Person.objects.filter(q).order_by("pk").values_list("pk", "area_code"))
        chosen = [row for row in eligible if ctx.rng.random() < share][:cap]
        created += Enrolment.objects.bulk_create(
            Enrolment(person_id=pk, area_code=area, programme=programme, start=first,
                      source=EnrolmentSource.IMPORT, created_by=officer)
            for pk, area in chosen
        )
    record_many(actor=officer, action="enrolment.start", objects=created,
                after=[{"programme": e.programme.code, "start": first.isoformat()} for e in created],
                message="演示数据：在享名单")
    _changes_since(ctx, officer, created)
    run = ScreeningRun.objects.create(
        programme=programmes["L5"], ref_date=date(ctx.year, 6, 30), kind=ScreeningKind.BOTH, area_prefix="",
        rule_version=RuleVersion.objects.get(programme=programmes["L5"], year=ctx.year, status=RuleStatus.PUBLISHED),
        owner=officer,
    )
    compute(run)
    ctx.say(f"在享：{len(created)} 条在享记录；筛查 L5（{run.ref_date}）：应享未享 {run.missing_count} 人，"
            f"应退未退 {run.excess_count} 人")


def _ensure_rules(year: int, admin: object) -> None:
    """Years other than the preloaded 2024 and 2025 get the nearest year's rules, published by the admin."""
    for programme in Programme.objects.exclude(rules__year=year, rules__status=RuleStatus.PUBLISHED):
        source = (RuleVersion.objects.filter(programme=programme, status=RuleStatus.PUBLISHED)
                  .order_by("-year").first())
        if source is None:
            continue
        draft = rule_draft_save(actor=admin, programme=programme, year=year, eligibility=source.eligibility,
                                amount_spec=source.amount_spec, note=f"演示：沿用 {source.year} 年度规则")
        rule_publish(actor=admin, rule=draft)


def _changes_since(ctx: DemoContext, officer: object, created: list[Enrolment]) -> None:
    """Some enrolled people die and some leave 低保 in spring, so that 应退未退 is not empty."""
    l5 = [e.person_id for e in created if e.programme.code == "L5"]
    if len(l5) < DEATHS + LEFT_DIBAO:
        return
    picked = ctx.rng.sample(l5, DEATHS + LEFT_DIBAO)
    people = {p.pk: p for p in Person.objects.filter(pk__in=picked)}
    persons_record_death(actor=officer, rows=[
        DeathRow(row=i, id_number=people[pk].decrypt_id_number(), date_of_death=date(ctx.year, 3, 10 + i))
        for i, pk in enumerate(picked[:DEATHS], start=2)
    ])
    persons_set_low_income(actor=officer, rows=[
        LowIncomeRow(row=i, id_number=people[pk].decrypt_id_number(), status=LowIncomeStatus.NONE,
                     effective=date(ctx.year, 4, 1), reason="演示：退出低保")
        for i, pk in enumerate(picked[DEATHS:], start=2)
    ])
