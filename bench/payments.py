"""Benchmark: a payment batch of 100,000 lines built, checked, approved, exported, and the figures read.

    .venv/bin/python -m bench.payments                      # --persons 130000 --lines 100000 --seed 1
    .venv/bin/python -m bench.payments --pg URL             # the same on PostgreSQL (a database at URL)

Builds (once) an SQLite database var/bench/payments-<persons>.sqlite3 with `seed_demo --persons N`, then, in
one process with DEBUG=0: a monthly cash programme "BENCH" whose rule is "alive 且 certificate_valid", with a
published rule and budget, and an open enrolment for the first --lines persons who have a default bank
account (written with bulk_create, not timed). Timed, each with its query count:

* build — payments.services.batch_build from the enrolments (eligibility on the batch date, one query);
* check — the pre-payment check (deaths and moves, eligibility, duplicates, accounts, amounts, budget);
* approve — the leader's approval;
* export — the 农商行 roster, xlsx, full account numbers decrypted;
* export job — the same export again (a repeated export) as the background job a large batch gets
  (payments.jobs.export_job through common.jobs.run_job: progress bar, file written to the job's folder);
* figures — canlian.common.figures.payment_totals for the year (the reports contract).

A previous run's BENCH batch is removed first, so the script can run again on the same database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _configure(persons: int, pg: str) -> None:
    if pg:
        os.environ["DATABASE_URL"] = pg
    else:
        path = ROOT / "var" / "bench" / f"payments-{persons}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("CANLIAN_HTTPS", "0")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canlian.settings")
    import django

    django.setup()


def _build_db(persons: int, seed: int) -> None:
    from django.core.management import call_command

    from canlian.registry.models import Person

    call_command("migrate", verbosity=0)
    have = Person.objects.count()
    if have == persons:
        print(f"reusing the database with {have:,} persons")
        return
    if have:
        sys.exit(f"the benchmark database holds {have:,} persons, not {persons:,}: delete it and run again")
    started = time.perf_counter()
    call_command("seed_demo", persons=persons, seed=seed, force=True)
    print(f"built in {time.perf_counter() - started:.0f} s")


def _prepare(lines: int, year: int) -> Any:
    """The BENCH programme, its rule, budget and enrolments (not timed)."""
    from django.db import connection
    from django.utils import timezone

    from canlian.payments.models import Batch, BatchEvent, Finding, PaymentLine, RosterExport
    from canlian.programmes.models import Budget, Enrolment, Programme, RuleVersion
    from canlian.registry.models import BankAccount, Person

    programme, _created = Programme.objects.get_or_create(code="BENCH", defaults={
        "name": "性能测试补贴", "field": "livelihood", "unit": "person", "benefit_kind": "cash",
        "periodicity": "monthly", "funding_sources": ["upper"], "steps": ["apply", "deliver"]})
    batches = Batch.objects.filter(programme=programme)
    Finding.objects.filter(batch__in=batches).delete()
    BatchEvent.objects.filter(batch__in=batches).delete()
    RosterExport.objects.filter(batch__in=batches).delete()
    PaymentLine.objects.filter(batch__in=batches).update(reverses=None, retry_of=None)
    PaymentLine.objects.filter(batch__in=batches).delete()
    batches.delete()
    if not RuleVersion.objects.filter(programme=programme, year=year).exists():
        RuleVersion.objects.create(programme=programme, year=year, version=1, eligibility="alive 且 certificate_valid",
                                   amount_spec={"kind": "monthly", "amount": "94.00", "months": 12},
                                   status="published", published_at=timezone.now())
    Budget.objects.update_or_create(programme=programme, year=year, source="upper",
                                    defaults={"amount": "1000000000.00"})
    if Enrolment.objects.filter(programme=programme).count() != lines:
        Enrolment.objects.filter(programme=programme).delete()
        with_account = BankAccount.objects.filter(is_default=True, is_active=True).values("person_id")
        people = (Person.objects.filter(pk__in=with_account, life_status="alive", cert_status="valid",
                                        cert_valid_until__gte=date(year, 12, 31))
                  .order_by("pk").values_list("pk", "area_code")[:lines])
        rows = [Enrolment(person_id=pk, programme=programme, area_code=area, start=date(year - 1, 1, 1),
                          source="import") for pk, area in people]
        if len(rows) < lines:
            sys.exit(f"only {len(rows):,} persons can be enrolled: use a larger --persons")
        Enrolment.objects.bulk_create(rows, batch_size=5000)
    print(f"{connection.vendor}: {Person.objects.count():,} persons, {lines:,} enrolled in BENCH")
    return programme


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    print(f"{label:<12}{seconds:>10.2f} s{len(ctx.captured_queries):>10} queries")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=130_000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", ""))
    args = parser.parse_args(argv)
    _configure(args.persons, args.pg)
    _build_db(args.persons, args.seed)
    programme = _prepare(args.lines, args.year)

    from canlian.accounts.models import User
    from canlian.common import figures
    from canlian.payments import services
    from canlian.payments.choices import BatchTransition
    from canlian.payments.models import RosterLayout

    finance, leader = User.objects.get(username="caiwu"), User.objects.get(username="lingdao")
    day = date(args.year, 6, 5)
    print(f"{'step':<10}{'time':>12}{'':>10}")
    batch = _timed("build", lambda: services.batch_build(actor=finance, programme=programme,
                                                         period=f"{args.year}-06", batch_date=day))
    lines = batch.lines.count()
    batch = _timed("check", lambda: services.batch_check(actor=finance, batch=batch))
    open_findings = services.unresolved(batch).count()
    batch = _timed("approve", lambda: services.batch_transition(actor=leader, batch=batch,
                                                                transition=BatchTransition.APPROVE))
    layout = RosterLayout.objects.get(name="农商行代发")
    out = _timed("export", lambda: services.batch_export(actor=finance, batch=batch, layout=layout))
    from django.urls import reverse

    from canlian.common.jobs import run_job
    from canlian.common.models import Job

    reverse("payments:list")  # the URLconf is loaded once per process (~1 s here); a running worker has it
    job = Job.objects.create(owner=finance, kind="payment.export", title="bench export",
                             func_path="canlian.payments.jobs.export_job",
                             params={"batch_id": batch.pk, "layout_id": layout.pk})
    _timed("export job", lambda: run_job(job.pk))
    job.refresh_from_db()
    print(f"export job: {job.status}, progress {job.done:,}/{job.total:,}, file {job.result_name}")
    query = figures.PaymentQuery(start=date(args.year, 1, 1), end=date(args.year, 12, 31), programme_codes=("BENCH",))
    rows = _timed("figures", lambda: figures.payment_totals(query))
    committed = sum(r.amount for r in rows if r.state == figures.COMMITTED)
    print(f"{lines:,} lines, {open_findings} open findings, roster {len(out.content) / 1e6:.1f} MB "
          f"(sha256 {out.sha256[:12]}…), committed {committed:,} 元 in {len(rows):,} figure rows")


if __name__ == "__main__":
    main()
