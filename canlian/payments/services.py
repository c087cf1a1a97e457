"""Writes to payments: build a batch, check it, move it through its lifecycle, export the bank roster, import
the bank's return, re-issue failed lines, reverse a paid line.

Every step is set-based (a fixed number of queries whatever the number of lines) except the hand-over to
the applications module on reconciliation, which moves each paid application past "deliver" through
applications.services.application_transition so its timeline, enrolment and audit stay the same as by hand.
No double payment is a database constraint (models.LIVE); the services check first so the user gets a
reason, and turn a lost race (IntegrityError) into a Conflict that changes nothing.
"""

from __future__ import annotations

import contextvars
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.accounts.permissions import require
from canlian.accounts.scoping import area_prefix
from canlian.audit.services import record
from canlian.common import crypto
from canlian.common.exceptions import Conflict, DomainError, PermissionDenied
from canlian.common.jobs import NullProgress, Progress
from canlian.common.masking import bank_account_digits
from canlian.common.money import to_yuan
from canlian.common.tabular import CellError
from canlian.payments import roster, workflow
from canlian.payments.choices import (
    BatchSource,
    BatchStatus,
    BatchTransition,
    FindingKind,
    LayoutKind,
    LineKind,
    LineStatus,
    RosterField,
)
from canlian.payments.models import (
    LIVE,
    BankReturn,
    Batch,
    BatchEvent,
    Finding,
    PaymentLine,
    RosterExport,
    RosterLayout,
)
from canlian.programmes.choices import BenefitKind, FundingSource, Periodicity, Step
from canlian.programmes.eligibility import compiled, published_rule
from canlian.programmes.models import Budget, Enrolment, Programme, Target
from canlian.programmes.rules import RuleContext
from canlian.programmes.rules.amount import (
    AmountError,
    FixedAmount,
    GradeAmount,
    MonthlyAmount,
    PerCaseAmount,
    parse_amount_spec,
)
from canlian.programmes.schema import facts_for_many
from canlian.registry.choices import LifeStatus
from canlian.registry.models import BankAccount, Person, area_code_q

CHUNK = 2000
_PAYING: contextvars.ContextVar[bool] = contextvars.ContextVar("payments_paying", default=False)


# --- the applications hook ----------------------------------------------------------------------------------

def delivery_guard(application: Any) -> str | None:
    """Registered in applications.services.DELIVERY_GUARDS: a cash benefit passes "deliver" only when the bank
    confirmed the payment (reconciliation), never by hand, so no money goes out unrecorded in the ledger."""
    if application.programme.benefit_kind == BenefitKind.CASH and not _PAYING.get():
        return _("现金补贴须通过发放批次打卡发放：银行回盘确认到账后，系统自动办结“发放”环节（见“资金发放”）")
    return None


# --- building ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    person_id: int
    household_id: int | None
    application_id: int | None
    area_code: str
    amount: Decimal
    source: str  # funding source asked for ("" = decide by target)
    account_id: int | None


def _default_account() -> Subquery:
    return Subquery(BankAccount.objects.filter(person=OuterRef("person_id"), is_default=True, is_active=True)
                    .order_by("pk").values("pk")[:1])


def _live_lines(programme: Programme, period: str) -> QuerySet[PaymentLine]:
    return PaymentLine.objects.filter(LIVE, programme=programme, period=period)


def _taken(programme: Programme, period: str) -> dict[tuple[str, int], str]:
    """Beneficiaries already in a live line for the programme and period → the batch code holding them."""
    taken: dict[tuple[str, int], str] = {}
    for person, household, batch in _live_lines(programme, period).values_list("person_id", "household_id",
                                                                                "batch_id"):
        key = ("H", household) if household else ("P", person)
        taken[key] = f"PB{batch:06d}"
    return taken


def _from_applications(programme: Programme, period: str, prefix: str, taken: dict[tuple[str, int], str],
                       reached_by: date | None = None) -> tuple[list[Candidate], list[dict[str, Any]]]:
    from canlian.applications.choices import Status
    from canlian.applications.models import Application

    qs = Application.objects.filter(area_code_q(prefix), programme=programme, period=period,
                                    status=Status.IN_PROGRESS, step=Step.DELIVER)
    if reached_by is not None:
        qs = qs.filter(step_since__lte=reached_by)
    qs = (qs
          .annotate(account=Subquery(BankAccount.objects.filter(person=OuterRef("person_id"), is_default=True,
                                                                is_active=True).order_by("pk").values("pk")[:1]))
          .order_by("pk")
          .values_list("pk", "person_id", "household_id", "area_code", "approved_amount", "requested_amount",
                       "funding_source", "account", "person__name"))
    out, left = [], []
    for pk, person, household, area, approved, requested, source, account, name in qs.iterator(chunk_size=CHUNK):
        key = ("H", household) if household else ("P", person)
        amount = approved if approved is not None else requested
        if key in taken:
            left.append({"person": person, "name": name, "reason": _("已在批次 %(b)s 中") % {"b": taken[key]}})
        elif amount is None or amount <= 0:
            left.append({"person": person, "name": name, "reason": _("申请 %(a)d 未核定金额") % {"a": pk}})
        else:
            out.append(Candidate(person, household, pk, area, amount, source, account))
    return out, left


def _monthly_rate(programme: Programme, spec: Any) -> bool:
    return programme.periodicity == Periodicity.MONTHLY and isinstance(spec, MonthlyAmount)


def _from_enrolments(programme: Programme, batch_date: date, period: str, prefix: str,
                     taken: dict[tuple[str, int], str]) -> tuple[list[Candidate], list[dict[str, Any]]]:
    """People enrolled on the batch date and still eligible (the rule's one query); everyone else enrolled is
    listed with the reason (explain, over facts loaded per chunk)."""
    rule = published_rule(programme, batch_date.year)
    if not rule.amount_spec:
        raise DomainError(_("%(p)s %(y)d 年度的规则没有金额，不能按在享人员生成批次") % {
            "p": programme, "y": batch_date.year})
    spec = parse_amount_spec(rule.amount_spec)
    ctx = RuleContext.on(batch_date, programme=programme.code)
    cr = compiled(rule)
    enrolled = Enrolment.objects.active_on(batch_date).filter(programme=programme)
    eligible_q = cr.to_q(ctx) & Q(life_status=LifeStatus.ALIVE)
    rows = (enrolled.filter(area_code_q(prefix))
            .annotate(ok=Exists(Person.objects.filter(eligible_q, pk=OuterRef("person_id"))),
                      account=_default_account())
            .order_by("person_id")
            .values_list("person_id", "household_id", "person__area_code", "ok", "account", "person__name",
                         "person__grade", "start", "person__life_status"))
    out, left, failing = [], [], []
    for person, household, area, ok, account, name, grade, start, life in rows.iterator(chunk_size=CHUNK):
        key = ("H", household) if household else ("P", person)
        if key in taken:
            left.append({"person": person, "name": name, "reason": _("已在批次 %(b)s 中") % {"b": taken[key]}})
            continue
        if life != LifeStatus.ALIVE:
            left.append({"person": person, "name": name, "reason": str(LifeStatus(life).label)})
            continue
        if not ok:
            failing.append((person, name))
            continue
        try:
            amount = spec.amount if _monthly_rate(programme, spec) else spec.compute(
                {"grade": grade, "application_date": start}, ctx)
        except AmountError as exc:  # the person is listed with the reason, not paid
            left.append({"person": person, "name": name, "reason": str(exc)})
            continue
        out.append(Candidate(person, household, None, area, to_yuan(amount), "", account))
    for start in range(0, len(failing), CHUNK):
        chunk = failing[start:start + CHUNK]
        facts = facts_for_many([p for p, _n in chunk])
        for person, name in chunk:
            reasons = cr.explain(facts[person], ctx).reasons if person in facts else []
            left.append({"person": person, "name": name, "reason": "；".join(reasons) or _("不符合条件")})
    return out, left


def _split_sources(programme: Programme, year: int, candidates: list[Candidate]) -> list[str]:
    """Each line's funding source. With excess_funded_by_district, the beneficiaries beyond the upper-level
    target (per street when street targets exist, else the district's) are paid from district money."""
    if not programme.excess_funded_by_district:
        default = (programme.funding_sources or [FundingSource.UPPER])[0]
        return [c.source if c.source in programme.funding_sources else default for c in candidates]
    targets = {t.street.code if t.street_id else "": t.quantity
               for t in Target.objects.filter(programme=programme, year=year).select_related("street")}
    per_street = any(targets) and any(k for k in targets)
    used: Counter[str] = Counter()
    upper_lines = (PaymentLine.objects.filter(LIVE, programme=programme, batch__year=year,
                                              funding_source=FundingSource.UPPER)
                   .values_list("area_code", flat=True))
    for area in upper_lines:
        used[area[:9] if per_street else ""] += 1
    out = []
    for c in candidates:
        key = c.area_code[:9] if per_street else ""
        quota = targets.get(key)
        if quota is None or used[key] < quota:
            used[key] += 1
            out.append(FundingSource.UPPER)
        else:
            out.append(FundingSource.DISTRICT)
    return out


def _record_event(actor: Any, batch: Batch, transition: str, before: str, reason: str = "",
                  at: datetime | None = None) -> None:
    BatchEvent.objects.create(batch=batch, transition=transition, from_status=before, to_status=batch.status,
                              actor=actor, reason=reason[:500], at=at or timezone.now())
    record(actor=actor, action=f"payment_batch.{transition}", obj=batch, before={"status": before},
           after={"status": batch.status, "version": batch.version}, message=reason)


_LINE_COLUMNS = ("batch_id", "seq", "ref", "kind", "programme_id", "period", "person_id", "household_id",
                 "application_id", "area_code", "funding_source", "amount", "bank_account_id", "status",
                 "retry_of_id", "bank_reason", "excluded_reason", "note")


def _create_lines(batch: Batch, candidates: list[Candidate], sources: list[str], *,
                  retry_of: list[int | None] | None = None, progress: Progress | None = None) -> int:
    """Insert the lines with one prepared INSERT run over chunks of rows (executemany): building model
    instances and compiling SQL per row would cost ten times the database's own work at 100,000 lines."""
    from django.db import connection

    code = batch.code
    table = connection.ops.quote_name(PaymentLine._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _LINE_COLUMNS)
    placeholders = ", ".join(["%s"] * len(_LINE_COLUMNS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from _meta, values bound
    rows = [(batch.pk, i, f"{code}-{i:06d}", LineKind.PAYMENT, batch.programme_id, batch.period, c.person_id,
             c.household_id, c.application_id, c.area_code, src, c.amount, c.account_id, LineStatus.PENDING,
             retry_of[i - 1] if retry_of else None, "", "", "")
            for i, (c, src) in enumerate(zip(candidates, sources, strict=True), start=1)]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[start:start + 5000])
                if progress is not None:
                    progress.advance(len(rows[start:start + 5000]))
    except IntegrityError as exc:
        raise Conflict(_("其中有人已被同时编入另一发放批次（同一项目同一期次只能发放一次），"
                         "本批次未生成，请重新生成")) from exc
    return len(rows)


def _period_year(period: str, batch_date: date) -> int:
    """The budget year of a period: "2024" and "2024-03" → 2024; a school year "2023-2024" is paid from the
    budget of the year it ends in (the seed's 2023-2024 school subsidy is 2024 work); else the batch date's."""
    if len(period) == 9 and period[4] == "-" and period[:4].isdigit() and period[5:].isdigit():
        return int(period[5:])
    return int(period[:4]) if period[:4].isdigit() else batch_date.year


@transaction.atomic
def batch_build(*, actor: Any, programme: Programme, period: str, batch_date: date, source: str = "",
                note: str = "", reached_by: date | None = None, progress: Progress | None = None) -> Batch:
    """Build a draft batch: approved applications waiting at "deliver", or (recurring programmes) the people
    enrolled and still eligible on the batch date. Who is left out is kept on the batch with the reason.
    `reached_by` keeps only the applications that reached "deliver" on or before that day (the demo builds
    its year's batches one after another, after every case of the year has been entered). `progress` (a job's
    bar) hears the phases: reading the candidates, writing the lines."""
    progress = progress or NullProgress()
    require(actor, "payment.manage")
    prefix = area_prefix(actor)
    if prefix is None:
        raise PermissionDenied(_("您的账号没有所属区域"))
    if programme.benefit_kind != BenefitKind.CASH:
        raise DomainError(_("%(p)s 不是现金补贴项目，不通过银行批次发放") % {"p": programme}, field="programme")
    period = period.strip()
    if not period:
        raise DomainError(_("请填写期次，如 2024 或 2025-03"), field="period")
    source = source or (BatchSource.ENROLMENTS if programme.periodicity == Periodicity.MONTHLY
                        else BatchSource.APPLICATIONS)
    if source not in (BatchSource.APPLICATIONS, BatchSource.ENROLMENTS):
        raise DomainError(_("未知的生成方式"), field="source")
    progress.start(0, _("读取发放对象"))
    taken = _taken(programme, period)
    if source == BatchSource.APPLICATIONS:
        candidates, left = _from_applications(programme, period, prefix, taken, reached_by)
    else:
        candidates, left = _from_enrolments(programme, batch_date, period, prefix, taken)
    if not candidates:
        raise DomainError(_("没有可发放的人员（%(n)d 人未纳入）%(first)s") % {
            "n": len(left), "first": "：" + left[0]["name"] + " " + left[0]["reason"] if left else ""})
    year = _period_year(period, batch_date)
    progress.start(len(candidates), _("写入发放明细"))
    batch = Batch.objects.create(programme=programme, year=year, period=period, batch_date=batch_date,
                                 source=source, area_prefix=prefix, note=note[:200], left_out=left[:5000],
                                 created_by=actor)
    n = _create_lines(batch, candidates, _split_sources(programme, year, candidates), progress=progress)
    record(actor=actor, action="payment_batch.build", obj=batch, after={
        "programme": programme.code, "period": period, "batch_date": batch_date, "source": source, "lines": n,
        "left_out": len(left)})
    return batch


@transaction.atomic
def batch_reissue(*, actor: Any, batch: Batch, batch_date: date | None = None,
                  line_ids: Iterable[int] | None = None) -> Batch:
    """A new draft batch for the failed lines of a reconciled batch whose account has been corrected (the
    person's default account is now another one). Lines whose account is unchanged are listed as left out."""
    require(actor, "payment.manage")
    batch = Batch.objects.select_related("programme").get(pk=batch.pk)
    if batch.status not in (BatchStatus.RECONCILED, BatchStatus.CLOSED):
        raise DomainError(_("只有已对账的批次才能重发失败的明细"))
    failed = (batch.lines.filter(status=LineStatus.FAILED, kind=LineKind.PAYMENT)
              .annotate(account=_default_account(), person_name=F("person__name"))
              .exclude(Exists(PaymentLine.objects.filter(retry_of=OuterRef("pk"))
                              .exclude(status=LineStatus.EXCLUDED)))
              .order_by("seq"))
    if line_ids is not None:
        failed = failed.filter(pk__in=list(line_ids))
    taken = _taken(batch.programme, batch.period)
    candidates, sources, retry_of, left = [], [], [], []
    for line in failed:
        key = ("H", line.household_id) if line.household_id else ("P", line.person_id)
        if key in taken:
            left.append({"person": line.person_id, "name": line.person_name,
                         "reason": _("已在批次 %(b)s 中") % {"b": taken[key]}})
        elif line.account is None or line.account == line.bank_account_id:
            left.append({"person": line.person_id, "name": line.person_name,
                         "reason": _("银行账户尚未更正（%(r)s）") % {"r": line.bank_reason}})
        else:
            candidates.append(Candidate(line.person_id, line.household_id, line.application_id, line.area_code,
                                        line.amount, line.funding_source, line.account))
            sources.append(line.funding_source)
            retry_of.append(line.pk)
    if not candidates:
        raise DomainError(_("没有可重发的明细%(first)s") % {
            "first": "：" + left[0]["name"] + " " + left[0]["reason"] if left else ""})
    new = Batch.objects.create(programme=batch.programme, year=batch.year, period=batch.period,
                               batch_date=batch_date or timezone.localdate(), source=BatchSource.REISSUE,
                               reissue_of=batch, area_prefix=batch.area_prefix, left_out=left, created_by=actor,
                               note=_("%(b)s 失败重发") % {"b": batch.code})
    n = _create_lines(new, candidates, sources, retry_of=retry_of)
    record(actor=actor, action="payment_batch.reissue", obj=new, after={"reissue_of": batch.pk, "lines": n,
                                                                         "left_out": len(left)})
    return new


# --- lifecycle ----------------------------------------------------------------------------------------------

def _locked(batch: Batch | int) -> Batch:
    pk = batch.pk if isinstance(batch, Batch) else batch
    found = Batch.objects.select_for_update(of=("self",)).select_related("programme").filter(pk=pk).first()
    if found is None:
        raise DomainError(_("批次不存在"), code="not_found")
    return found


def _allowed(actor: Any, batch: Batch, transition: str) -> workflow.Rule:
    rule = workflow.TRANSITIONS.get(transition)
    if rule is None:
        raise DomainError(_("未知的操作：%(t)s") % {"t": transition})
    require(actor, rule.action)
    prefix = area_prefix(actor)
    if prefix is None or not batch.area_prefix.startswith(prefix):
        raise PermissionDenied(_("该批次不在您的辖区内"))
    if batch.status not in rule.from_statuses:
        raise DomainError(_("批次当前状态为“%(s)s”，不能%(t)s") % {
            "s": BatchStatus(batch.status).label, "t": BatchTransition(transition).label}, code="state")
    return rule


def _move(actor: Any, batch: Batch, transition: str, reason: str = "", at: datetime | None = None,
          **changes: Any) -> Batch:
    rule = workflow.TRANSITIONS[transition]
    before = batch.status
    updated = Batch.objects.filter(pk=batch.pk, version=batch.version).update(
        status=rule.to_status, version=F("version") + 1, updated_at=at or timezone.now(), **changes)
    if updated != 1:
        raise Conflict(_("该批次已被他人办理，请刷新后再试"))
    batch.refresh_from_db()
    _record_event(actor, batch, transition, before, reason, at)
    return batch


def allowed_transitions(*, actor: Any, batch: Batch) -> list[str]:
    out = []
    for t in workflow.TRANSITIONS:
        try:
            _allowed(actor, batch, t)
        except DomainError:
            continue
        out.append(t)
    return out


def unresolved(batch: Batch) -> QuerySet[Finding]:
    """Findings still open on lines that are still to be paid (or on the batch itself)."""
    return batch.findings.filter(resolved=False).filter(Q(line__isnull=True) | Q(line__status=LineStatus.PENDING))


@transaction.atomic
def batch_transition(*, actor: Any, batch: Batch | int, transition: str, reason: str = "",
                     at: datetime | None = None) -> Batch:
    """Approve, wait for funds, funds arrived, close or cancel (check, export and reconcile have their own
    services because they carry work). `at` (default now) is when it was done: the demo back-dates its year."""
    if transition in (BatchTransition.CHECK, BatchTransition.EXPORT, BatchTransition.RECONCILE):
        raise DomainError(_("请使用核查、导出或导入回盘功能"))
    batch = _locked(batch)
    rule = _allowed(actor, batch, transition)
    reason = reason.strip()
    if rule.reason_required and not reason:
        raise DomainError(_("请填写%(t)s的理由") % {"t": BatchTransition(transition).label}, field="reason")
    if transition == BatchTransition.APPROVE:
        open_findings = unresolved(batch).count()
        if open_findings:
            raise DomainError(_("还有 %(n)d 个核查问题未处理：请逐条说明处理意见，或剔除该明细并说明原因") % {
                "n": open_findings}, code="findings")
        if batch.checked_at is None or batch.lines.filter(status=LineStatus.PENDING).count() == 0:
            raise DomainError(_("批次没有待发放的明细"))
    if transition == BatchTransition.CANCEL:
        batch.lines.filter(status=LineStatus.PENDING).update(status=LineStatus.EXCLUDED,
                                                             excluded_reason=_("批次作废：%(r)s") % {"r": reason[:150]})
    return _move(actor, batch, transition, reason, at)


@transaction.atomic
def batch_check(*, actor: Any, batch: Batch | int, at: datetime | None = None,
                progress: Progress | None = None) -> Batch:
    """The pre-payment check on the batch date: eligibility, deaths and moves, duplicates, bank accounts,
    amounts against the rule, remaining budget. One query per kind of finding, never one per line.
    A finding already resolved for the same line stays resolved. `progress` hears one step per kind of check."""
    progress = progress or NullProgress()
    batch = _locked(batch)
    _allowed(actor, batch, BatchTransition.CHECK)
    programme, day = batch.programme, batch.batch_date
    pending = batch.lines.filter(status=LineStatus.PENDING, kind=LineKind.PAYMENT)
    # before approval a line follows the person's current default account (corrected since the build)
    progress.start(6, _("发放前核查"))
    pending.update(bank_account=_default_account())
    kept = set(batch.findings.filter(resolved=True).values_list("line_id", "kind"))
    batch.findings.filter(resolved=False).delete()
    found: list[Finding] = []

    def add(line_id: int | None, kind: str, detail: str) -> None:
        if (line_id, kind) not in kept:
            found.append(Finding(batch=batch, line_id=line_id, kind=kind, detail=detail[:300]))

    # deaths and moves
    for pk, life, when in pending.exclude(person__life_status=LifeStatus.ALIVE).values_list(
            "pk", "person__life_status", "person__life_status_date"):
        kind = FindingKind.DIED if life == LifeStatus.DECEASED else FindingKind.MOVED
        add(pk, kind, _("%(s)s（%(d)s）") % {"s": LifeStatus(life).label, "d": when})
    progress.advance()
    # eligibility on the batch date
    rule = published_rule(programme, day.year)
    ctx = RuleContext.on(day, programme=programme.code)
    cr = compiled(rule)
    failing = list(pending.filter(person__life_status=LifeStatus.ALIVE)
                   .exclude(Exists(Person.objects.filter(cr.to_q(ctx), pk=OuterRef("person_id"))))
                   .values_list("pk", "person_id"))
    for start in range(0, len(failing), CHUNK):
        chunk = failing[start:start + CHUNK]
        facts = facts_for_many([p for _l, p in chunk])
        for pk, person in chunk:
            add(pk, FindingKind.INELIGIBLE, "；".join(cr.explain(facts[person], ctx).reasons) or _("不符合条件"))
    progress.advance()
    # duplicates: another live payment of the programme in the same year under another period (yearly kinds)
    if programme.periodicity != Periodicity.MONTHLY:
        other = PaymentLine.objects.filter(LIVE, programme=programme, batch__year=batch.year,
                                           person=OuterRef("person_id")).exclude(batch=batch)
        for pk, ref in pending.annotate(other=Subquery(other.values("ref")[:1])).filter(
                other__isnull=False).values_list("pk", "other"):
            add(pk, FindingKind.DUPLICATE, _("本年度已在 %(r)s 中发放") % {"r": ref})
    progress.advance()
    # bank accounts
    for pk, acc_id, active, owner, person in pending.values_list("pk", "bank_account_id", "bank_account__is_active",
                                                                 "bank_account__person_id", "person_id"):
        if acc_id is None:
            add(pk, FindingKind.NO_ACCOUNT, _("未登记默认发放账户"))
        elif not active or owner != person:
            add(pk, FindingKind.INVALID_ACCOUNT, _("账户已停用"))
    progress.advance()
    # amounts against the rule
    spec = parse_amount_spec(rule.amount_spec) if rule.amount_spec else None
    if spec is not None:
        for pk, amount, grade in pending.values_list("pk", "amount", "person__grade"):
            problem = _amount_problem(programme, spec, amount, grade)
            if problem:
                add(pk, FindingKind.AMOUNT, problem)
    progress.advance()
    # remaining budget, per funding source
    totals = dict(pending.values_list("funding_source").annotate(s=Sum("amount")).values_list("funding_source", "s"))
    budgets = dict(Budget.objects.filter(programme=programme, year=batch.year).values_list("source", "amount"))
    spent = dict(PaymentLine.objects.filter(programme=programme, batch__year=batch.year)
                 .filter(Q(paid_on__isnull=False) | Q(status=LineStatus.PENDING,
                                                     batch__status__in=[*workflow.COMMITTED_STATUSES,
                                                                        BatchStatus.AWAITING_FUNDS]))
                 .exclude(batch=batch).values_list("funding_source").annotate(s=Sum("amount"))
                 .values_list("funding_source", "s"))
    for source, total in totals.items():
        label = FundingSource(source).label
        if source not in budgets:
            add(None, FindingKind.BUDGET, _("未编制 %(y)d 年度%(s)s预算（本批 %(t)s 元）") % {
                "y": batch.year, "s": label, "t": total})
            continue
        remaining = budgets[source] - (spent.get(source) or Decimal(0))
        if total > remaining:
            add(None, FindingKind.BUDGET, _("%(s)s剩余预算 %(r)s 元，本批需 %(t)s 元") % {
                "s": label, "r": remaining, "t": total})
    Finding.objects.bulk_create(found, batch_size=CHUNK)
    progress.advance()
    now = at or timezone.now()
    batch = _move(actor, batch, BatchTransition.CHECK, _("发现 %(n)d 个问题") % {"n": len(found)}, now,
                  checked_at=now)
    return batch


def _amount_problem(programme: Programme, spec: Any, amount: Decimal, grade: int | None) -> str:
    expected: Decimal | None = None
    if isinstance(spec, FixedAmount):
        expected = spec.amount
    elif isinstance(spec, MonthlyAmount):
        if programme.periodicity == Periodicity.MONTHLY:
            expected = spec.amount
        elif isinstance(spec.months, int):
            expected = to_yuan(spec.amount * spec.months)
        elif amount > spec.amount * 12:
            return _("金额 %(a)s 元超过全年 %(m)s 元") % {"a": amount, "m": to_yuan(spec.amount * 12)}
    elif isinstance(spec, GradeAmount):
        expected = dict(spec.table).get(grade) if grade is not None else None
        if expected is None:
            return _("金额表中没有该等级的金额")
    elif isinstance(spec, PerCaseAmount) and amount > spec.maximum:
        return _("金额 %(a)s 元超过上限 %(m)s 元") % {"a": amount, "m": spec.maximum}
    if expected is not None and to_yuan(expected) != amount:
        return _("金额 %(a)s 元，规则为 %(e)s 元") % {"a": amount, "e": to_yuan(expected)}
    return ""


def _editable(actor: Any, batch: Batch) -> Batch:
    batch = _locked(batch)
    require(actor, "payment.manage")
    if batch.status not in (BatchStatus.DRAFT, BatchStatus.CHECKED):
        raise DomainError(_("批次已审批，不能再处理核查问题或剔除明细"))
    return batch


MUST_EXCLUDE = frozenset({FindingKind.DIED, FindingKind.MOVED, FindingKind.NO_ACCOUNT, FindingKind.INVALID_ACCOUNT})
"""Findings that no note can clear: money is never sent to the dead, to someone gone, or to no valid account."""


@transaction.atomic
def finding_resolve(*, actor: Any, finding: Finding, resolution: str) -> Finding:
    """Accept a finding with a note (e.g. the account was corrected, the budget was raised)."""
    _editable(actor, finding.batch)
    if finding.kind in MUST_EXCLUDE:
        raise DomainError(_("“%(k)s”不能仅说明后发放：请剔除该明细，或更正银行账户后重新核查") % {
            "k": FindingKind(finding.kind).label}, field="resolution")
    resolution = resolution.strip()
    if not resolution:
        raise DomainError(_("请填写处理意见"), field="resolution")
    Finding.objects.filter(pk=finding.pk).update(resolved=True, resolution=resolution[:200], resolved_by=actor)
    finding.refresh_from_db()
    record(actor=actor, action="payment_finding.resolve", obj=finding.batch,
           after={"finding": finding.pk, "kind": finding.kind, "line": finding.line_id, "resolution": resolution})
    return finding


@transaction.atomic
def line_exclude(*, actor: Any, line: PaymentLine, reason: str) -> PaymentLine:
    """Take a line out of a batch before approval, with a reason; its beneficiary may go into another batch."""
    _editable(actor, line.batch)
    reason = reason.strip()
    if not reason:
        raise DomainError(_("请填写剔除原因"), field="reason")
    changed = PaymentLine.objects.filter(pk=line.pk, status=LineStatus.PENDING).update(
        status=LineStatus.EXCLUDED, excluded_reason=reason[:200])
    if changed != 1:
        raise Conflict(_("该明细已不是待发放状态"))
    line.findings.filter(resolved=False).update(resolved=True, resolution=_("已剔除：%(r)s") % {"r": reason[:150]},
                                                resolved_by=actor)
    line.refresh_from_db()
    record(actor=actor, action="payment_line.exclude", obj=line, after={"status": line.status, "reason": reason})
    return line


# --- roster export ------------------------------------------------------------------------------------------

def _roster_rows(batch: Batch, lines: QuerySet[PaymentLine],
                 progress: Progress | None = None) -> Iterable[dict[str, Any]]:
    from canlian.common.certificate import CATEGORY_NAMES, GRADE_NAMES, certificate_suffix
    from canlian.regions.models import Region

    names = dict(Region.objects.filter(code__startswith=batch.area_prefix[:6]).values_list("code", "name"))
    programme = batch.programme
    # labels translated once, not once per row
    categories = {k: str(v) for k, v in CATEGORY_NAMES.items()}
    grades = {k: str(v) for k, v in GRADE_NAMES.items()}
    sources = {k: str(v) for k, v in FundingSource.choices}
    from canlian.registry.models import Certificate

    reissue = Subquery(Certificate.objects.filter(person=OuterRef("person_id"), is_current=True).values("reissue")[:1])
    rows = lines.annotate(reissue=reissue).order_by("seq").values_list(
        "seq", "ref", "person__name", "person__id_number_enc", "bank_account__account_enc",
        "bank_account__bank_name", "bank_account__holder_name", "amount", "area_code", "person__category",
        "person__grade", "person__phone", "funding_source", "reissue")
    for seq, ref, name, id_enc, acc_enc, bank, holder, amount, area, category, grade, phone, source, again in \
            rows.iterator(chunk_size=CHUNK):
        id_number = crypto.decrypt(bytes(id_enc), purpose="id_number")
        certificate = f"{id_number}{certificate_suffix(category, grade, again or 0)}" if category else ""
        yield {
            RosterField.SEQ: seq, RosterField.LINE_REF: ref, RosterField.NAME: name,
            RosterField.ID_NUMBER: id_number,
            RosterField.ACCOUNT_NUMBER: crypto.decrypt(bytes(acc_enc), purpose="bank_account") if acc_enc else "",
            RosterField.BANK_NAME: bank or "", RosterField.HOLDER_NAME: holder or name, RosterField.AMOUNT: amount,
            RosterField.PROGRAMME: programme.name, RosterField.PERIOD: batch.period,
            RosterField.COMMUNITY: names.get(area, area), RosterField.CATEGORY: categories.get(category, ""),
            RosterField.GRADE: grades.get(grade, ""), RosterField.CERTIFICATE: certificate,
            RosterField.PHONE: phone, RosterField.FUNDING_SOURCE: sources.get(source, ""),
            RosterField.REMARK: batch.code,
        }
        if progress is not None:
            progress.advance()


@transaction.atomic
def batch_export(*, actor: Any, batch: Batch | int, layout: RosterLayout,
                 at: datetime | None = None, progress: Progress | None = None) -> roster.RosterFile:
    """The bank roster of an approved batch: full account numbers in the file only. The file's SHA-256, the
    exporter and the time are kept; the export is audited (it reads every full account number)."""
    batch = _locked(batch)
    _allowed(actor, batch, BatchTransition.EXPORT)
    if layout.kind != LayoutKind.BANK or not layout.is_active:
        raise DomainError(_("请选择启用的银行名单格式"), field="layout")
    lines = batch.lines.filter(status=LineStatus.PENDING, kind=LineKind.PAYMENT)
    if progress is not None:
        progress.start(lines.count(), _("生成银行名单"))
    out = roster.render(layout, _roster_rows(batch, lines, progress), base_name=f"{batch.code}-{batch.programme.code}-"
                                                                      f"{batch.period}-{layout.name}")
    now = at or timezone.now()
    RosterExport.objects.create(batch=batch, layout=layout, file_name=out.file_name, sha256=out.sha256,
                                lines=out.lines, exported_by=actor, exported_at=now)
    _move(actor, batch, BatchTransition.EXPORT, _("%(l)s，%(n)d 行，SHA-256 %(h)s") % {
        "l": layout.name, "n": out.lines, "h": out.sha256}, now, layout=layout, export_sha256=out.sha256,
        exported_by=actor, exported_at=now)
    record(actor=actor, action="payment_batch.roster_reveal", obj=batch,
           after={"layout": layout.name, "lines": out.lines, "sha256": out.sha256, "file": out.file_name},
           message=_("导出银行名单（含完整账号）"))
    return out


@transaction.atomic
def batch_export_national(*, actor: Any, batch: Batch | int, layout: RosterLayout,
                          progress: Progress | None = None) -> roster.RosterFile:
    """The roster for a national system (e.g. the fuel-subsidy system): the lines paid (or to be paid)."""
    require(actor, "payment.manage")
    if isinstance(batch, int):
        batch = Batch.objects.select_related("programme").get(pk=batch)
    if layout.kind != LayoutKind.NATIONAL or not layout.is_active:
        raise DomainError(_("请选择启用的上报模板"), field="layout")
    if layout.programme_id and layout.programme_id != batch.programme_id:
        raise DomainError(_("该模板用于 %(p)s，与本批次项目不符") % {"p": layout.programme}, field="layout")
    lines = batch.lines.filter(kind=LineKind.PAYMENT, status__in=[LineStatus.PAID, LineStatus.PENDING])
    if progress is not None:
        progress.start(lines.count(), _("生成上报名单"))
    out = roster.render(layout, _roster_rows(batch, lines, progress), base_name=f"{batch.code}-{layout.name}")
    RosterExport.objects.create(batch=batch, layout=layout, file_name=out.file_name, sha256=out.sha256,
                                lines=out.lines, exported_by=actor, exported_at=timezone.now())
    record(actor=actor, action="payment_batch.national_export", obj=batch,
           after={"layout": layout.name, "lines": out.lines, "sha256": out.sha256})
    return out


# --- bank return --------------------------------------------------------------------------------------------

@transaction.atomic
def batch_reconcile(*, actor: Any, batch: Batch | int, content: bytes, file_name: str,
                    today: date | None = None, at: datetime | None = None,
                    progress: Progress | None = None) -> BankReturn:
    """Import the bank's return file: every line of the batch must be in it exactly once, with its amount
    (and account, when the file has one); any unknown line, wrong amount, missing line (a truncated file) or a
    file of another batch refuses the whole file with row, column and reason, and nothing changes."""
    import hashlib

    progress = progress or NullProgress()
    today = today or timezone.localdate(at)
    batch = _locked(batch)
    _allowed(actor, batch, BatchTransition.RECONCILE)
    layout = batch.layout
    progress.start(0, _("读取回盘文件"))
    rows, errors = roster.read_return(layout, content, file_name)
    progress.start(len(rows), _("核对回盘文件"))
    cols = layout.return_columns
    lines = {ref: (pk, amount, acc_hash, app)
             for ref, pk, amount, acc_hash, app in batch.lines.filter(status=LineStatus.PENDING).values_list(
                 "ref", "pk", "amount", "bank_account__account_hash", "application_id")}
    seen: set[str] = set()
    for r in rows:
        progress.advance()
        if r.ref not in lines:
            other = r.ref.split("-")[0]
            if other.startswith("PB") and other != batch.code:
                reason = _("明细编号 %(r)s 属于批次 %(o)s，不是本批次 %(b)s：请确认选择了正确的回盘文件") % {
                    "r": r.ref, "o": other, "b": batch.code}
            else:
                reason = _("明细编号 %(r)s 在本批次中不存在") % {"r": r.ref}
            errors.append(CellError(r.row, cols["line_ref"], r.ref, reason))
            continue
        if r.ref in seen:
            errors.append(CellError(r.row, cols["line_ref"], r.ref, _("明细编号重复出现")))
            continue
        seen.add(r.ref)
        _pk, amount, acc_hash, _app = lines[r.ref]
        if r.amount != amount:
            errors.append(CellError(r.row, cols["amount"], str(r.amount),
                                    _("金额与名单不符：名单为 %(a)s 元") % {"a": amount}))
        if r.account and acc_hash and crypto.blind_index(bank_account_digits(r.account),
                                                         purpose="bank_account") != acc_hash:
            errors.append(CellError(r.row, cols.get("account_number", ""), "****" + r.account[-4:],
                                    _("账号与名单不符")))
        if r.paid_on and (r.paid_on > today or r.paid_on < batch.batch_date.replace(day=1)):
            errors.append(CellError(r.row, cols.get("paid_on", ""), str(r.paid_on), _("入账日期不在发放期内")))
    missing = [ref for ref in lines if ref not in seen]
    if missing and not any(e.row == 0 for e in errors):
        errors.append(CellError(0, cols["line_ref"], "", _(
            "文件缺少 %(n)d 条明细（如 %(r)s）：文件可能不完整，请向银行索取完整的回盘文件") % {
            "n": len(missing), "r": "、".join(missing[:3])}))
    if errors:
        raise roster.ReturnFileError(errors)
    progress.start(len(rows), _("写入发放结果"))
    paid_by_date: dict[date, list[int]] = defaultdict(list)
    failed: list[PaymentLine] = []
    for r in rows:
        pk = lines[r.ref][0]
        if r.paid:
            paid_by_date[r.paid_on].append(pk)
        else:
            failed.append(PaymentLine(pk=pk, status=LineStatus.FAILED, bank_reason=r.reason))
    for day, pks in paid_by_date.items():
        for start in range(0, len(pks), CHUNK):
            PaymentLine.objects.filter(pk__in=pks[start:start + CHUNK]).update(status=LineStatus.PAID, paid_on=day)
            progress.advance(len(pks[start:start + CHUNK]))
    PaymentLine.objects.bulk_update(failed, ["status", "bank_reason"], batch_size=CHUNK)
    progress.advance(len(failed))
    n_paid = sum(len(v) for v in paid_by_date.values())
    back = BankReturn.objects.create(batch=batch, file_name=file_name[:200], sha256=hashlib.sha256(content)
                                     .hexdigest(), rows=len(rows), paid=n_paid, failed=len(failed),
                                     imported_by=actor, imported_at=at or timezone.now())
    _move(actor, batch, BatchTransition.RECONCILE, _("成功 %(p)d，失败 %(f)d") % {"p": n_paid, "f": len(failed)}, at)
    _deliver_applications(actor, batch, at, progress)
    return back


def _deliver_applications(actor: Any, batch: Batch, at: datetime | None = None,
                          progress: Progress | None = None) -> None:
    """Each paid line's application passes "deliver" (date = bank payment date, amount = paid amount), at the
    time the return was imported (`at`, default now)."""
    from canlian.applications.choices import Status
    from canlian.applications.services import StepData, application_transition

    paid = (batch.lines.filter(status=LineStatus.PAID, application__isnull=False,
                               application__status=Status.IN_PROGRESS, application__step=Step.DELIVER)
            .values_list("application_id", "paid_on", "amount", "ref"))
    progress = progress or NullProgress()
    progress.start(paid.count(), _("办结已到账的申请"))
    token = _PAYING.set(True)
    try:
        for app_id, paid_on, amount, ref in paid:
            progress.advance()
            application_transition(actor=actor, application=app_id, transition="advance",
                                   opinion=_("银行打卡发放到账（%(r)s）") % {"r": ref},
                                   data=StepData(delivered_on=paid_on, delivered_amount=amount),
                                   today=max(paid_on, timezone.localdate(at)), at=at)
    finally:
        _PAYING.reset(token)


@transaction.atomic
def line_reverse(*, actor: Any, line: PaymentLine, reason: str, on: date | None = None) -> PaymentLine:
    """Correct a paid line: a reversal line (negative amount, dated `on`) in the same batch; the original
    becomes "reversed", which frees the period for a correct payment. Amounts are never edited."""
    require(actor, "payment.manage")
    reason = reason.strip()
    if not reason:
        raise DomainError(_("请填写冲正原因"), field="reason")
    original = PaymentLine.objects.select_for_update().filter(pk=line.pk).first()
    if original is None or original.status != LineStatus.PAID or original.kind != LineKind.PAYMENT:
        raise DomainError(_("只有已到账的发放明细可以冲正"))
    on = on or timezone.localdate()
    if on < original.paid_on:
        raise DomainError(_("冲正日期不能早于到账日期"), field="on")
    seq = (original.batch.lines.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    PaymentLine.objects.filter(pk=original.pk).update(status=LineStatus.REVERSED)
    reversal = PaymentLine.objects.create(
        batch=original.batch, seq=seq, ref=f"{original.batch.code}-R{seq:05d}", kind=LineKind.REVERSAL,
        programme_id=original.programme_id, period=original.period, person_id=original.person_id,
        household_id=original.household_id, application_id=original.application_id, area_code=original.area_code,
        funding_source=original.funding_source, amount=-original.amount, bank_account_id=original.bank_account_id,
        status=LineStatus.PAID, reverses=original, paid_on=on, note=reason[:200])
    record(actor=actor, action="payment_line.reverse", obj=original, after={
        "reversal": reversal.ref, "amount": reversal.amount, "on": on}, message=reason)
    return reversal


# --- layouts -----------------------------------------------------------------------------------------------

@transaction.atomic
def layout_save(*, actor: Any, layout: RosterLayout) -> RosterLayout:
    """Create or change a roster layout (columns are data; the admin and the API call this)."""
    require(actor, "payment.layout")
    before = None
    if layout.pk:
        old = RosterLayout.objects.get(pk=layout.pk)
        before = {"columns": old.columns, "return_columns": old.return_columns, "is_active": old.is_active}
    layout.full_clean()
    layout.save()
    record(actor=actor, action="roster_layout.save", obj=layout, before=before,
           after={"columns": layout.columns, "return_columns": layout.return_columns, "is_active": layout.is_active})
    return layout


def line_counts(batch: Batch) -> dict[str, int]:
    return dict(batch.lines.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
