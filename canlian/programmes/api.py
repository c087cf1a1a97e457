from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from canlian.accounts.permissions import require
from canlian.accounts.scoping import area_prefix
from canlian.common.exceptions import DomainError
from canlian.programmes import screening, selectors, services
from canlian.programmes.choices import ScreeningKind
from canlian.programmes.eligibility import compiled, published_rule
from canlian.programmes.models import Programme, RuleVersion
from canlian.programmes.rules import RuleContext, RuleSyntaxError, compile_rule
from canlian.programmes.schema import facts_for, registry_schema
from canlian.programmes.selectors import ProgrammeYear
from canlian.regions.models import Region
from canlian.registry.models import Person, area_code_q
from canlian.registry.selectors import classify_search

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


# --- rules --------------------------------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    programme: str
    year: int
    version: int
    status: str
    eligibility: str
    amount_spec: dict[str, Any]
    note: str
    published_at: datetime | None


class RuleIn(Schema):
    year: int
    eligibility: str
    amount_spec: dict[str, Any] = {}
    note: str = ""
    draft_id: int | None = None


class PublishIn(Schema):
    note: str = ""


class CheckIn(Schema):
    eligibility: str
    ref_date: date | None = None
    programme: str = ""


class RuleErrorOut(Schema):
    line: int
    column: int
    length: int
    message: str
    excerpt: str


class CheckOut(Schema):
    ok: bool
    error: RuleErrorOut | None = None
    normalized: str = ""
    count: int | None = None


class TestIn(Schema):
    id_number: str
    ref_date: date
    eligibility: str | None = None


class EligibilityOut(Schema):
    eligible: bool
    reasons: list[str]
    outline: list[str]
    rule_version_id: int | None
    ref_date: date


def _rule_out(rule: RuleVersion) -> RuleOut:
    return RuleOut(id=rule.pk, programme=rule.programme.code, year=rule.year, version=rule.version,
                   status=rule.status, eligibility=rule.eligibility, amount_spec=rule.amount_spec, note=rule.note,
                   published_at=rule.published_at)


@router.get("/{code}/rules", response=list[RuleOut])
def list_rules(request: HttpRequest, code: str, year: int | None = None) -> list[RuleOut]:
    """Every version of the programme's rules (optionally of one year), newest first."""
    require(request.auth, "programme.view")
    qs = RuleVersion.objects.filter(programme__code=code).select_related("programme")
    return [_rule_out(r) for r in (qs.filter(year=year) if year else qs)]


@router.get("/rules/{int:rule_id}", response=RuleOut)
def get_rule(request: HttpRequest, rule_id: int) -> RuleOut:
    require(request.auth, "programme.view")
    return _rule_out(get_object_or_404(RuleVersion.objects.select_related("programme"), pk=rule_id))


@router.post("/{code}/rules", response={201: RuleOut})
def save_draft(request: HttpRequest, code: str, payload: RuleIn) -> Status:
    """Save a new draft (or, with draft_id, change a draft); the text must compile (400 with the position)."""
    programme = get_object_or_404(Programme, code=code)
    draft = get_object_or_404(RuleVersion, pk=payload.draft_id, programme=programme) if payload.draft_id else None
    rule = services.rule_draft_save(actor=request.auth, programme=programme, year=payload.year,
                                    eligibility=payload.eligibility, amount_spec=payload.amount_spec,
                                    note=payload.note, draft=draft)
    return Status(201, _rule_out(rule))


@router.post("/rules/{int:rule_id}/publish", response=RuleOut)
def publish(request: HttpRequest, rule_id: int, payload: PublishIn) -> RuleOut:
    rule = get_object_or_404(RuleVersion, pk=rule_id)
    return _rule_out(services.rule_publish(actor=request.auth, rule=rule, note=payload.note))


@router.post("/rules/check", response=CheckOut)
def check_rule(request: HttpRequest, payload: CheckIn) -> CheckOut:
    """Compile a rule: the error with line, column and caret excerpt, or the count matching in the user's area."""
    require(request.auth, "rule.manage")
    try:
        rule = compile_rule(payload.eligibility, registry_schema())
    except RuleSyntaxError as error:
        return CheckOut(ok=False, error=RuleErrorOut(line=error.line, column=error.column, length=error.length,
                                                     message=error.message, excerpt=error.excerpt))
    prefix = area_prefix(request.auth)
    ref = payload.ref_date or timezone.localdate()
    count = None if prefix is None else Person.objects.filter(
        area_code_q(prefix), rule.to_q(RuleContext.on(ref, programme=payload.programme))
    ).count()
    return CheckOut(ok=True, normalized=rule.normalized, count=count)


@router.post("/{code}/eligibility", response=EligibilityOut)
def test_person(request: HttpRequest, code: str, payload: TestIn) -> EligibilityOut:
    """Explain a person against the published rule of ref_date's year, or against `eligibility` if given."""
    programme = get_object_or_404(Programme, code=code)
    prefix = area_prefix(request.auth)
    term = classify_search(payload.id_number)
    if prefix is None or term.kind not in ("id", "certificate"):
        raise DomainError(_("请提供完整的身份证号或残疾人证号"), field="id_number")
    person = Person.objects.filter(area_code_q(prefix), id_number_hash=term.value).first()
    if person is None:
        raise Http404(_("本辖区没有此人"))
    if payload.eligibility is not None:
        require(request.auth, "rule.manage")
        try:
            rule = compile_rule(payload.eligibility, registry_schema())
        except RuleSyntaxError as error:
            raise DomainError(str(error), field="eligibility") from error
        explanation = rule.explain(facts_for(person), RuleContext.on(payload.ref_date, programme=code))
        return EligibilityOut(eligible=explanation.eligible, reasons=list(explanation.reasons),
                              outline=explanation.outline(), rule_version_id=None, ref_date=payload.ref_date)
    require(request.auth, "programme.view")
    rule_version = published_rule(programme, payload.ref_date.year)
    explanation = compiled(rule_version).explain(facts_for(person),
                                                 RuleContext.on(payload.ref_date, programme=code))
    return EligibilityOut(eligible=explanation.eligible, reasons=list(explanation.reasons),
                          outline=explanation.outline(), rule_version_id=rule_version.pk, ref_date=payload.ref_date)


# --- screening ----------------------------------------------------------------------------------------------------


class ScreeningIn(Schema):
    programme: str | None = None  # empty: every programme with a published rule
    ref_date: date
    kind: str = ScreeningKind.BOTH


class ScreeningOut(Schema):
    id: int
    programme: str
    ref_date: date
    kind: str
    status: str
    rule_version: int
    started_at: datetime
    finished_at: datetime | None
    missing: int
    excess: int
    eligible: int
    enrolled: int
    percent: int | None


class ResultOut(Schema):
    id: int
    person_id: int
    name: str
    id_number_masked: str
    kind: str
    area_code: str
    category: int | None
    grade: int | None
    reason: str
    queued: bool


class ResultPage(Schema):
    items: list[ResultOut]
    next_cursor: str | None


@router.post("/screening/runs", response={201: list[ScreeningOut]})
def start_screening(request: HttpRequest, payload: ScreeningIn) -> Status:
    """Start a screening job (one programme, or all); poll GET /screening/runs/{id} for progress."""
    if payload.programme:
        programme = get_object_or_404(Programme, code=payload.programme)
        runs = [screening.screening_start(actor=request.auth, programme=programme, ref_date=payload.ref_date,
                                          kind=payload.kind)]
    else:
        runs = screening.screening_start_all(actor=request.auth, ref_date=payload.ref_date, kind=payload.kind)
    return Status(201, [ScreeningOut(**screening.screening_snapshot(r)) for r in runs])


@router.get("/screening/runs/{int:run_id}", response=ScreeningOut)
def screening_status(request: HttpRequest, run_id: int) -> ScreeningOut:
    run = screening.screening_get(request.auth, run_id)
    return ScreeningOut(**screening.screening_snapshot(run))


@router.get("/screening/runs/{int:run_id}/results", response=ResultPage)
def screening_results(request: HttpRequest, run_id: int, kind: str = "", area: str = "", category: str = "",
                      grade: str = "", cursor: str | None = None, limit: int = 100) -> ResultPage:
    """One page of results in (community, id) order; pass next_cursor back as cursor for the next page."""
    run = screening.screening_get(request.auth, run_id)
    filters = screening.ResultFilters.from_params({"kind": kind, "area": area, "category": category, "grade": grade})
    items, next_cursor = screening.result_page(run, filters, cursor, size=max(1, min(limit, 500)))
    return ResultPage(next_cursor=next_cursor, items=[
        ResultOut(id=r.pk, person_id=r.person_id, name=r.person.name, id_number_masked=r.person.id_number_masked,
                  kind=r.kind, area_code=r.area_code, category=r.category, grade=r.grade, reason=r.reason,
                  queued=hasattr(r, "selection"))
        for r in items
    ])
