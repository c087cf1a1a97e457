"""Amount specs: validation with Chinese errors, and Decimal amounts with two places, never floats."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canlian.programmes.rules import RuleContext
from canlian.programmes.rules.amount import (
    AmountError,
    AmountSpecError,
    FixedAmount,
    GradeAmount,
    MonthlyAmount,
    PerCaseAmount,
    compute,
    months_from_application,
    parse_amount_spec,
)

CTX = RuleContext.on(date(2025, 3, 1))


def errors(data) -> list[str]:
    with pytest.raises(AmountSpecError) as caught:
        parse_amount_spec(data)
    return caught.value.errors


@pytest.mark.parametrize(
    ("data", "spec"),
    [
        ({"kind": "fixed", "amount": "1000.00"}, FixedAmount(Decimal("1000.00"))),
        ({"kind": "fixed", "amount": 260}, FixedAmount(Decimal("260.00"))),
        ({"kind": "monthly", "amount": "94", "months": 12}, MonthlyAmount(Decimal("94.00"), 12)),
        (
            {"kind": "monthly", "amount": "94.00", "months": "from_application_month"},
            MonthlyAmount(Decimal("94.00"), None),
        ),
        (
            {"kind": "by_grade", "table": {"2": "800", "1": "1200.5"}},
            GradeAmount(((1, Decimal("1200.50")), (2, Decimal("800.00")))),
        ),
        ({"kind": "per_case", "max": "5000.00"}, PerCaseAmount(Decimal("5000.00"))),
    ],
)
def test_valid_specs_parse_and_round_trip_through_json(data, spec):
    parsed = parse_amount_spec(data)
    assert parsed == spec
    assert parse_amount_spec(json.loads(json.dumps(parsed.to_json()))) == parsed
    assert all(isinstance(v, str | int) for v in parsed.to_json().values() if not isinstance(v, dict))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("1000", ["金额规则应为 JSON 对象"]),
        ({"amount": "1"}, ["类型（kind）应为 fixed（固定金额）、monthly（按月）、by_grade（按等级）或 per_case"]),
        ({"kind": "yearly"}, ["之一，实为 “yearly”"]),
        ({"kind": "fixed"}, ["缺少金额（amount）"]),
        ({"kind": "fixed", "amount": 94.5}, ["金额请写成带引号的文本，例如 \"94.00\"：JSON 小数是浮点数，会有误差"]),
        ({"kind": "fixed", "amount": "94.005"}, ["金额应写成数字文本，最多两位小数，例如 \"94.00\"，实为 “94.005”"]),
        ({"kind": "fixed", "amount": "¥94"}, ["实为 “¥94”"]),
        ({"kind": "fixed", "amount": True}, ["实为 True"]),
        ({"kind": "fixed", "amount": "0"}, ["金额须大于 0"]),
        ({"kind": "fixed", "amount": "1", "months": 3}, ["金额规则中有未知的设置项：months"]),
        ({"kind": "monthly", "amount": "94"}, ["月数（months）应为 1–12 的整数，或 \"from_application_month\""]),
        ({"kind": "monthly", "amount": "94", "months": 13}, ["实为 13"]),
        ({"kind": "monthly", "amount": "94", "months": True}, ["实为 True"]),
        ({"kind": "monthly", "amount": -1, "months": "monthly"}, ["金额须大于 0", "实为 “monthly”"]),
        ({"kind": "by_grade", "table": {}}, ["按等级的金额表（table）应为"]),
        ({"kind": "by_grade", "table": ["1"]}, ["按等级的金额表（table）应为"]),
        ({"kind": "by_grade", "table": {"5": "1", "1": 2.5}}, ["等级应为 1–4，实为 “5”", "一级金额请写成带引号的文本"]),
        ({"kind": "by_grade", "table": {"1": "1", 1: "2"}}, ["金额表中一级写了不止一次"]),
        ({"kind": "per_case"}, ["缺少金额上限（max）"]),
    ],
)
def test_invalid_specs_are_refused_with_every_problem(data, expected):
    found = errors(data)
    assert len(found) == len(expected)
    for message, fragment in zip(found, expected, strict=True):
        assert fragment in message
    with pytest.raises(AmountSpecError) as caught:
        parse_amount_spec(data)
    assert str(caught.value) == "；".join(found)


def test_fixed_and_by_grade_amounts():
    assert compute({"kind": "fixed", "amount": "1000"}, {}, CTX) == Decimal("1000.00")
    table = {"kind": "by_grade", "table": {"1": "1200", "2": "800"}}
    assert compute(table, {"grade": 2}, CTX) == Decimal("800.00")
    with pytest.raises(AmountError, match="金额表中没有三级的金额"):
        compute(table, {"grade": 3}, CTX)
    with pytest.raises(AmountError, match="未登记残疾等级"):
        compute(table, {}, CTX)


def test_monthly_amounts_from_the_application_month():
    spec = parse_amount_spec({"kind": "monthly", "amount": "94.00", "months": "from_application_month"})
    assert compute(spec, {"application_date": date(2025, 3, 15)}, CTX) == Decimal("940.00")  # March–December
    assert compute(spec, {"application_date": date(2024, 11, 2)}, CTX) == Decimal("1128.00")  # all of 2025
    died = {"application_date": date(2025, 3, 15), "stop_date": date(2025, 6, 10)}
    assert compute(spec, died, CTX) == Decimal("376.00")  # March–June, stops from July
    for applied, stopped, amount in [
        (date(2024, 3, 1), date(2024, 12, 1), "0.00"),  # stopped before the year
        (date(2025, 3, 1), date(2026, 1, 1), "940.00"),  # stops after the year
        (date(2025, 7, 1), date(2025, 6, 1), "0.00"),  # stopped before applying
    ]:
        assert compute(spec, {"application_date": applied, "stop_date": stopped}, CTX) == Decimal(amount)
    with pytest.raises(AmountError, match="缺少申请日期"):
        compute(spec, {}, CTX)
    with pytest.raises(AmountError, match="申请日期 2026-01-05 晚于发放年度 2025 年"):
        compute(spec, {"application_date": date(2026, 1, 5)}, CTX)
    assert compute({"kind": "monthly", "amount": "86", "months": 12}, {}, CTX) == Decimal("1032.00")


@given(
    applied=st.dates(date(2020, 1, 1), date(2025, 12, 31)),
    stopped=st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2027, 12, 31))),
)
def test_months_paid_are_the_months_of_the_year_between_application_and_stop(applied, stopped):
    months = months_from_application({"application_date": applied, "stop_date": stopped}, CTX)
    paid = [
        m
        for m in range(1, 13)
        if date(2025, m, 1) >= date(applied.year, applied.month, 1)
        and (stopped is None or date(2025, m, 1) <= date(stopped.year, stopped.month, 1))
    ]
    assert months == len(paid)


def test_per_case_amounts_need_an_amount_and_a_reason_within_the_ceiling():
    spec = {"kind": "per_case", "max": "5000"}
    assert compute(spec, {"case_amount": "3,200.5", "case_reason": "改造卫生间扶手"}, CTX) == Decimal("3200.50")
    assert compute(spec, {"case_amount": Decimal("5000"), "case_reason": "坡道"}, CTX) == Decimal("5000.00")
    for facts, message in [
        ({"case_reason": "坡道"}, "请填写本案金额"),
        ({"case_amount": "", "case_reason": "坡道"}, "请填写本案金额"),
        ({"case_amount": "100"}, "请填写金额的理由"),
        ({"case_amount": "100", "case_reason": "  "}, "请填写金额的理由"),
        ({"case_amount": "5000.01", "case_reason": "坡道"}, "本案金额 5000.01 元超过上限 5000.00 元"),
        ({"case_amount": "0", "case_reason": "坡道"}, "本案金额须大于 0"),
        ({"case_amount": 12.5, "case_reason": "坡道"}, "本案金额无法识别：金额不能使用浮点数"),
        ({"case_amount": "一百", "case_reason": "坡道"}, "本案金额无法识别：金额“一百”无法识别"),
    ]:
        with pytest.raises(AmountError, match=message):
            compute(spec, facts, CTX)


def test_descriptions():
    assert parse_amount_spec({"kind": "fixed", "amount": "1000"}).describe() == "固定金额 1000.00 元"
    twelve = parse_amount_spec({"kind": "monthly", "amount": "94", "months": 12})
    assert twelve.describe() == "每月 94.00 元，共 12 个月"
    monthly = parse_amount_spec({"kind": "monthly", "amount": "94", "months": "from_application_month"})
    assert monthly.describe() == "每月 94.00 元，自申请当月起按月计算至年末（停发当月为止）"
    grades = parse_amount_spec({"kind": "by_grade", "table": {"1": "1200", "2": "800"}})
    assert grades.describe() == "按残疾等级：一级 1200.00 元、二级 800.00 元"
    per_case = parse_amount_spec({"kind": "per_case", "max": "5000"})
    assert per_case.describe() == "按案例填写，附理由，每案不超过 5000.00 元"
