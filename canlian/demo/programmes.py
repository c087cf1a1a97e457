"""Demo targets and budgets for the demo year, set through the services by the demo officer and finance."""

from __future__ import annotations

from decimal import Decimal

from canlian.demo.context import DemoContext
from canlian.programmes.models import Programme
from canlian.programmes.services import budget_set, target_set

# code: (target, {source: budget in yuan}) — the order of magnitude of the seed's 2024 work, for a district of
# about SEED_PERSONS certified people; targets are scaled to the demo's size so that progress looks like a real
# year (budgets are not: a smaller demo simply spends a smaller share of them).
SEED_PERSONS = 15000
PLAN: dict[str, tuple[int, dict[str, str]]] = {
    "R1": (300, {"upper": "300000.00", "district": "45000.00"}),
    "R2": (130, {"upper": "1950000.00"}),
    "R3": (3, {"upper": "9000.00"}),
    "R4": (2, {"upper": "6000.00"}),
    "R5": (380, {"upper": "40000.00", "district": "15000.00"}),
    "L1": (210, {"upper": "54600.00"}),
    "L2": (9, {"upper": "11034.00"}),
    "L3": (70, {"district": "126000.00"}),
    "L4": (220, {"district": "210000.00"}),
    "L8": (150, {"district": "45000.00"}),
    "B1": (20, {"upper": "60000.00", "district": "40000.00"}),
    "E1": (80, {"upper": "40000.00", "district": "8000.00"}),
    "E2": (20, {}),
    "E3": (10, {"upper": "20000.00", "district": "10000.00"}),
    "E4": (7, {"district": "21000.00"}),
    "E5": (100, {}),
    "C1": (60, {"upper": "60000.00", "district": "30000.00"}),
    "A1": (400, {"district": "40000.00"}),
}


def scaled_target(target: int, persons: int) -> int:
    """The seed's target for a district of `persons` certified people (at least 1)."""
    return max(1, round(target * persons / SEED_PERSONS))


def build(ctx: DemoContext) -> None:
    officer = ctx.data["users"]["zhuangan"]
    finance = ctx.data["users"]["caiwu"]
    programmes = {p.code: p for p in Programme.objects.filter(code__in=PLAN)}
    for code, (target, budgets) in PLAN.items():
        programme = programmes[code]
        target_set(actor=officer, programme=programme, year=ctx.year, quantity=scaled_target(target, ctx.persons))
        for source, amount in budgets.items():
            budget_set(actor=finance, programme=programme, year=ctx.year, source=source, amount=Decimal(amount))
    ctx.say(f"项目：{len(PLAN)} 个项目下达了 {ctx.year} 年目标任务和预算")
