"""Money figures through the payments contract (canlian.common.figures).

The payments module (issue #6) is built in parallel and is not on this branch, so these tests register a
provider made of plain PaymentTotal rows — exactly what the contract says payments will return — to check
how the report aggregates (by programme, source, month and area) and prints (万元 as the seed writes it).
The provider honours the query's period and area like the real one must. The None path (no provider) is
the default everywhere else in these tests.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from docx import Document
from python_calamine import CalamineWorkbook

from canlian.accounts.choices import Role
from canlian.common import figures
from canlian.common.figures import AWAITING_FUNDS, PAID, PaymentQuery, PaymentTotal
from canlian.programmes.models import Programme
from canlian.programmes.services import target_set
from canlian.reports.definitions import Period
from canlian.reports.report import build
from canlian.reports.services import write_all
from canlian.reports.tests.helpers import DAY, register_person, walk

pytestmark = pytest.mark.django_db

A1, B1 = "340302901001", "340302902001"
ROWS = [
    PaymentTotal("R1", "upper", PAID, date(2024, 4, 1), A1, Decimal("200000.00"), 200),
    PaymentTotal("R1", "upper", PAID, date(2024, 4, 1), B1, Decimal("141000.00"), 100),
    PaymentTotal("R1", "district", PAID, date(2024, 4, 1), B1, Decimal("1000.00"), 1),
    PaymentTotal("L1", "upper", PAID, date(2024, 9, 1), A1, Decimal("53040.00"), 204),
    PaymentTotal("L2", "upper", AWAITING_FUNDS, date(2024, 11, 1), A1, Decimal("11034.00"), 9),
    PaymentTotal("L3", "district", PAID, date(2024, 10, 1), B1, Decimal("125700.00"), 72),
    PaymentTotal("L4", "district", PAID, date(2024, 11, 1), A1, Decimal("209250.00"), 219),
    PaymentTotal("E4", "district", PAID, date(2024, 6, 1), A1, Decimal("21000.00"), 7),
    PaymentTotal("E4", "district", PAID, date(2025, 1, 1), A1, Decimal("3000.00"), 1),  # outside 2024
]


def _totals(query: PaymentQuery) -> list[PaymentTotal]:
    return [r for r in ROWS if query.start <= r.month <= query.end and r.area_code.startswith(query.area_prefix)
            and (not query.programme_codes or r.programme_code in query.programme_codes)]


def _persons(query: PaymentQuery, state: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in _totals(query):
        if r.state == state:
            counts[r.programme_code] = counts.get(r.programme_code, 0) + r.lines
    return counts


@pytest.fixture
def payments(monkeypatch):
    monkeypatch.setattr(figures, "_TOTALS", [])
    monkeypatch.setattr(figures, "_PERSONS", [])
    figures.register(totals=_totals, persons=_persons)


@pytest.fixture
def few(users, areas):
    """Three R1 people against a target of 2, one L2 application reviewed (awaiting funds), entered in 2024."""
    with time_machine.travel(DAY, tick=False):
        _enter(users, areas)


def _enter(users, areas) -> None:
    target_set(actor=users.a[Role.DISTRICT_OFFICER], programme=Programme.objects.get(code="R1"), year=2024,
               quantity=2)
    for community in (areas.community_a1, areas.community_a1, areas.community_b1):
        walk(users, register_person(users, community), "R1", year=2024, delivered_on=date(2024, 4, 2))
    walk(users, register_person(users, areas.community_a1, category=4, low_income=""), "L2", year=2024,
         period="2023-2024", delivered_on=None, until="deliver")


def test_amounts_print_as_the_seed_does(payments, few) -> None:
    report = build(period=Period.year(2024), area="")
    assert report["payments_available"] is True
    p = report["programmes"]
    assert p["R1"]["amount"] == "342000.00"
    assert p["R1"]["amount_by_source"] == {"upper": "341000.00", "district": "1000.00"}
    assert p["R1"]["people_paid"] == 301
    assert p["E4"]["amount"] == "21000.00"  # the 2025 line is outside the period
    assert p["L2"]["amount_awaiting"] == "11034.00" and p["L2"]["amount"] == "0.00"
    assert report["funds_by_source"] == {"upper": "394040.00", "district": "356950.00"}
    lines = {line["key"]: line["text"] for s in report["sections"] for line in s["lines"]}
    assert lines["rehab.R1"] == ("一是完成困难精神残疾人药费补助3人，超目标任务1人（超额部分资金由区级承担），"
                                 "完成率150%，发放补助资金34.2万元，于4月底前通过银行卡发放到受助残疾人家庭。")
    assert lines["livelihood.L1"].endswith("补贴资金5.304万元。")
    assert lines["livelihood.L2"] == ("二是完成2023-2024年度1名四小车辆置换车主子女就学资料审核，补贴资金11034元，"
                                      "待上级资金拨付一次性打卡发放。")
    assert lines["livelihood.L3-L4"].endswith("补贴资金分别为12.57万元、20.9250万元。")
    assert lines["employment.E4"].endswith("共计2.10万元。")
    assert not any(m["key"].endswith(".amount") for m in report["not_available"])

    files = write_all(report)
    paragraphs = [x.text for x in Document(io.BytesIO(files.docx)).paragraphs]
    assert lines["rehab.R1"] in paragraphs
    book = CalamineWorkbook.from_filelike(io.BytesIO(files.xlsx))
    rows = book.get_sheet_by_name("项目完成情况").to_python()
    r1 = next(r for r in rows if r[0] == "R1")
    assert r1[3:7] == [2, 3, 150, 1] and r1[10:13] == [342000, 341000, 1000]


def test_area_and_period_filter_money_and_people(payments, few, areas) -> None:
    street_b = build(period=Period.year(2024), area=areas.street_b.code)
    r1 = street_b["programmes"]["R1"]
    assert (r1["people"], r1["amount"], r1["target"]) == (1, "142000.00", None)  # no street target set
    april = build(period=Period(date(2024, 4, 1), date(2024, 4, 30)), area="")
    assert april["programmes"]["R1"]["done"] == 3 and april["programmes"]["L1"]["amount"] == "0.00"
    march = build(period=Period(date(2024, 3, 1), date(2024, 3, 31)), area="")
    assert march["programmes"]["R1"]["done"] == 0 and march["programmes"]["R1"]["amount"] == "0.00"
    by_street = {(r["area_code"], r["programme"]): r for r in build(period=Period.year(2024))["by_street"]}
    assert by_street[(areas.street_a.code, "R1")]["people"] == 2
    assert by_street[(areas.street_a.code, "R1")]["amount"] == "200000.00"
    month = {(r["month"], r["programme"]): r for r in build(period=Period.year(2024))["by_month"]}
    assert month[("2024-04", "R1")]["people"] == 3 and month[("2024-04", "R1")]["amount"] == "342000.00"
    assert month[("2024-06", "E4")]["amount"] == "21000.00" and month[("2024-06", "E4")]["people"] == 0


def test_without_payments_money_is_not_available_never_zero(few) -> None:
    report = build(period=Period.year(2024))
    assert report["payments_available"] is False
    assert report["funds_by_source"] == {"upper": None, "district": None}
    assert all(p["amount"] is None for p in report["programmes"].values())
    assert all(r["amount"] is None for r in report["by_street"] + report["by_month"])
    files = write_all(report)
    book = CalamineWorkbook.from_filelike(io.BytesIO(files.xlsx))
    r1 = next(r for r in book.get_sheet_by_name("项目完成情况").to_python() if r[0] == "R1")
    assert r1[10] == "暂无数据"
