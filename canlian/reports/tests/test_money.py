"""Money figures in the report, from the payments ledger through the figures contract
(canlian.common.figures): paid = bank confirmed, dated by the payment date, net of reversals; awaiting funds
separately; by programme, funding source, month and area; printed in 万元 as the seed writes it.

Every record is entered through the services: applications walked to "deliver" and paid by batches that
are checked, approved, exported and reconciled (tests/helpers.pay), a reversal through line_reverse.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from docx import Document
from python_calamine import CalamineWorkbook

from canlian.accounts.choices import Role
from canlian.common import figures
from canlian.payments import services as payment_services
from canlian.payments.choices import BatchTransition
from canlian.programmes.models import Programme
from canlian.programmes.services import target_set
from canlian.reports.definitions import Period
from canlian.reports.report import build
from canlian.reports.services import write_all
from canlian.reports.tests.helpers import DAY, WHEELCHAIR, deliver, fund, pay, register_person, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def few(users, areas):
    """R1: three people against a target of 2, paid in April (the third from district money); L1: two paid
    in September, one reversed in October; L2: one reviewed, its batch awaiting upper-level funds; E4: one
    paid in June 2024 and one in January 2025 (outside the year)."""
    finance = users.a[Role.FINANCE]
    with time_machine.travel(DAY, tick=False):
        target_set(actor=users.a[Role.DISTRICT_OFFICER], programme=Programme.objects.get(code="R1"), year=2024,
                   quantity=2)
        fund(users, "R1", 2024, upper="2000.00", district="1000.00")
        for community in (areas.community_a1, areas.community_a1, areas.community_b1):
            walk(users, register_person(users, community), "R1", year=2024)
        pay(users, "R1", paid_on=date(2024, 4, 2))
        fund(users, "L1", 2024, upper="520.00")
        for _i in range(2):
            walk(users, register_person(users, areas.community_a2, category=4, low_income="", **WHEELCHAIR), "L1",
                 year=2024,
                 amount="260")
        l1 = pay(users, "L1", paid_on=date(2024, 9, 2))
        payment_services.line_reverse(actor=finance, line=l1.lines.get(seq=2), reason="重复申领，冲正",
                                      on=date(2024, 10, 9))
        fund(users, "L2", 2024, upper="2000.00")
        walk(users, register_person(users, areas.community_a1, category=4, low_income=""), "L2", year=2024,
             period="2023-2024", amount="1226")
        l2 = payment_services.batch_build(actor=finance, programme=Programme.objects.get(code="L2"),
                                          period="2023-2024", batch_date=date(2024, 11, 12))
        l2 = payment_services.batch_check(actor=finance, batch=l2)
        l2 = payment_services.batch_transition(actor=users.a[Role.LEADER], batch=l2,
                                               transition=BatchTransition.APPROVE)
        payment_services.batch_transition(actor=finance, batch=l2, transition=BatchTransition.AWAIT_FUNDS,
                                          reason="待上级资金拨付")
        deliver(users, register_person(users, areas.community_a1, category=4, low_income="", birth=date(1990, 1, 1)),
                "E4", year=2024, on=date(2024, 6, 18), amount="3000")
    with time_machine.travel(DAY.replace(year=2025, month=1, day=20), tick=False):
        deliver(users, register_person(users, areas.community_a1, category=4, low_income="", birth=date(1990, 1, 1)),
                "E4", year=2025, on=date(2025, 1, 15), amount="3000")


def test_amounts_print_as_the_seed_does(few) -> None:
    report = build(period=Period.year(2024), area="")
    assert report["payments_available"] is True
    p = report["programmes"]
    assert p["R1"]["amount"] == "3000.00"
    assert p["R1"]["amount_by_source"] == {"upper": "2000.00", "district": "1000.00"}
    assert p["R1"]["people_paid"] == 3
    assert p["L1"]["amount"] == "260.00"  # 2 × 260 paid in September, 260 reversed in October
    assert p["E4"]["amount"] == "3000.00"  # the January 2025 payment is outside the period
    assert p["L2"]["amount_awaiting"] == "1226.00" and p["L2"]["amount"] == "0.00"
    assert report["funds_by_source"] == {"upper": "2260.00", "district": "4000.00"}
    lines = {line["key"]: line["text"] for s in report["sections"] for line in s["lines"]}
    assert lines["rehab.R1"] == ("一是完成困难精神残疾人药费补助3人，超目标任务1人（超额部分资金由区级承担），"
                                 "完成率150%，发放补助资金0.3万元，于4月底前通过银行卡发放到受助残疾人家庭。")
    assert lines["livelihood.L1"].endswith("补贴资金0.026万元。")
    assert lines["livelihood.L2"] == ("二是完成2023-2024年度1名四小车辆置换车主子女就学资料审核，补贴资金1226元，"
                                      "待上级资金拨付一次性打卡发放。")
    assert lines["employment.E4"].endswith("共计0.30万元。")
    assert not any(m["key"].endswith(".amount") for m in report["not_available"])

    files = write_all(report)
    paragraphs = [x.text for x in Document(io.BytesIO(files.docx)).paragraphs]
    assert lines["rehab.R1"] in paragraphs
    book = CalamineWorkbook.from_filelike(io.BytesIO(files.xlsx))
    rows = book.get_sheet_by_name("项目完成情况").to_python()
    r1 = next(r for r in rows if r[0] == "R1")
    assert r1[3:7] == [2, 3, 150, 1] and r1[10:13] == [3000, 2000, 1000]


def test_area_and_period_filter_money_and_people(few, areas) -> None:
    street_b = build(period=Period.year(2024), area=areas.street_b.code)
    r1 = street_b["programmes"]["R1"]
    assert (r1["people"], r1["amount"], r1["target"]) == (1, "1000.00", None)  # no street target set
    april = build(period=Period(date(2024, 4, 1), date(2024, 4, 30)), area="")
    assert april["programmes"]["R1"]["done"] == 3 and april["programmes"]["L1"]["amount"] == "0.00"
    march = build(period=Period(date(2024, 3, 1), date(2024, 3, 31)), area="")
    assert march["programmes"]["R1"]["done"] == 0 and march["programmes"]["R1"]["amount"] == "0.00"
    by_street = {(r["area_code"], r["programme"]): r for r in build(period=Period.year(2024))["by_street"]}
    assert by_street[(areas.street_a.code, "R1")]["people"] == 2
    assert by_street[(areas.street_a.code, "R1")]["amount"] == "2000.00"
    month = {(r["month"], r["programme"]): r for r in build(period=Period.year(2024))["by_month"]}
    assert month[("2024-04", "R1")]["people"] == 3 and month[("2024-04", "R1")]["amount"] == "3000.00"
    assert month[("2024-06", "E4")]["amount"] == "3000.00" and month[("2024-06", "E4")]["people"] == 1
    assert month[("2024-10", "L1")]["amount"] == "-260.00"  # a reversal lowers the month it happens in


def test_without_payments_money_is_not_available_never_zero(few, monkeypatch) -> None:
    """The contract's None branch: a deployment without the payments app (the report must not depend on it,
    decision 0014). Payments is always installed here, so its registration is cleared for this test only."""
    monkeypatch.setattr(figures, "_TOTALS", [])
    monkeypatch.setattr(figures, "_PERSONS", [])
    report = build(period=Period.year(2024))
    assert report["payments_available"] is False
    assert report["funds_by_source"] == {"upper": None, "district": None}
    assert all(p["amount"] is None for p in report["programmes"].values())
    assert all(r["amount"] is None for r in report["by_street"] + report["by_month"])
    files = write_all(report)
    book = CalamineWorkbook.from_filelike(io.BytesIO(files.xlsx))
    r1 = next(r for r in book.get_sheet_by_name("项目完成情况").to_python() if r[0] == "R1")
    assert r1[10] == "暂无数据"
