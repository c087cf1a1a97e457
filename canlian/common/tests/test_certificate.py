"""Certificate number codec: make/parse round trip, cross-checks with the registry, every rejection reason."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from canlian.common.certificate import (
    CATEGORY_NAMES,
    GRADE_NAMES,
    CertificateNumber,
    CertificateNumberError,
    make_certificate_number,
    parse_certificate_number,
)
from canlian.common.idcard import PROVINCE_CODES, make_id_number

TODAY = date(2025, 6, 30)
CJK = re.compile(r"[\u4e00-\u9fff]")
HOLDER = "53010219200508011X"

id_numbers = st.builds(
    make_id_number,
    st.builds(lambda p, rest: f"{p}{rest:04d}", st.sampled_from(sorted(PROVINCE_CODES)), st.integers(0, 9999)),
    st.dates(min_value=date(1890, 1, 1), max_value=TODAY),
    st.integers(0, 999),
)
categories = st.sampled_from(sorted(CATEGORY_NAMES))
grades = st.sampled_from(sorted(GRADE_NAMES))
reissues = st.integers(0, 9)


def reason_of(raw: object, **registered: Any) -> str:
    with pytest.raises(CertificateNumberError) as caught:
        parse_certificate_number(raw, today=TODAY, **registered)
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


@given(id_numbers, categories, grades, reissues)
def test_make_then_parse_round_trips(id_number: str, category: int, grade: int, reissue: int) -> None:
    number = make_certificate_number(id_number, category, grade, reissue)
    assert len(number) == (22 if reissue else 20)
    parsed = parse_certificate_number(number, id_number=id_number, category=category, grade=grade, today=TODAY)
    assert parsed == CertificateNumber(
        number=number, id_number=id_number, category=category, grade=grade, reissue=reissue
    )
    assert parsed.is_severe == (grade <= 2)


@given(id_numbers, categories, grades, st.integers(1, 9))
def test_lower_case_full_width_and_spaced_input_normalises(id_number: str, category: int, grade: int, n: int) -> None:
    number = make_certificate_number(id_number, category, grade, n)
    variant = " ".join(number.lower()[:10]) + "\u3000" + "".join(chr(ord(c) + 0xFEE0) for c in number.lower()[10:])
    assert parse_certificate_number(variant, today=TODAY).number == number


def test_names_and_severity() -> None:
    parsed = parse_certificate_number(f"{HOLDER}42B1", today=TODAY)
    assert (parsed.category_name, parsed.grade_name, parsed.reissue, parsed.is_severe) == ("肢体", "二级", 1, True)
    assert [str(name) for name in CATEGORY_NAMES.values()] == ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
    assert not parse_certificate_number(f"{HOLDER}53", today=TODAY).is_severe


def test_registered_legacy_id_matches_its_eighteen_digit_form() -> None:
    assert parse_certificate_number(f"{HOLDER}61", id_number="530102200508011", today=TODAY).id_number == HOLDER


def test_category_mismatch_names_both_categories() -> None:
    assert reason_of(f"{HOLDER}42", category=6) == "残疾人证号中的类别为 肢体（4），与登记的类别 精神（6）不一致"


def test_grade_mismatch_names_both_grades() -> None:
    assert reason_of(f"{HOLDER}42", grade=1) == "残疾人证号中的等级为 二级（2），与登记的等级 一级（1）不一致"


def test_id_mismatch_says_where_the_numbers_differ() -> None:
    other = make_id_number("530102", date(1920, 5, 9), 11)
    assert "第 14 位" in reason_of(f"{HOLDER}42", id_number=other)


def test_bad_registered_values_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        parse_certificate_number(f"{HOLDER}42", category=8)
    with pytest.raises(ValueError):
        parse_certificate_number(f"{HOLDER}42", grade=0)
    with pytest.raises(ValueError):
        make_certificate_number(HOLDER, 8, 1)
    with pytest.raises(ValueError):
        make_certificate_number(HOLDER, 1, 5)
    with pytest.raises(ValueError):
        make_certificate_number(HOLDER, 1, 1, reissue=10)
    with pytest.raises(ValueError):
        make_certificate_number(HOLDER[:-1], 1, 1)


REJECTIONS: dict[str, tuple[object, dict[str, Any], str]] = {
    "empty": (" ", {}, "为空"),
    "not text": (["x"], {}, "文本"),
    "number from Excel": (53010219200508011042, {}, "Excel"),
    "scientific notation": ("5.30102E+19", {}, "Excel"),
    "wrong length": (f"{HOLDER}4", {}, "实为 19 位"),
    "bad reissue suffix": (f"{HOLDER}42C1", {}, "B1–B9"),
    "B0 suffix": (f"{HOLDER}42B0", {}, "“B0”"),
    "bad category": (f"{HOLDER}82", {}, "第 19 位"),
    "bad grade": (f"{HOLDER}45", {}, "第 20 位"),
    "bad embedded ID": ("53010219200508011942", {}, "证号中的身份证号有误：校验位错误：应为 X，实为 9"),
    "bad registered ID": (f"{HOLDER}42", {"id_number": "530102192005080119"}, "登记的身份证号有误"),
    "ID mismatch": (f"{HOLDER}42", {"id_number": make_id_number("340302", date(1990, 1, 1), 2)}, "不一致"),
    "category mismatch": (f"{HOLDER}42", {"category": 6}, "类别为 肢体（4）"),
    "grade mismatch": (f"{HOLDER}42", {"grade": 1}, "等级为 二级（2）"),
}


@pytest.mark.parametrize(("raw", "registered", "fragment"), REJECTIONS.values(), ids=REJECTIONS.keys())
def test_each_rejection_names_its_reason_in_chinese(raw: object, registered: dict[str, Any], fragment: str) -> None:
    reason = reason_of(raw, **registered)
    assert fragment in reason
    assert CJK.search(reason)


def test_rejection_reasons_are_distinct_per_kind() -> None:
    kinds = ["empty", "not text", "number from Excel", "wrong length", "bad reissue suffix", "bad category"]
    kinds += ["bad grade", "bad embedded ID", "bad registered ID", "ID mismatch", "category mismatch"]
    kinds += ["grade mismatch"]
    reasons = {reason_of(REJECTIONS[kind][0], **REJECTIONS[kind][1]) for kind in kinds}
    assert len(reasons) == len(kinds)


@given(id_numbers, id_numbers, categories, grades, reissues)
def test_a_parsed_registered_id_gives_the_same_answers_as_its_text(
    holder: str, other: str, category: int, grade: int, reissue: int
) -> None:
    """Imports pass the row's ID already parsed (IdNumber), which skips re-parsing an identical embedded ID; the
    outcome for matching and mismatching numbers must be the one of the plain-text call."""
    from canlian.common.idcard import parse_id_number

    for number in (make_certificate_number(holder, category, grade, reissue),
                   make_certificate_number(other, category, grade, reissue)):
        outcomes = []
        for registered in (holder, parse_id_number(holder, today=TODAY)):
            try:
                outcomes.append(parse_certificate_number(number, id_number=registered, category=category,
                                                         grade=grade, today=TODAY))
            except CertificateNumberError as error:
                outcomes.append(error.reason)
        assert outcomes[0] == outcomes[1]
    assert "第 14 位" in reason_of(f"{HOLDER}42", id_number=parse_id_number(
        make_id_number("530102", date(1920, 5, 9), 11), today=TODAY))
