"""20 concurrent attempts to build or re-issue batches holding the same person and period: exactly one
payment line survives for them (PostgreSQL; SQLite serialises writers, so nothing overlaps there)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

from canlian.accounts.choices import Role
from canlian.common.exceptions import DomainError
from canlian.payments import services
from canlian.payments.choices import BatchTransition, LineStatus
from canlian.payments.models import LIVE, Batch, PaymentLine
from canlian.payments.tests.factories import account_for, bank_layout, budget, return_file, waiting
from canlian.programmes.models import Programme
from canlian.registry.models import BankAccount

N = 20


def _race(action) -> list[str]:
    barrier = threading.Barrier(N)
    outcomes: list[str] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            action(i)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer (one write lock per database); the race is tested on PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_builds_pay_the_person_once(postgres_only, users, areas) -> None:
    app = waiting(users, areas.community_a1)[0]
    r1 = Programme.objects.get(code="R1")
    outcomes = _race(lambda i: services.batch_build(actor=users.a[Role.FINANCE], programme=r1, period="2024",
                                                    batch_date=date(2024, 4, 15)))
    assert outcomes.count("ok") == 1, outcomes
    assert PaymentLine.objects.filter(LIVE, person=app.person, programme=r1, period="2024").count() == 1
    assert Batch.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_reissues_pay_the_failed_line_once(postgres_only, users, areas) -> None:
    finance, leader = users.a[Role.FINANCE], users.a[Role.LEADER]
    app = waiting(users, areas.community_a1)[0]
    budget()
    batch = services.batch_build(actor=finance, programme=Programme.objects.get(code="R1"), period="2024",
                                 batch_date=date(2024, 4, 15))
    batch = services.batch_check(actor=finance, batch=batch)
    batch = services.batch_transition(actor=leader, batch=batch, transition=BatchTransition.APPROVE)
    services.batch_export(actor=finance, batch=batch, layout=bank_layout())
    line = batch.lines.get()
    services.batch_reconcile(actor=finance, batch=batch, content=return_file(batch, failed={line.ref: "账户冻结"}),
                             file_name="r.xlsx", today=date(2024, 4, 30))
    fixed = account_for(app.person, default=False)
    BankAccount.objects.filter(person=app.person).update(is_default=False)
    BankAccount.objects.filter(pk=fixed.pk).update(is_default=True)
    outcomes = _race(lambda i: services.batch_reissue(actor=finance, batch=batch, batch_date=date(2024, 5, 6)))
    assert outcomes.count("ok") == 1, outcomes
    live = PaymentLine.objects.filter(LIVE, person=app.person, period="2024")
    assert live.count() == 1 and live.get().status == LineStatus.PENDING and live.get().retry_of_id == line.pk
