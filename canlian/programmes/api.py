from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from canlian.accounts.permissions import require
from canlian.programmes import selectors, services
from canlian.programmes.models import Programme
from canlian.programmes.selectors import ProgrammeYear
from canlian.regions.models import Region

router = Router(tags=["programmes"])


class ProgrammeOut(Schema):
    code: str
    name: str
    field: str
    unit: str
    benefit_kind: str
    periodicity: str
    funding_sources: list[str]
    excess_funded_by_district: bool
    steps: list[str]
    step_days: dict[str, int]
    is_active: bool
    year: int
    target: int | None
    street_targets: dict[str, int]
    budgets: dict[str, Decimal]
    done: int | None


class TargetIn(Schema):
    year: int
    quantity: int | None
    street_code: str | None = None


class BudgetIn(Schema):
    year: int
    source: str
    amount: Decimal | None


def _out(row: ProgrammeYear) -> ProgrammeOut:
    p = row.programme
    return ProgrammeOut(
        code=p.code, name=p.name, field=p.field, unit=p.unit, benefit_kind=p.benefit_kind, periodicity=p.periodicity,
        funding_sources=p.funding_sources, excess_funded_by_district=p.excess_funded_by_district, steps=p.steps,
        step_days=p.step_days, is_active=p.is_active, year=row.year, target=row.target,
        street_targets={t.street.code: t.quantity for t in row.street_targets}, budgets=row.budgets, done=row.done,
    )


@router.get("/", response=list[ProgrammeOut])
def list_programmes(request: HttpRequest, year: int, field: str | None = None) -> list[ProgrammeOut]:
    """The catalogue with the year's targets, budgets and progress."""
    require(request.auth, "programme.view")
    return [_out(r) for r in selectors.programme_overview(user=request.auth, year=year, field=field)]


@router.get("/{code}", response=ProgrammeOut)
def get_programme(request: HttpRequest, code: str, year: int) -> ProgrammeOut:
    require(request.auth, "programme.view")
    return _out(selectors.programme_year(user=request.auth, code=code, year=year))


@router.put("/{code}/targets", response=ProgrammeOut)
def set_target(request: HttpRequest, code: str, payload: TargetIn) -> ProgrammeOut:
    """Set the district target (street_code empty) or a street's target; quantity null removes it."""
    programme = get_object_or_404(Programme, code=code)
    street = None
    if payload.street_code:
        street = get_object_or_404(Region.objects.visible_to(request.auth), code=payload.street_code)
    services.target_set(actor=request.auth, programme=programme, year=payload.year, quantity=payload.quantity,
                        street=street)
    return _out(selectors.programme_year(user=request.auth, code=code, year=payload.year))


@router.put("/{code}/budgets", response=ProgrammeOut)
def set_budget(request: HttpRequest, code: str, payload: BudgetIn) -> ProgrammeOut:
    programme = get_object_or_404(Programme, code=code)
    services.budget_set(actor=request.auth, programme=programme, year=payload.year, source=payload.source,
                        amount=payload.amount)
    return _out(selectors.programme_year(user=request.auth, code=code, year=payload.year))
