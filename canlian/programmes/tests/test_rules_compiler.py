"""compile_rule: names looked up in the schema, values type-checked, errors that say what to write."""

from __future__ import annotations

import time

import pytest

from canlian.programmes.rules import CompiledRule, ErrorKind, RuleSyntaxError, compile_rule
from canlian.programmes.rules.conditions import AllOf, AnyOf, Compare, FlagHolds, Not
from canlian.programmes.tests.schema import SCHEMA, make_schema


def refused(text: str) -> RuleSyntaxError:
    with pytest.raises(RuleSyntaxError) as caught:
        compile_rule(text, SCHEMA)
    return caught.value


@pytest.mark.parametrize(
    ("text", "kind", "column", "message"),
    [
        (
            "salary > 3000",
            ErrorKind.UNKNOWN_FIELD,
            1,
            "未知字段 salary，可用字段：age（年龄）、grade（残疾等级）、category（残疾类别）、",
        ),
        ("age >= 60 and gradee <= 2", ErrorKind.UNKNOWN_FIELD, 15, "未知字段 gradee（是否想写 grade？），可用字段："),
        ("年龄 >= 60", ErrorKind.UNKNOWN_FIELD, 1, "字段名请写英文：“年龄”请写作 age"),
        ("等级 <= 2", ErrorKind.UNKNOWN_FIELD, 1, "未知字段 等级（是否想写 grade？）"),
        ("收入 < 800", ErrorKind.UNKNOWN_FIELD, 1, "未知字段 收入（是否想写 per_capita_income？）"),
        ("工资 < 800", ErrorKind.UNKNOWN_FIELD, 1, "未知字段 工资，可用字段："),
        ("__class__", ErrorKind.UNKNOWN_FIELD, 1, "未知字段 __class__，"),
        ("AGE >= 60 and Severe", None, 0, ""),  # names are case-insensitive
        ("foo(1)", ErrorKind.UNKNOWN_FUNCTION, 1, "未知函数 foo，可用函数：age_on(日期)、low_income_on(状态, 日期)、"),
        ("enroled('R1')", ErrorKind.UNKNOWN_FUNCTION, 1, "未知函数 enroled（是否想写 enrolled？）"),
        ("__import__('os')", ErrorKind.UNKNOWN_FUNCTION, 1, "未知函数 __import__"),
        ("eval('1')", ErrorKind.UNKNOWN_FUNCTION, 1, "未知函数 eval"),
        ("age(1) > 3", ErrorKind.SYNTAX, 1, "age 是字段，不是函数，后面不能加括号"),
        ("age_on > 3", ErrorKind.ARGUMENTS, 1, "age_on 是函数，需要写参数：age_on(日期)"),
        ('enrolled("R1", 2024)', ErrorKind.ARGUMENTS, 1, "函数 enrolled 需要 1 个参数：enrolled(项目)，实际写了 2 个"),
        ("enrolled_in_year('L4')", ErrorKind.ARGUMENTS, 1, "需要 2 个参数：enrolled_in_year(项目, 年度)"),
        ("enrolled(R1)", ErrorKind.ARGUMENTS, 10, "函数 enrolled 的参数应为具体的值"),
        ("has_category([6])", ErrorKind.ARGUMENTS, 14, "函数 has_category 的参数应为具体的值"),
        (
            'enrolled("X9")',
            ErrorKind.VALUE,
            10,
            "enrolled 的第 1 个参数（项目）：“X9” 不是可选值，可选：困难精神残疾人药费补助（R1）",
        ),
        ("age_on(2025) < 7", ErrorKind.TYPE, 8, "第 1 个参数（日期）：日期应写成带引号的文本，例如 \"2025-01-01\""),
        ('age_on("2025-02-30") < 7', ErrorKind.VALUE, 8, "“2025-02-30”不是有效的日期"),
        ('age_on("明年") < 7', ErrorKind.TYPE, 8, "“明年”不是有效的日期"),
        ('age_on("1899-12-31") < 7', ErrorKind.VALUE, 8, "日期应在 1900-01-01 至 2199-12-31 之间"),
        ('enrolled_in_year("L4", 1999)', ErrorKind.VALUE, 24, "（年度）：应在 2000–2100 之间，实为 1999"),
        ('grade == "五级"', ErrorKind.VALUE, 10, "“五级” 不是可选值，可选：一级（1）、二级（2）、三级（3）、四级（4）"),
        ("grade == 5", ErrorKind.VALUE, 10, "残疾等级：5 不是可选值"),
        ("grade == 1.0", ErrorKind.TYPE, 10, "残疾等级：1.0 不是可选值"),
        ("grade == true", ErrorKind.TYPE, 10, "残疾等级：true 不是可选值"),
        ('low_income == "小康"', ErrorKind.VALUE, 15, "低保等状态：“小康” 不是可选值，可选：低保（dibao）"),
        ('age >= "60"', ErrorKind.TYPE, 8, "年龄：应为整数，“60” 不是整数"),
        ("age >= 60.5", ErrorKind.TYPE, 8, "年龄：应为整数，60.5 不是整数"),
        ("age >= 200", ErrorKind.VALUE, 8, "年龄：应在 0–150 之间，实为 200"),
        ("age >= -1", ErrorKind.VALUE, 8, "年龄：应在 0–150 之间，实为 -1"),
        ("per_capita_income < 800.555", ErrorKind.VALUE, 21, "家庭人均月收入：最多 2 位小数，实为 800.555"),
        ('per_capita_income < "800"', ErrorKind.TYPE, 21, "家庭人均月收入：应为数字，“800” 不是数字"),
        ("per_capita_income < 2000000", ErrorKind.VALUE, 21, "应在 0–1000000 之间"),
        ("certificate_expires > 2025", ErrorKind.TYPE, 23, "日期应写成带引号的文本"),
        ('hukou < "城镇"', ErrorKind.TYPE, 7, "“户口类型”是选项，不能用“<”比较，可用：==、!=、in、not in"),
        ("severe > 1", ErrorKind.TYPE, 1, "“severe”（重度残疾）是是/否条件：直接写 severe 或 not severe"),
        ("severe == 1", ErrorKind.TYPE, 1, "是是/否条件"),
        ("age", ErrorKind.TYPE, 1, "“age”（年龄）是整数，不能单独作为条件，请与值比较"),
        ('age_on("2025-01-01")', ErrorKind.TYPE, 1, "“age_on(\"2025-01-01\")”（2025-01-01 时的年龄）是整数"),
        ("60", ErrorKind.SYNTAX, 1, "60 不是条件"),
        ("[1, 2]", ErrorKind.SYNTAX, 1, "[1, 2] 不是条件"),
        ("age in 5", ErrorKind.TYPE, 8, "“in”后面应为方括号中的值列表，例如 [1, 2]"),
        ("age == [5]", ErrorKind.TYPE, 8, "只有 in 和 not in 后面可以写列表，“==”后面应为单个值"),
        ("age in []", ErrorKind.VALUE, 8, "列表为空"),
        ("age in [1, [2]]", ErrorKind.SYNTAX, 12, "此处应为具体的值"),
        ("age in [1, grade]", ErrorKind.SYNTAX, 12, "此处应为具体的值"),
        ("age in [" + ", ".join(["1"] * 201) + "]", ErrorKind.TOO_LONG, 8, "列表过长（最多 200 个值）"),
        ("age == grade", ErrorKind.SYNTAX, 8, "不能把“age”与“grade”比较：比较的一边应为具体的值"),
        ("age == age_on('2025-01-01')", ErrorKind.SYNTAX, 8, "不能把“age”与“age_on('2025-01-01')”比较"),
        ("low_income == 低保", ErrorKind.SYNTAX, 15, "值“低保”需要加引号，请写作 \"低保\""),
        ("hukou == urban", ErrorKind.SYNTAX, 10, "值“urban”需要加引号"),
        ("60 <= 70", ErrorKind.SYNTAX, 1, "比较的两边都是值"),
        ("[1] in grade", ErrorKind.SYNTAX, 1, "“in”的左边应为字段或函数"),
        ("(age > 1) == true", ErrorKind.SYNTAX, 11, "条件不能再与值比较"),
        ("not age", ErrorKind.TYPE, 5, "不能单独作为条件"),
    ],
)
def test_rules_that_parse_but_make_no_sense_are_refused(text, kind, column, message):
    if kind is None:
        assert isinstance(compile_rule(text, SCHEMA), CompiledRule)
        return
    error = refused(text)
    assert error.kind is kind
    assert (error.line, error.column) == (1, column)
    assert message in error.message


def test_function_name_error_underlines_only_the_name():
    error = refused('foo("a", 1) and severe')
    assert error.excerpt.splitlines()[1] == "^^^"


def test_flags_compare_with_booleans_only():
    severe = FlagHolds(compile_rule("severe", SCHEMA).condition.subject)
    assert compile_rule("severe == true", SCHEMA).condition == severe
    assert compile_rule("severe != false", SCHEMA).condition == severe
    assert compile_rule("severe == false", SCHEMA).condition == Not(severe)
    assert compile_rule("severe != TRUE", SCHEMA).condition == Not(severe)
    assert compile_rule("not severe", SCHEMA).condition == Not(severe)


def test_groups_are_flattened_and_chains_become_and():
    rule = compile_rule("severe or (poverty or (autism or wheelchair))", SCHEMA)
    assert isinstance(rule.condition, AnyOf) and len(rule.condition.operands) == 4
    chain = compile_rule("1 <= grade <= 2 and severe", SCHEMA).condition
    assert isinstance(chain, AllOf) and len(chain.operands) == 3
    assert all(isinstance(c, Compare | FlagHolds) for c in chain.operands)


def test_equal_rules_whatever_the_spelling():
    plain = compile_rule('category in [6, 5] and not low_income == "特困" and age_on("2025-01-01") < 7', SCHEMA)
    spelled = compile_rule(
        '# 儿童\ncategory 属于【“精神”、\'智力\'】且非 low_income=「特困供养」\n且 age_on("2025年1月1日") < 7', SCHEMA
    )
    assert spelled == plain and hash(spelled) == hash(plain)
    assert spelled.source != plain.source
    assert compile_rule("category in [5, 6]", SCHEMA) != compile_rule("category in [6, 5]", SCHEMA)


def test_normalized_text_is_canonical():
    rule = compile_rule("非(severe 或 poverty) 且 60 ≤ age 且 grade 属于 [1,2] 且 has_category(6)", SCHEMA)
    assert rule.normalized == (
        'not (severe or poverty) and age >= 60 and grade in ["一级", "二级"] and has_category("精神")'
    )
    assert compile_rule("severe or poverty and autism", SCHEMA).normalized == "severe or poverty and autism"
    assert compile_rule("(severe or poverty) and autism", SCHEMA).normalized == "(severe or poverty) and autism"
    assert compile_rule("not not severe", SCHEMA).normalized == "not not severe"
    assert compile_rule("per_capita_income < 800.50", SCHEMA).normalized == "per_capita_income < 800.50"


def test_compiling_is_cached_per_text_and_schema():
    text = 'age >= 60 and low_income in ["低保", "特困"] and certificate_valid'
    first = compile_rule(text, SCHEMA)
    assert compile_rule(text, SCHEMA) is first
    other_schema = make_schema()
    again = compile_rule(text, other_schema)
    assert again is not first and again == first
    started = time.perf_counter()
    for _ in range(1000):
        compile_rule(text, SCHEMA)
    assert time.perf_counter() - started < 0.5  # a cache hit is a dictionary lookup


def test_only_text_compiles():
    with pytest.raises(TypeError):
        compile_rule(b"age > 1", SCHEMA)  # type: ignore[arg-type]
