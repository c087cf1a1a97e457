"""On the demo district the report agrees with the applications and programme screens (the same
applications, the same definition of done, for the district and for a street) and with the payments
screens (the batch list's paid / committed per funding source and the batch totals), to the fen."""

from __future__ import annotations

import io
import json
import random
from decimal import Decimal

import pytest
from django.core.management import call_command

from canlian.applications import selectors
from canlian.demo import applications, payments, programmes, regions, users
from canlian.demo import registry as registry_demo
from canlian.demo.context import DemoContext
from canlian.payments import selectors as payment_selectors
from canlian.payments.choices import BatchStatus, LineStatus
from canlian.programmes.models import Programme
from canlian.programmes.selectors import programme_overview
from canlian.reports.definitions import Period
from canlian.reports.report import build


@pytest.mark.django_db
def test_report_agrees_with_the_screens_on_the_demo_district(preloaded) -> None:
    ctx = DemoContext(rng=random.Random(3), year=2024, persons=500, stdout=io.StringIO())
    for step in (regions.build, users.build, registry_demo.build, programmes.build, applications.build,
                 payments.build):
        step(ctx)
    leader = ctx.data["users"]["lingdao"]
    street_officer = ctx.data["users"]["jiedao"]
    for user in (leader, street_officer):
        report = build(period=Period.year(2024), user=user)
        screen = {row.programme.code: row for row in programme_overview(user=user, year=2024)}
        assert {c: p["done"] for c, p in report["programmes"].items()} == {c: r.done for c, r in screen.items()}
        if user is leader:  # district-wide: the same targets and rates as the programme page
            assert {c: p["target"] for c, p in report["programmes"].items()} == {
                c: r.target for c, r in screen.items()}
            assert {c: p["rate"] for c, p in report["programmes"].items()} == {
                c: None if r.completion_rate is None else f"{r.completion_rate:f}" for c, r in screen.items()}
        listed = selectors.application_list(user, selectors.Filters(year=2024)).filter(
            delivered_on__year=2024).exclude(status__in=["rejected", "withdrawn"])
        assert sum(p["items"] for p in report["programmes"].values()) == listed.count()
    district = build(period=Period.year(2024), user=leader)["programmes"]
    assert sum(p["done"] for p in district.values()) > 0
    assert district["L3"]["done"] > 0  # 一户多残: households paid, counted in households (not "完成0户")
    out = io.StringIO()
    call_command("annual_report", "--year", "2024", "--area", leader.area.code, stdout=out)
    assert json.loads(out.getvalue())["programmes"] == build(period=Period.year(2024), user=leader)["programmes"]

    # money: the report against the payments screens (batch list: budget / committed / paid per source for the
    # programme and year; batch page: totals by source and status), for every programme
    finance = ctx.data["users"]["caiwu"]
    programmes_2024 = build(period=Period.year(2024), user=leader)["programmes"]
    assert sum(Decimal(p["amount"]) for p in programmes_2024.values()) > 0
    for code, figures in programmes_2024.items():
        programme = Programme.objects.get(code=code)
        overview = payment_selectors.budget_overview(programme.pk, 2024)
        assert {r["source"]: Decimal(r["paid"]) for r in overview if r["paid"]} == {
            s: Decimal(a) for s, a in figures["amount_by_source"].items() if Decimal(a)}, code
        paid = awaiting = Decimal(0)
        batches = payment_selectors.batch_list(finance, payment_selectors.BatchFilters(programme=code))
        for batch in batches:
            for t in payment_selectors.batch_totals(batch):
                if t["status"] in (LineStatus.PAID, LineStatus.REVERSED):  # a reversed payment was paid
                    paid += t["amount"]
                elif t["status"] == LineStatus.PENDING and batch.status == BatchStatus.AWAITING_FUNDS:
                    awaiting += t["amount"]
        assert paid == Decimal(figures["amount"]), code
        assert awaiting == Decimal(figures["amount_awaiting"] or 0), code
        # people paid = delivered cash applications of the year on the applications screens
        if programme.benefit_kind == "cash" and code != "L2":
            delivered = selectors.application_list(leader, selectors.Filters(year=2024)).filter(
                programme=programme, delivered_on__year=2024)
            assert figures["people_paid"] == delivered.count() == figures["people"], code
