"""Writes to the programme catalogue, targets and budgets. Each checks the role and is audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.accounts.permissions import require
from canlian.accounts.scoping import in_scope
from canlian.audit.services import record, snapshot
from canlian.common.exceptions import Conflict, DomainError, PermissionDenied
from canlian.common.money import to_yuan
from canlian.programmes.catalogue import step_days as default_step_days
from canlian.programmes.choices import EnrolmentSource, FundingSource, RuleStatus
from canlian.programmes.models import Budget, Enrolment, Programme, RuleVersion, Target
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region
from canlian.registry.models import Household, Person

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


# --- enrolments (在享) ---------------------------------------------------------------------------------------------

ENROLMENT_FIELDS = ["person", "household", "programme", "start", "end", "source", "application_id", "end_reason"]


@transaction.atomic
def enrolment_start(
    *,
    actor: object,
    person: Person,
    programme: Programme,
    start: date,
    source: str,
    application: int | None = None,
    household: Household | None = None,
    note: str = "",
) -> Enrolment:
    """Record that `person` receives `programme` from `start` (登记在享): what 应退未退 and enrolled() read.

    Called by staff on the person page, by the `enrolments` import and by the applications module when a
    benefit is delivered (`application` is then the application's id). One open enrolment per person and
    programme: a second start while one is open is refused, not merged.
    """
    # an enrolment started by a delivered application was authorised by the application's state machine
    require(actor, "application.act" if source == EnrolmentSource.APPLICATION else "enrolment.manage")
    if not in_scope(actor, person.area_code):
        raise PermissionDenied(_("%(name)s 不在您的辖区内") % {"name": person.name})
    if source not in EnrolmentSource.values:
        raise DomainError(_("未知的在享来源：%(s)s") % {"s": source}, field="source")
    if Enrolment.objects.filter(person=person, programme=programme, end__isnull=True).exists():
        raise Conflict(
            _("%(name)s 已在享 %(code)s %(prog)s，请先停止原记录")
            % {"name": person.name, "code": programme.code, "prog": programme.name}
        )
    application_id = getattr(application, "pk", application)
    enrolment = Enrolment(
        person=person, household=household, programme=programme, area_code=person.area_code, start=start,
        source=source, application_id=application_id, note=note, created_by=actor,
    )
    enrolment.full_clean(validate_constraints=False)
    enrolment.save()
    record(actor=actor, action="enrolment.start", obj=enrolment, after=snapshot(enrolment, ENROLMENT_FIELDS))
    return enrolment


@transaction.atomic
def enrolment_end(*, actor: object, enrolment: Enrolment, end: date, reason: str) -> Enrolment:
    """Stop an enrolment on `end` (the last day paid), with the reason (死亡、迁出、复核不符合…)."""
    require(actor, "enrolment.manage")
    enrolment = Enrolment.objects.select_for_update().select_related("person", "programme").get(pk=enrolment.pk)
    if not in_scope(actor, enrolment.area_code):
        raise PermissionDenied(_("%(name)s 不在您的辖区内") % {"name": enrolment.person.name})
    if enrolment.end is not None:
        raise Conflict(_("该在享记录已于 %(d)s 停止") % {"d": enrolment.end})
    if end < enrolment.start:
        raise DomainError(_("停止日期不能早于开始日期 %(d)s") % {"d": enrolment.start}, field="end")
    if not reason.strip():
        raise DomainError(_("请填写停止原因"), field="reason")
    before = snapshot(enrolment, ["end", "end_reason"])
    enrolment.end, enrolment.end_reason = end, reason.strip()
    enrolment.full_clean(validate_constraints=False)
    enrolment.save(update_fields=["end", "end_reason", "updated_at"])
    record(actor=actor, action="enrolment.end", obj=enrolment, before=before,
           after=snapshot(enrolment, ["end", "end_reason"]))
    return enrolment


# --- rule versions ------------------------------------------------------------------------------------------------

RULE_FIELDS = ["programme", "year", "version", "eligibility", "amount_spec", "status", "note"]


@transaction.atomic
def rule_draft_save(
    *,
    actor: object,
    programme: Programme,
    year: int,
    eligibility: str,
    amount_spec: dict[str, object],
    note: str = "",
    draft: RuleVersion | None = None,
) -> RuleVersion:
    """Save a draft rule for a programme-year (a new version, or changes to an existing draft).

    The text must compile against the registry schema and the amount spec must parse: a draft that could
    never be published is refused here, with the error's line and column.
    """
    require(actor, "rule.manage")
    _check_year(year)
    if draft is not None:
        draft = RuleVersion.objects.select_for_update().get(pk=draft.pk)
        if draft.status != RuleStatus.DRAFT:
            raise Conflict(_("已发布或已替代的规则不能修改，请另存为新草稿"))
        before = snapshot(draft, RULE_FIELDS)
    else:
        latest = RuleVersion.objects.filter(programme=programme, year=year).order_by("-version").first()
        draft = RuleVersion(
            programme=programme, year=year, version=(latest.version + 1) if latest else 1, created_by=actor
        )
        before = None
    draft.eligibility, draft.amount_spec, draft.note = eligibility, amount_spec, note
    try:
        draft.full_clean(validate_constraints=False)
    except ValidationError as error:
        messages = [m for ms in error.message_dict.values() for m in ms]
        field = next(iter(error.message_dict), None)
        raise DomainError("；".join(messages), field=field) from error
    draft.save()
    record(actor=actor, action="rule.draft_save", obj=draft, before=before, after=snapshot(draft, RULE_FIELDS))
    return draft


@transaction.atomic
def rule_publish(*, actor: object, rule: RuleVersion, note: str = "") -> RuleVersion:
    """Publish a draft as its year's rule; the year's previously published version becomes superseded.

    Other years keep their own versions: publishing a 2025 rule never changes how 2024 is judged.
    """
    require(actor, "rule.manage")
    rule = RuleVersion.objects.select_for_update().select_related("programme").get(pk=rule.pk)
    if rule.status != RuleStatus.DRAFT:
        raise Conflict(_("只有草稿可以发布（当前：%(s)s）") % {"s": rule.get_status_display()})
    try:
        rule.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise DomainError("；".join(m for ms in error.message_dict.values() for m in ms)) from error
    previous = list(
        RuleVersion.objects.select_for_update().filter(
            programme=rule.programme, year=rule.year, status=RuleStatus.PUBLISHED
        )
    )
    for old in previous:
        old.status = RuleStatus.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
        record(actor=actor, action="rule.supersede", obj=old, before={"status": RuleStatus.PUBLISHED},
               after={"status": RuleStatus.SUPERSEDED})
    rule.status, rule.published_by, rule.published_at = RuleStatus.PUBLISHED, actor, timezone.now()
    if note:
        rule.note = note
    rule.save(update_fields=["status", "published_by", "published_at", "note", "updated_at"])
    record(actor=actor, action="rule.publish", obj=rule, before={"status": RuleStatus.DRAFT},
           after=snapshot(rule, RULE_FIELDS))
    return rule
