"""Money helpers: two places, ROUND_HALF_UP once, no floats; 万元 and rates exactly as the summary prints them."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canlian.common.money import (
    CENT,
    format_percent,
    format_wanyuan,
    format_wanyuan_with_unit,
    format_yuan,
    percent,
    to_wanyuan,
    to_yuan,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False)
yuan_amounts = amounts.map(to_yuan)


@given(st.one_of(amounts, st.integers(-(10**12), 10**12)))
def test_to_yuan_has_exactly_two_places_and_is_idempotent(value: Decimal | int) -> None:
    yuan = to_yuan(value)
    assert yuan.as_tuple().exponent == -2
    assert abs(yuan - Decimal(value)) <= CENT / 2
    assert to_yuan(yuan) == yuan and str(to_yuan(yuan)) == str(yuan)
    assert to_yuan(str(yuan)) == yuan


@given(yuan_amounts)
def test_formatted_amounts_read_back(yuan: Decimal) -> None:
    assert to_yuan(format_yuan(yuan)) == yuan
    assert to_yuan(f"¥{format_yuan(yuan)}元") == yuan
    assert to_wanyuan(yuan) * 10000 == yuan
    assert Decimal(format_wanyuan(yuan)) == to_wanyuan(yuan)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (Decimal("0.005"), "0.01"),
        (Decimal("2.675"), "2.68"),
        (Decimal("-0.005"), "-0.01"),
        (Decimal("-0.004"), "0.00"),
        (1000, "1000.00"),
        ("1,234.5", "1234.50"),
        (" ¥ 1，234.5 元 ", "1234.50"),
        ("￥-12", "-12.00"),
        ("-¥12", "-12.00"),
        ("１２３４．５６", "1234.56"),
        (".5", "0.50"),
    ],
)
def test_to_yuan_examples(raw: Decimal | int | str, expected: str) -> None:
    assert str(to_yuan(raw)) == expected


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="浮点数"):
        to_yuan(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="浮点数"):
        percent(1.0, 3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "error", "fragment"),
    [
        (True, TypeError, "bool"),
        (None, TypeError, "NoneType"),
        ("  ", ValueError, "金额为空"),
        ("12元5角", ValueError, "无法识别"),
        ("1e5", ValueError, "无法识别"),
        ("+¥-5", ValueError, "无法识别"),
        (Decimal("NaN"), ValueError, "有限"),
        (Decimal("1e40"), ValueError, "超出"),
    ],
)
def test_bad_amounts_are_refused_with_a_chinese_reason(raw: object, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error) as caught:
        to_yuan(raw)  # type: ignore[arg-type]
    assert fragment in str(caught.value)
    assert CJK.search(str(caught.value))


@pytest.mark.parametrize(
    ("yuan", "places", "expected"),
    [
        (342000, None, "34.2"),
        (53040, None, "5.304"),
        (125700, None, "12.57"),
        (54978, None, "5.4978"),
        (209250, 4, "20.9250"),
        (21000, 2, "2.10"),
        (209250, None, "20.925"),
        (100000, None, "10.0"),
        (0, None, "0.0"),
        ("12.34", None, "0.001234"),
        (55555, 0, "6"),
        (-342000, None, "-34.2"),
    ],
)
def test_format_wanyuan_as_the_seed_summary(yuan: int | str, places: int | None, expected: str) -> None:
    assert format_wanyuan(yuan, places) == expected


def test_format_wanyuan_with_unit_and_bad_places() -> None:
    assert format_wanyuan_with_unit(342000) == "34.2万元"
    assert format_wanyuan_with_unit(209250, 4) == "20.9250万元"
    with pytest.raises(ValueError):
        format_wanyuan(1, -1)


def test_format_yuan() -> None:
    assert format_yuan(11034) == "11,034.00"
    assert format_yuan(Decimal("-1234567.891")) == "-1,234,567.89"


@pytest.mark.parametrize(
    ("done", "target", "rate", "shown"),
    [
        (301, 300, Decimal("100.33"), "100.33%"),
        (18, 3, Decimal("600.00"), "600%"),
        (3, 2, Decimal("150.00"), "150%"),
        (1, 3, Decimal("33.33"), "33.33%"),
        (2, 3, Decimal("66.67"), "66.67%"),
        (101, 200, Decimal("50.50"), "50.50%"),
        (Decimal("342000.00"), Decimal("300000"), Decimal("114.00"), "114%"),
    ],
)
def test_percent_as_the_seed_summary(done: int | Decimal, target: int | Decimal, rate: Decimal, shown: str) -> None:
    assert percent(done, target) == rate
    assert str(percent(done, target)) == str(rate)
    assert format_percent(rate) == shown


@pytest.mark.parametrize("target", [0, None, Decimal("0.00")])
def test_percent_without_target_is_none(target: int | Decimal | None) -> None:
    assert percent(5, target) is None


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_percent_has_two_places_and_is_within_half_a_hundredth(done: int, target: int) -> None:
    rate = percent(done, target)
    assert rate is not None and rate.as_tuple().exponent == -2
    assert abs(rate * target - done * 100) <= target * CENT / 2
