"""ID number codec: the GB 11643-1999 rules as properties, and one example for every rejection reason."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canlian.common.idcard import (
    CHECK_CHARS,
    PROVINCE_CODES,
    IdNumber,
    IdNumberError,
    check_char,
    is_valid_id_number,
    looks_like_excel_number,
    make_id_number,
    normalise_code,
    parse_id_number,
)

TODAY = date(2025, 6, 30)
CJK = re.compile(r"[\u4e00-\u9fff]")

regions = st.builds(
    lambda province, rest: f"{province}{rest:04d}", st.sampled_from(sorted(PROVINCE_CODES)), st.integers(0, 9999)
)
births = st.dates(min_value=date(1890, 1, 1), max_value=TODAY)
seqs = st.integers(0, 999)
valid_numbers = st.builds(make_id_number, regions, births, seqs)

WHITESPACE = [" ", "\t", "\u3000", "\u00a0", "\u200b", "\ufeff"]


def full_width(char: str) -> str:
    return chr(ord(char) + 0xFEE0)


def reason_of(raw: object) -> str:
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(raw, today=TODAY)
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


# --- the vectors from the domain notes -----------------------------------------------------------------------


def test_domain_vector_is_valid_male_born_1920_05_08() -> None:
    parsed = parse_id_number("53010219200508011X", today=TODAY)
    assert parsed == IdNumber(
        number="53010219200508011X", region_code="530102", birth_date=date(1920, 5, 8), sex="M", warnings=()
    )


def test_domain_vector_with_wrong_check_char_is_refused_naming_expected_and_found() -> None:
    assert reason_of("530102192005080119").startswith("校验位错误：应为 X，实为 9")


def test_check_char_maps_remainders_as_the_standard_says() -> None:
    assert check_char("53010219200508011") == "X"
    assert CHECK_CHARS == "10X98765432"
    with pytest.raises(ValueError):
        check_char("1234")


# --- properties ------------------------------------------------------------------------------------------------


@given(regions, births, seqs)
def test_made_numbers_parse_back_with_birth_date_and_sex(region: str, birth: date, seq: int) -> None:
    number = make_id_number(region, birth, seq)
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.number == number
    assert parsed.region_code == region
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if seq % 2 else "F")
    assert parsed.warnings == ()
    assert is_valid_id_number(number, today=TODAY)


@given(valid_numbers, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_detected(number: str, position: int, replacement: str) -> None:
    if replacement == number[position] or (replacement == "X" and position != 17):
        return
    changed = number[:position] + replacement + number[position + 1 :]
    assert check_char(changed[:17]) != changed[17]
    assert not is_valid_id_number(changed, today=TODAY)


@given(valid_numbers, st.integers(0, 15))
def test_any_adjacent_transposition_of_digits_is_detected(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    assert check_char(swapped[:17]) != swapped[17]


@given(valid_numbers, st.data())
def test_full_width_lower_case_and_spaced_variants_normalise_to_the_same_number(
    number: str, data: st.DataObject
) -> None:
    variant = ""
    for char in number:
        forms = [char, full_width(char)] + ([char.lower(), full_width(char.lower())] if char == "X" else [])
        variant += data.draw(st.sampled_from(forms)) + data.draw(st.sampled_from(["", "", *WHITESPACE]))
    assert normalise_code(variant) == number
    assert parse_id_number(variant, today=TODAY).number == number


@given(regions, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), seqs)
def test_fifteen_digit_numbers_become_the_eighteen_digit_number_with_a_warning(
    region: str, birth: date, seq: int
) -> None:
    number = make_id_number(region, birth, seq)
    legacy = number[:6] + number[8:17]
    parsed = parse_id_number(legacy, today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if seq % 2 else "F")
    assert len(parsed.warnings) == 1 and "15 位" in parsed.warnings[0]
    assert parse_id_number(parsed.number, today=TODAY) == IdNumber(
        number=number, region_code=region, birth_date=birth, sex=parsed.sex
    )


@given(births, st.integers(0, 120))
def test_age_counts_full_years(birth: date, years: int) -> None:
    parsed = parse_id_number(make_id_number("340302", birth, 1), today=TODAY)
    assert parsed.age_on(birth) == 0
    if (birth.month, birth.day) == (2, 29):
        return
    birthday = birth.replace(year=birth.year + years)
    assert parsed.age_on(birthday) == years
    if years:
        assert parsed.age_on(birthday - timedelta(days=1)) == years - 1


def test_age_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError):
        parse_id_number("53010219200508011X", today=TODAY).age_on(date(1920, 5, 7))


def test_masked_keeps_region_and_last_four() -> None:
    assert parse_id_number("53010219200508011X", today=TODAY).masked == "530102********011X"


def test_birth_date_today_is_accepted_and_default_today_is_used() -> None:
    assert parse_id_number(make_id_number("340302", TODAY, 2), today=TODAY).birth_date == TODAY
    assert parse_id_number("53010219200508011X").sex == "M"


def test_make_id_number_refuses_bad_parts() -> None:
    with pytest.raises(ValueError):
        make_id_number("34030", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_id_number("340302", date(1990, 1, 1), 1000)


# --- one example per rejection reason -------------------------------------------------------------------------

VALID = "53010219200508011X"
REJECTIONS: dict[str, tuple[object, str]] = {
    "empty": ("  \u3000 ", "为空"),
    "none": (None, "为空"),
    "not text": (date(1990, 1, 1), "文本"),
    "int from Excel": (530102192005080000, "Excel"),
    "float from Excel": (5.30102192005080e17, "Excel"),
    "Decimal from Excel": (Decimal("530102192005080000"), "Excel"),
    "scientific notation": ("5.30102E+17", "Excel"),
    "lower-case scientific notation": ("5.30102e17", "Excel"),
    "trailing .0": ("530102200508011.0", "Excel"),
    "digits 16-18 zeroed by Excel": ("530102192005080000", "Excel"),
    "illegal character": ("53010219200508O11X", "第 15 位的“O”"),
    "wrong length": ("53010219200508011", "实为 17 位"),
    "X not last": ("5301021920050801X1", "第 17 位是 X"),
    "X in a 15-digit number": ("53010220050801X", "第 15 位是 X"),
    "unknown province": ("990102192005080114", "地区码 990102"),
    "no such day": ("530102192002300117", "19200230 不存在"),
    "birth in the future": (make_id_number("530102", TODAY + timedelta(days=1), 11), "晚于今天"),
    "birth before 1890": (make_id_number("530102", date(1889, 12, 31), 11), "早于 1890"),
    "wrong check char": ("530102192005080119", "应为 X，实为 9"),
}


@pytest.mark.parametrize(("raw", "fragment"), REJECTIONS.values(), ids=REJECTIONS.keys())
def test_each_rejection_names_its_reason_in_chinese(raw: object, fragment: str) -> None:
    reason = reason_of(raw)
    assert fragment in reason
    assert CJK.search(reason)
    assert not is_valid_id_number(raw, today=TODAY)


def test_rejection_reasons_are_distinct_per_kind() -> None:
    kinds = {
        "empty": "",
        "not text": date(1990, 1, 1),
        "Excel": 5.30102e17,
        "illegal character": "53010219200508O11X",
        "wrong length": VALID[:-1],
        "X not last": "5301021920050801X1",
        "unknown province": "990102192005080114",
        "no such day": "530102192002300117",
        "future": make_id_number("530102", TODAY + timedelta(days=1), 11),
        "before 1890": make_id_number("530102", date(1889, 12, 31), 11),
        "check char": "530102192005080119",
    }
    reasons = {kind: reason_of(raw) for kind, raw in kinds.items()}
    assert len(set(reasons.values())) == len(kinds)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_char_is_the_weighted_digit_sum_of_the_standard(first17: str) -> None:
    """The fast form (sum over the ASCII codes) equals the definition: Σ digit_i × (2^(17−i) mod 11), i from 0."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    assert check_char(first17) == "10X98765432"[total % 11]


@given(st.text(alphabet="0123456789", min_size=1, max_size=25))
def test_plain_digits_are_never_an_excel_number_but_their_float_text_is(digits: str) -> None:
    assert not looks_like_excel_number(digits)
    assert looks_like_excel_number(digits + ".0")
    assert looks_like_excel_number(int(digits))
