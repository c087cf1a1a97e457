"""Compilation to Django Q: the exact query each kind of condition becomes.

Age is compiled to a range on the birth date relative to ctx.ref_date (indexable, no computed column);
`not` is ~Q; `!=` and `not in` exclude unknown values; functions over related rows become the schema's
Exists-style placeholders.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Q
from hypothesis import given
from hypothesis import strategies as st

from canlian.programmes.rules import Op, RuleContext, compile_rule
from canlian.programmes.rules.fields import age_in_years, born_by
from canlian.programmes.tests import qeval
from canlian.programmes.tests.schema import SCHEMA, RelatedRows
from canlian.programmes.tests.strategies import ref_dates

CTX = RuleContext.on(date(2025, 3, 1))


def q_of(text: str, ctx: RuleContext = CTX) -> Q:
    return compile_rule(text, SCHEMA).to_q(ctx)


def current(where: Q, day: date) -> Q:
    return where & Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("age >= 60", Q(birth_date__lte=date(1965, 3, 1))),
        ("age > 59", Q(birth_date__lte=date(1965, 3, 1))),
        ("60 <= age", Q(birth_date__lte=date(1965, 3, 1))),
        ("age < 7", Q(birth_date__gt=date(2018, 3, 1))),
        ("age <= 6", Q(birth_date__gt=date(2018, 3, 1))),
        ("age == 6", Q(birth_date__gt=date(2018, 3, 1), birth_date__lte=date(2019, 3, 1))),
        (
            "age != 6",
            Q(birth_date__isnull=False) & ~Q(birth_date__gt=date(2018, 3, 1), birth_date__lte=date(2019, 3, 1))),
        # consecutive ages merge into one range; a gap gives a second one
        (
            "age in [3, 4, 5, 9]",
            Q(birth_date__gt=date(2019, 3, 1), birth_date__lte=date(2022, 3, 1))
            | Q(birth_date__gt=date(2015, 3, 1), birth_date__lte=date(2016, 3, 1)),
        ),
        ('age_on("2025-01-01") < 7', Q(birth_date__gt=date(2018, 1, 1))),
    ],
)
def test_age_compiles_to_a_birth_date_range(text, expected):
    assert q_of(text) == expected


def test_age_bound_follows_the_reference_date():
    rule = compile_rule("age >= 60", SCHEMA)
    assert rule.to_q(RuleContext.on(date(2025, 3, 1))) == Q(birth_date__lte=date(1965, 3, 1))
    assert rule.to_q(RuleContext.on(date(2026, 1, 1))) == Q(birth_date__lte=date(1966, 1, 1))
    # 29 February: the bound falls back to 28 February in a common year
    assert rule.to_q(RuleContext.on(date(2024, 2, 29))) == Q(birth_date__lte=date(1964, 2, 29))
    assert compile_rule("age >= 1", SCHEMA).to_q(RuleContext.on(date(2024, 2, 29))) == Q(
        birth_date__lte=date(2023, 2, 28)
    )


def test_age_on_ignores_the_reference_date():
    rule = compile_rule('age_on("2025-01-01") >= 60', SCHEMA)
    assert rule.to_q(RuleContext.on(date(2030, 6, 1))) == Q(birth_date__lte=date(1965, 1, 1))


@given(
    ref=st.one_of(ref_dates, st.dates(date(1900, 1, 1), date(2199, 12, 31))),
    years=st.integers(0, 150),
    delta=st.one_of(st.integers(-2, 2), st.integers(-800, 800)),
    op=st.sampled_from(list(Op)),
    leap_birthday=st.booleans(),
)
def test_age_query_agrees_with_age_arithmetic_at_every_boundary(ref, years, delta, op, leap_birthday):
    birth = born_by(ref, years) + timedelta(days=delta)
    if leap_birthday:
        birth = date(2000, 2, 29)
    person = {"birth_date": birth}
    value = f"[{years}, {min(years + 1, 150)}]" if op in (Op.IN, Op.NOT_IN) else str(years)
    rule = compile_rule(f"age {op} {value}", SCHEMA)
    ctx = RuleContext.on(ref)
    assert qeval.selects(rule.to_q(ctx), person) == rule.evaluate(person, ctx)
    assert rule.evaluate({"birth_date": None}, ctx) is False


def test_age_arithmetic():
    assert age_in_years(date(1965, 3, 1), date(2025, 3, 1)) == 60
    assert age_in_years(date(1965, 3, 2), date(2025, 3, 1)) == 59
    assert age_in_years(date(2000, 2, 29), date(2025, 2, 28)) == 24  # a 29 February birthday comes on 1 March
    assert age_in_years(date(2000, 2, 29), date(2025, 3, 1)) == 25
    assert age_in_years(date(2026, 1, 1), date(2025, 3, 1)) == -1
    assert born_by(date(2024, 2, 29), 1) == date(2023, 2, 28)
    assert born_by(date(2024, 2, 29), 4) == date(2020, 2, 29)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("grade in [1, 2]", Q(grade__in=[1, 2])),
        ('grade in ["一级", "二级", 1]', Q(grade__in=[1, 2])),  # labels and codes, duplicates dropped
        ("grade <= 2", Q(grade__lte=2)),
        ('grade < "三级"', Q(grade__lt=3)),
        ("1 <= grade <= 2", Q(grade__gte=1) & Q(grade__lte=2)),
        ('category == "精神"', Q(category=6)),
        ("category == 6", Q(category=6)),
        ('category != "精神"', Q(category__isnull=False) & ~Q(category=6)),
        ('category not in ["精神", "智力"]', Q(category__isnull=False) & ~Q(category__in=[6, 5])),
        ('hukou == "农村"', Q(hukou="rural")),
        ('low_income in ["低保", "特困供养"]', Q(low_income__in=["dibao", "tekun"])),
        ("household_certified_count >= 2", Q(household_certified_count__gte=2)),
        ("per_capita_income < 800.5", Q(per_capita_income__lt=Decimal("800.5"))),
        ('certificate_expires >= "2025年3月1日"', Q(certificate_expires__gte=date(2025, 3, 1))),
        ("poverty", Q(poverty=True)),
        ("poverty == false", ~Q(poverty=True)),
        ("severe", Q(grade__in=[1, 2])),
        ("certificate_valid", Q(certificate_expires__gte=date(2025, 3, 1))),
    ],
)
def test_fields_compile_to_lookups(text, expected):
    assert q_of(text) == expected


def test_boolean_structure_compiles_to_q_operators():
    assert q_of("not (age >= 60 and severe)") == ~(Q(birth_date__lte=date(1965, 3, 1)) & Q(grade__in=[1, 2]))
    assert q_of("poverty or severe and not autism") == Q(poverty=True) | (Q(grade__in=[1, 2]) & ~Q(autism=True))
    assert q_of("(poverty or severe) and not not autism") == (Q(poverty=True) | Q(grade__in=[1, 2])) & ~~Q(autism=True)
    assert str(q_of("not (age >= 60 and severe)")) == (
        "(NOT (AND: ('birth_date__lte', datetime.date(1965, 3, 1)), ('grade__in', [1, 2])))"
    )


def test_functions_compile_to_the_schemas_related_rows_placeholders():
    q = q_of('low_income_on("低保", "2025-01-01")')
    assert q == Q(RelatedRows("low_income_periods", current(Q(status="dibao"), date(2025, 1, 1))))
    assert q_of('not enrolled("GS")') == ~Q(RelatedRows("enrolments", current(Q(programme="GS"), CTX.ref_date)))
    year = Q(programme="L4") & Q(start__lte=date(2024, 12, 31)) & (Q(end__isnull=True) | Q(end__gte=date(2024, 1, 1)))
    assert q_of('enrolled_in_year("L4", 2024)') == Q(RelatedRows("enrolments", year))
    assert q_of('has_category("精神")') == Q(category=6) | (Q(category=7) & Q(RelatedRows("components", Q(category=6))))
    assert q_of("has_category(7)") == Q(category=7)
    assert str(q_of('enrolled("R1")')).startswith("(AND: Related(enrolments: (AND: ('programme', 'R1')")


def test_chinese_keywords_and_punctuation_compile_to_the_same_query():
    ascii_rule = compile_rule('age >= 60 and (low_income in ["低保", "特困"] or poverty) and not autism', SCHEMA)
    chinese_rule = compile_rule("age ≥ 60且（low_income 属于【“低保”、「特困」】或 poverty）且非autism", SCHEMA)
    assert chinese_rule == ascii_rule
    assert chinese_rule.to_q(CTX) == ascii_rule.to_q(CTX)
