"""Reads of payments: batch lists and totals, line search, a person's payment history, and the figures
contract (canlian/common/figures.py) that the dashboard and the annual summary read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth

from canlian.common import figures
from canlian.common.money import to_yuan
from canlian.payments import workflow
from canlian.payments.choices import BatchStatus, LineKind, LineStatus
from canlian.payments.models import Batch, PaymentLine
from canlian.registry.models import area_code_q


@dataclass(frozen=True)
class BatchFilters:
    programme: str = ""
    year: int | None = None
    status: str = ""


def batch_list(user: Any, filters: BatchFilters) -> QuerySet[Batch]:
    qs = Batch.objects.visible_to(user).select_related("programme", "created_by")
    if filters.programme:
        qs = qs.filter(programme__code=filters.programme)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("-id").annotate(n_lines=Count("lines", filter=Q(lines__kind=LineKind.PAYMENT)),
                       total=Sum("lines__amount", filter=~Q(lines__status=LineStatus.EXCLUDED)))


def batch_get(user: Any, pk: int) -> Batch | None:
    return Batch.objects.visible_to(user).select_related("programme", "created_by", "layout", "exported_by",
                                                         "reissue_of").filter(pk=pk).first()


def batch_totals(batch: Batch) -> list[dict[str, Any]]:
    """Totals by funding source and line status (one query)."""
    return list(batch.lines.values("funding_source", "status").annotate(n=Count("pk"), amount=Sum("amount"))
                .order_by("funding_source", "status"))


def line_search(user: Any, batch: Batch, q: str = "", status: str = "") -> QuerySet[PaymentLine]:
    qs = PaymentLine.objects.visible_to(user).filter(batch=batch).select_related("person", "bank_account")
    if status:
        qs = qs.filter(status=status)
    q = q.strip()
    if q:
        qs = qs.filter(Q(person__name__contains=q) | Q(ref__icontains=q) | Q(person__id_number_masked__endswith=q))
    return qs.order_by("seq")


def for_person(user: Any, person_id: int) -> list[PaymentLine]:
    return list(PaymentLine.objects.visible_to(user).filter(person_id=person_id)
                .select_related("programme", "batch", "bank_account").order_by("-batch__batch_date", "-seq"))


# --- the figures contract -------------------------------------------------------------------------------------

def _scoped(query: figures.PaymentQuery) -> QuerySet[PaymentLine]:
    qs = PaymentLine.objects.filter(area_code_q(query.area_prefix))
    if query.programme_codes:
        qs = qs.filter(programme__code__in=query.programme_codes)
    return qs


def _paid(query: figures.PaymentQuery) -> QuerySet[PaymentLine]:
    """Money the bank confirmed, dated by the payment date; reversal lines (negative) are dated by theirs."""
    return _scoped(query).filter(paid_on__gte=query.start, paid_on__lte=query.end)


def _pending_in(query: figures.PaymentQuery, statuses: frozenset[str] | set[str]) -> QuerySet[PaymentLine]:
    return _scoped(query).filter(status=LineStatus.PENDING, batch__status__in=list(statuses),
                                 batch__batch_date__gte=query.start, batch__batch_date__lte=query.end)


_SIGN = Case(When(kind=LineKind.REVERSAL, then=Value(-1)), default=Value(1), output_field=IntegerField())


def payment_totals(query: figures.PaymentQuery) -> list[figures.PaymentTotal]:
    out: list[figures.PaymentTotal] = []
    parts = (
        (figures.PAID, _paid(query), "paid_on"),
        (figures.COMMITTED, _pending_in(query, workflow.COMMITTED_STATUSES), "batch__batch_date"),
        (figures.AWAITING_FUNDS, _pending_in(query, {BatchStatus.AWAITING_FUNDS}), "batch__batch_date"),
    )
    for state, qs, day in parts:
        rows = (qs.annotate(month=TruncMonth(day)).values("programme__code", "funding_source", "month", "area_code")
                .annotate(amount=Sum("amount"), lines=Sum(_SIGN))
                .order_by("programme__code", "funding_source", "month", "area_code"))
        out += [figures.PaymentTotal(programme_code=r["programme__code"], source=r["funding_source"], state=state,
                                     month=r["month"], area_code=r["area_code"],
                                     amount=to_yuan(r["amount"] or 0), lines=r["lines"] or 0)
                for r in rows if r["amount"] or r["lines"]]
    return out


def payment_persons(query: figures.PaymentQuery, state: str) -> dict[str, int]:
    """Distinct beneficiaries (person, or household for household lines) with a line in `state`; a payment
    reversed in full does not count."""
    if state == figures.PAID:
        qs = _paid(query).filter(kind=LineKind.PAYMENT, status=LineStatus.PAID)
    elif state == figures.COMMITTED:
        qs = _pending_in(query, workflow.COMMITTED_STATUSES)
    else:
        qs = _pending_in(query, {BatchStatus.AWAITING_FUNDS})
    counts: dict[str, int] = {}
    persons = qs.filter(household__isnull=True).values("programme__code").annotate(n=Count("person", distinct=True))
    households = qs.filter(household__isnull=False).values("programme__code").annotate(
        n=Count("household", distinct=True))
    for row in [*persons, *households]:
        counts[row["programme__code"]] = counts.get(row["programme__code"], 0) + row["n"]
    return counts


def budget_overview(programme_id: int, year: int) -> list[dict[str, Any]]:
    """Budget vs committed vs paid per funding source, for one programme and year."""
    from canlian.programmes.models import Budget

    lines = PaymentLine.objects.filter(programme_id=programme_id, batch__year=year)
    paid = dict(lines.filter(paid_on__isnull=False).values_list("funding_source").annotate(s=Sum("amount"))
                .values_list("funding_source", "s"))
    committed = dict(lines.filter(status=LineStatus.PENDING, batch__status__in=[
        *workflow.COMMITTED_STATUSES, BatchStatus.AWAITING_FUNDS]).values_list("funding_source")
        .annotate(s=Sum("amount")).values_list("funding_source", "s"))
    budgets = dict(Budget.objects.filter(programme_id=programme_id, year=year).values_list("source", "amount"))
    out = []
    for source in sorted(set(paid) | set(committed) | set(budgets)):
        out.append({"source": source, "budget": budgets.get(source), "committed": committed.get(source) or 0,
                    "paid": paid.get(source) or 0})
    return out


def build_size(user: Any, programme: Any, period: str, batch_date: Any, source: str) -> int:
    """How many rows a build would read (applications at "deliver", or enrolments open on the batch date) in the
    user's area: what decides whether the build runs in the request or as a background job."""
    from canlian.accounts.scoping import area_prefix
    from canlian.applications.choices import Status
    from canlian.applications.models import Application
    from canlian.payments.choices import BatchSource
    from canlian.programmes.choices import Periodicity, Step
    from canlian.programmes.models import Enrolment

    prefix = area_prefix(user)
    if prefix is None:
        return 0
    if source == BatchSource.ENROLMENTS or (not source and programme.periodicity == Periodicity.MONTHLY):
        return Enrolment.objects.active_on(batch_date).filter(area_code_q(prefix), programme=programme).count()
    return Application.objects.filter(area_code_q(prefix), programme=programme, period=period.strip(),
                                      status=Status.IN_PROGRESS, step=Step.DELIVER).count()


def batch_size(batch: Batch) -> int:
    """The lines a check, export or reconciliation of the batch works through."""
    return batch.lines.filter(kind=LineKind.PAYMENT).count()
