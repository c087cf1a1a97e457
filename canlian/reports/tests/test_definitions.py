"""The definitions: rounding edge cases, over target, money formats, templates and periods."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from canlian.reports.definitions import (
    NOT_AVAILABLE,
    Period,
    completion_rate,
    done_for_unit,
    format_value,
    months,
    over_target,
    render,
)


@pytest.mark.parametrize(("done", "target", "rate"), [
    (301, 300, Decimal("100.33")),
    (18, 3, Decimal("600.00")),
    (3, 2, Decimal("150.00")),
    (2, 3, Decimal("66.67")),  # 66.666… up
    (1, 800, Decimal("0.13")),  # 0.125 exactly: half up, not to even (0.12)
    (3, 800, Decimal("0.38")),  # 0.375 → 0.38
    (0, 5, Decimal("0.00")),
])
def test_completion_rate_rounds_half_up_to_two_places(done, target, rate) -> None:
    assert completion_rate(done, target) == rate


def test_no_rate_and_no_over_without_a_target() -> None:
    assert completion_rate(5, None) is None
    assert completion_rate(5, 0) is None
    assert over_target(5, None) is None


@pytest.mark.parametrize(("done", "target", "over"), [(301, 300, 1), (300, 300, 0), (12, 300, 0), (18, 3, 15)])
def test_over_target_is_positive_difference_or_zero(done, target, over) -> None:
    assert over_target(done, target) == over


def test_done_follows_the_programme_unit() -> None:
    assert done_for_unit("person", people=3, households=2, items=5) == 3
    assert done_for_unit("household", people=3, households=2, items=5) == 2
    assert done_for_unit("item", people=3, households=2, items=5) == 5


@pytest.mark.parametrize(("yuan", "spec", "text"), [
    ("342000.00", "wan", "34.2"),
    ("53040.00", "wan", "5.304"),
    ("125700.00", "wan", "12.57"),
    ("209250.00", "wan4", "20.9250"),
    ("21000.00", "wan2", "2.10"),
    ("54978.00", "wan", "5.4978"),
    ("100000.00", "wan", "10.0"),
    ("11034.00", "yuan", "11034"),
    ("11034.50", "yuan", "11034.50"),
    ("100.33", "pct", "100.33%"),
    ("600.00", "pct", "600%"),
])
def test_money_and_rates_print_as_the_seed_does(yuan, spec, text) -> None:
    assert format_value(yuan, spec) == text


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        format_value(1, "euros")


FIGURES = {
    "report": {"area_phrase": "全区"},
    "programmes": {"R1": {"done": 301, "over": 1, "rate": "100.33", "amount": None, "flag": True},
                   "R3": {"done": 0, "over": 0, "rate": None, "amount": "0.00", "flag": False}},
}


def test_optional_segments_drop_on_missing_zero_or_false_and_missing_is_reported() -> None:
    text, missing = render("完成{R1.done}人[[，超目标任务{R1.over}人]][[，完成率{R1.rate:pct}]]"
                           "[[，资金{R1.amount:wan}万元]][[{R1.flag:if}（区级）]]", FIGURES)
    assert text == "完成301人，超目标任务1人，完成率100.33%（区级）"
    assert missing == ["R1.amount"]
    text, missing = render("{R3.done}人[[，超目标{R3.over}人]][[{R3.flag:if}（区级）]]"
                           "[[，完成率{R3.rate:pct}]]", FIGURES)
    assert (text, missing) == ("0人", ["R3.rate"])


def test_a_missing_mandatory_figure_is_marked_never_invented() -> None:
    text, missing = render("资金{R1.amount:wan}万元，{report.area_phrase}", FIGURES)
    assert text == f"资金{NOT_AVAILABLE}万元，全区"
    assert missing == ["R1.amount"]


def test_unknown_figure_in_a_template_is_an_error() -> None:
    with pytest.raises(KeyError):
        render("{R9.done}", FIGURES)


def test_periods() -> None:
    year = Period.year(2024)
    assert (year.label, year.target_year, year.is_calendar_year) == ("2024年", 2024, True)
    half = Period(date(2024, 1, 1), date(2024, 6, 30))
    assert (half.label, half.target_year) == ("2024年1月1日至2024年6月30日", 2024)
    assert Period(date(2023, 9, 1), date(2024, 8, 31)).target_year is None
    assert [m.month for m in months(Period(date(2023, 11, 15), date(2024, 2, 1)))] == [11, 12, 1, 2]
    with pytest.raises(ValueError):
        Period(date(2024, 2, 1), date(2024, 1, 1))
