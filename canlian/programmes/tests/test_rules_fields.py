"""The binding registry: schemas refuse ambiguous names, types refuse ambiguous choices, functions bind."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Q

from canlian.programmes.rules import (
    Choice,
    ColumnField,
    ColumnFlag,
    DateType,
    DecimalType,
    EnumType,
    Function,
    IntType,
    Param,
    RuleContext,
    RuleSchema,
    compile_rule,
)
from canlian.programmes.rules.types import quote
from canlian.programmes.tests.schema import CATEGORIES, GRADES, SCHEMA

COUNT = ColumnField(name="count", label="人数", type=IntType(0, 9), lookup="n")


def test_context_year_defaults_to_the_reference_dates_year():
    assert RuleContext.on(date(2025, 3, 1), programme="R1") == RuleContext(date(2025, 3, 1), 2025, "R1")


@pytest.mark.parametrize("name", ["Age", "2x", "and", "in", "true", "年龄", "a-b", ""])
def test_schema_names_are_lower_case_identifiers_and_not_keywords(name):
    with pytest.raises(ValueError, match="lower-case ASCII identifiers"):
        RuleSchema(fields=[ColumnField(name=name, label="x", type=IntType(0, 1), lookup="x")])


def test_schema_names_are_unique_across_fields_and_functions():
    with pytest.raises(ValueError, match="duplicate rule name 'count'"):
        RuleSchema(fields=[COUNT, COUNT])
    function = Function(name="count", label="x", params=(), returns=None, binder=lambda: COUNT)
    with pytest.raises(ValueError, match="duplicate"):
        RuleSchema(fields=[COUNT], functions=[function])


def test_a_function_must_bind_to_what_it_declares():
    flag = ColumnFlag(name="f", label="f", lookup="f", true_text="是", false_text="否")
    value_function = Function(name="v", label="v", params=(), returns=IntType(0, 9), binder=lambda: flag)
    flag_function = Function(name="p", label="p", params=(), returns=None, binder=lambda: COUNT)
    schema = RuleSchema(fields=[COUNT], functions=[value_function, flag_function])
    with pytest.raises(TypeError, match="must bind to a Field"):
        compile_rule("v() > 1", schema)
    with pytest.raises(TypeError, match="must bind to a Flag"):
        compile_rule("p()", schema)


def test_a_schema_without_functions_lists_none():
    schema = RuleSchema(fields=[COUNT])
    with pytest.raises(ValueError, match="可用函数：（无）"):
        compile_rule("f(1)", schema)
    assert compile_rule("count >= 2", schema).to_q(RuleContext.on(date(2025, 1, 1))) == Q(n__gte=2)


@pytest.mark.parametrize(
    "choices",
    [
        (),
        (Choice(1, "一"), Choice(1, "二")),
        (Choice(1, "一"), Choice(2, "一")),
        (Choice(1, "一"), Choice(2, "二", ("一",))),
        (Choice("1", "一"), Choice(2, "1")),
        (Choice(True, "是"),),
        (Choice(1.5, "一点五"),),  # type: ignore[arg-type]
    ],
)
def test_enumerations_refuse_ambiguous_choices(choices):
    with pytest.raises(ValueError, match="enumeration"):
        EnumType(choices)


def test_ordered_enumerations_need_integer_codes():
    with pytest.raises(ValueError, match="integer codes"):
        EnumType((Choice("a", "甲"), Choice("b", "乙")), ordered=True)
    assert GRADES.ops > CATEGORIES.ops


def test_enumeration_spellings():
    assert GRADES.coerce(2) == GRADES.coerce("二级") == GRADES.coerce("2") == 2
    assert GRADES.display(2) == "二级" and GRADES.source(2) == '"二级"'
    assert CATEGORIES.describe().startswith("选项：视力（1）、听力（2）")


def test_type_descriptions_for_the_reference():
    assert IntType(0, 150).describe() == "整数，0–150"
    assert DecimalType(Decimal(0), Decimal(1000)).describe() == "数值，0–1000，最多 2 位小数"
    assert DateType().describe() == '日期，例如 "2025-01-01"'
    assert DateType().coerce(" 2025 / 3 / 1 ") == date(2025, 3, 1)
    assert DateType().coerce("２０２５年３月１日") == date(2025, 3, 1)


def test_quote_picks_quotes_the_text_does_not_contain():
    assert quote("低保") == '"低保"'
    assert quote('a"b') == "'a\"b'"
    assert quote("a\"b'c") == "「a\"b'c」"
    with pytest.raises(ValueError, match="引号"):
        quote("\"'「」『』")


def test_signatures_and_schema_contents():
    assert SCHEMA.functions["low_income_on"].signature == "low_income_on(状态, 日期)"
    assert list(SCHEMA.fields)[:3] == ["age", "grade", "category"]
    assert Param("日期", DateType()).label == "日期"
