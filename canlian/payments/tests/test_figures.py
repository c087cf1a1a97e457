"""The figures contract (canlian/common/figures.py): paid = bank confirmed, dated by payment date, net of
reversals; committed; awaiting_funds; persons. The sums equal the ledger to the fen."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from canlian.accounts.choices import Role
from canlian.common import figures
from canlian.payments import services
from canlian.payments.choices import BatchTransition
from canlian.payments.models import PaymentLine
from canlian.payments.tests.factories import bank_layout, budget, return_file, waiting
from canlian.programmes.models import Programme, Target

pytestmark = pytest.mark.django_db
YEAR = figures.PaymentQuery(start=date(2024, 1, 1), end=date(2024, 12, 31))


def _batch(users, period: str, amount: str = "1000.00", n: int = 2, community=None):
    waiting(users, community, n=n, period=period, amount=amount)
    batch = services.batch_build(actor=users.a[Role.FINANCE], programme=Programme.objects.get(code="R1"),
                                 period=period, batch_date=date(2024, 4, 15))
    batch = services.batch_check(actor=users.a[Role.FINANCE], batch=batch)
    for f in services.unresolved(batch):
        services.finding_resolve(actor=users.a[Role.FINANCE], finding=f, resolution="核实")
    return services.batch_transition(actor=users.a[Role.LEADER], batch=batch, transition=BatchTransition.APPROVE)


def test_registered_and_states(users, areas) -> None:
    assert figures.available()
    budget()
    budget(source="district")
    Target.objects.create(programme=Programme.objects.get(code="R1"), year=2024, quantity=3)
    paid = _batch(users, "2024", n=4, community=areas.community_a1)  # 3 upper + 1 district (beyond the target)
    services.batch_export(actor=users.a[Role.FINANCE], batch=paid, layout=bank_layout())
    first = paid.lines.order_by("seq").first()
    services.batch_reconcile(actor=users.a[Role.FINANCE], batch=paid, file_name="r.xlsx", today=date(2024, 5, 31),
                             content=return_file(paid, failed={first.ref: "销户"}, paid_on=date(2024, 4, 20)))
    second = paid.lines.get(seq=2)
    services.line_reverse(actor=users.a[Role.FINANCE], line=second, reason="重复", on=date(2024, 6, 3))
    committed = _batch(users, "2024-b", amount="1000.00", n=1, community=areas.community_b1)
    waiting_funds = _batch(users, "2024-c", amount="1000.00", n=1, community=areas.community_a2)
    services.batch_transition(actor=users.a[Role.FINANCE], batch=waiting_funds,
                              transition=BatchTransition.AWAIT_FUNDS, reason="待拨付")
    rows = figures.payment_totals(YEAR)
    by = {}
    for r in rows:
        key = (r.state, r.source, r.month)
        by[key] = by.get(key, Decimal(0)) + r.amount
    assert by[(figures.PAID, "upper", date(2024, 4, 1))] == Decimal("2000.00")  # seq 2 and 3
    assert by[(figures.PAID, "district", date(2024, 4, 1))] == Decimal("1000.00")  # seq 4, the 4th of target 3
    assert by[(figures.PAID, "upper", date(2024, 6, 1))] == Decimal("-1000.00")  # the reversal, dated June
    assert sum(r.amount for r in rows if r.state == figures.PAID) == sum(
        PaymentLine.objects.filter(paid_on__isnull=False).values_list("amount", flat=True)) == Decimal("2000.00")
    assert sum(r.lines for r in rows if r.state == figures.PAID) == 2  # 3 paid − 1 reversal
    assert sum(r.amount for r in rows if r.state == figures.COMMITTED) == Decimal("1000.00")
    assert sum(r.amount for r in rows if r.state == figures.AWAITING_FUNDS) == Decimal("1000.00")
    assert all(r.amount.as_tuple().exponent == -2 for r in rows)  # yuan, two places
    assert figures.payment_persons(YEAR, figures.PAID) == {"R1": 2}
    assert figures.payment_persons(YEAR, figures.COMMITTED) == {"R1": 1}
    assert figures.payment_persons(YEAR, figures.AWAITING_FUNDS) == {"R1": 1}
    # area and period filters
    street_a = figures.PaymentQuery(start=date(2024, 1, 1), end=date(2024, 12, 31), area_prefix="340302902")
    assert [r.state for r in figures.payment_totals(street_a)] == [figures.COMMITTED]
    april = figures.PaymentQuery(start=date(2024, 4, 1), end=date(2024, 4, 30), programme_codes=("R1",))
    assert sum(r.amount for r in figures.payment_totals(april) if r.state == figures.PAID) == Decimal("3000.00")
    assert figures.payment_totals(figures.PaymentQuery(start=date(2024, 1, 1), end=date(2024, 12, 31),
                                                       programme_codes=("L1",))) == []
    assert committed.status == "approved"
