"""Writes to the programme catalogue, targets and budgets. Each checks the role and is audited."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from canlian.accounts.permissions import require
from canlian.audit.services import record, snapshot
from canlian.common.exceptions import DomainError
from canlian.common.money import to_yuan
from canlian.programmes.catalogue import step_days as default_step_days
from canlian.programmes.choices import FundingSource
from canlian.programmes.models import Budget, Programme, Target
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region

PROGRAMME_FIELDS = (
    "code", "name", "field", "unit", "benefit_kind", "periodicity", "funding_sources", "excess_funded_by_district",
    "steps", "step_days", "policy_basis", "description", "report_order", "is_active",
)
MIN_YEAR, MAX_YEAR = 2000, 2100


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        message = _("年度 %(y)s 不在 %(a)d–%(b)d 之间") % {"y": year, "a": MIN_YEAR, "b": MAX_YEAR}
        raise DomainError(message, field="year")


@transaction.atomic
def programme_create(*, actor: object, **fields: object) -> Programme:
    """An administrator adds a programme that the preloaded catalogue lacks (e.g. a new local subsidy)."""
    require(actor, "programme.manage")
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise TypeError(f"unknown programme fields: {sorted(unknown)}")
    if Programme.objects.filter(code=fields.get("code")).exists():
        raise DomainError(_("项目编号 %(c)s 已存在") % {"c": fields.get("code")}, field="code")
    programme = Programme(**fields)
    if not programme.step_days:
        programme.step_days = default_step_days(list(programme.steps))
    programme.full_clean()
    programme.save()
    record(actor=actor, action="programme.create", obj=programme, after=snapshot(programme, PROGRAMME_FIELDS))
    return programme


@transaction.atomic
def programme_update(*, actor: object, programme: Programme, **changes: object) -> Programme:
    require(actor, "programme.manage")
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    unknown = set(changes) - set(PROGRAMME_FIELDS) - {"code"}
    if unknown or ("code" in changes and changes["code"] != programme.code):
        raise DomainError(_("项目编号创建后不能修改"), field="code")
    changed = [name for name, value in changes.items() if getattr(programme, name) != value]
    if not changed:
        return programme
    before = snapshot(programme, changed)
    for name in changed:
        setattr(programme, name, changes[name])
    programme.full_clean()
    programme.save(update_fields=[*changed, "updated_at"])
    record(actor=actor, action="programme.update", obj=programme, before=before, after=snapshot(programme, changed))
    return programme


@transaction.atomic
def target_set(
    *,
    actor: object,
    programme: Programme,
    year: int,
    quantity: int | None,
    street: Region | None = None,
    note: str = "",
) -> Target | None:
    """Set (or with quantity None, remove) the year's target for the district or one street."""
    require(actor, "target.manage")
    _check_year(year)
    if street is not None and street.level != RegionLevel.STREET:
        raise DomainError(_("分街道目标只能下达到街道/乡镇"), field="street")
    if quantity is not None and quantity < 0:
        raise DomainError(_("目标数量不能为负数"), field="quantity")
    existing = (
        Target.objects.select_for_update(of=("self",)).filter(programme=programme, year=year, street=street)
        .order_by().first()
    )
    before = snapshot(existing, ["quantity", "note"]) if existing else None
    where = street.name if street else _("全区")
    if quantity is None:
        if existing is not None:
            existing.delete()
            record(actor=actor, action="target.delete", object_type="programmes.target", object_id=existing.pk,
                   object_repr=f"{programme.code} {year} {where}", before=before)
        return None
    target = existing or Target(programme=programme, year=year, street=street)
    target.quantity = quantity
    target.note = note
    target.full_clean(validate_constraints=existing is None)
    target.save()
    record(actor=actor, action="target.set", obj=target, object_repr=f"{programme.code} {year} {where}",
           before=before, after=snapshot(target, ["quantity", "note"]))
    return target


@transaction.atomic
def budget_set(
    *, actor: object, programme: Programme, year: int, source: str, amount: Decimal | str | None, note: str = ""
) -> Budget | None:
    """Set (or with amount None, remove) the budget of one funding source for the year."""
    require(actor, "budget.manage")
    _check_year(year)
    if source not in FundingSource.values:
        raise DomainError(_("未知的资金来源"), field="source")
    if source not in programme.funding_sources:
        raise DomainError(_("项目 %(c)s 不使用%(s)s") % {"c": programme.code, "s": FundingSource(source).label},
                          field="source")
    existing = (
        Budget.objects.select_for_update(of=("self",)).filter(programme=programme, year=year, source=source)
        .order_by().first()
    )
    before = snapshot(existing, ["amount", "note"]) if existing else None
    if amount is None:
        if existing is not None:
            existing.delete()
            record(actor=actor, action="budget.delete", object_type="programmes.budget", object_id=existing.pk,
                   object_repr=f"{programme.code} {year} {source}", before=before)
        return None
    try:
        value = to_yuan(amount)
    except (TypeError, ValueError) as exc:
        raise DomainError(str(exc), field="amount") from exc
    if value < 0:
        raise DomainError(_("预算金额不能为负数"), field="amount")
    budget = existing or Budget(programme=programme, year=year, source=source)
    budget.amount = value
    budget.note = note
    budget.full_clean(validate_constraints=existing is None)
    budget.save()
    record(actor=actor, action="budget.set", obj=budget, before=before, after=snapshot(budget, ["amount", "note"]))
    return budget
