"""Tokenizer and parser: what the language accepts, and where and how it refuses the rest."""

from __future__ import annotations

from decimal import Decimal

import pytest

from canlian.programmes.rules import ErrorKind, Op, RuleSyntaxError
from canlian.programmes.rules import syntax as s
from canlian.programmes.rules.lexer import MAX_LENGTH, Kind, tokenize
from canlian.programmes.rules.parser import MAX_DEPTH, parse


def kinds(text: str) -> list[tuple[Kind, object]]:
    return [(t.kind, t.value) for t in tokenize(text)][:-1]


def refused(text: str) -> RuleSyntaxError:
    with pytest.raises(RuleSyntaxError) as caught:
        parse(text)
    return caught.value


def test_tokens_of_an_ascii_rule():
    assert kinds('age >= 60 and grade in [1, 2] or not x != "a" # comment') == [
        (Kind.NAME, "age"),
        (Kind.OP, Op.GE),
        (Kind.INT, 60),
        (Kind.AND, None),
        (Kind.NAME, "grade"),
        (Kind.IN, None),
        (Kind.LBRACKET, None),
        (Kind.INT, 1),
        (Kind.COMMA, None),
        (Kind.INT, 2),
        (Kind.RBRACKET, None),
        (Kind.OR, None),
        (Kind.NOT, None),
        (Kind.NAME, "x"),
        (Kind.OP, Op.NE),
        (Kind.STRING, "a"),
    ]


def test_what_a_chinese_input_method_types_means_the_same():
    assert kinds("ａｇｅ＞＝６０且（x 属于【１、２】或非y）") == kinds("age >= 60 and (x in [1, 2] or not y)")
    assert kinds("x≥1 且 y≤2 且 z≠3 且 w《4 且 v》5 且 u＝6") == kinds(
        "x >= 1 and y <= 2 and z != 3 and w < 4 and v > 5 and u == 6"
    )
    assert [kind for kind, _value in kinds("x 不属于 [1] 并且 y 或者 z")] == [
        Kind.NAME, Kind.NOT_IN, Kind.LBRACKET, Kind.INT, Kind.RBRACKET, Kind.AND, Kind.NAME, Kind.OR, Kind.NAME
    ]
    assert kinds("AND And aNd TRUE False") == [(Kind.AND, None)] * 3 + [(Kind.TRUE, None), (Kind.FALSE, None)]


QUOTED = ['"低保"', "'低保'", "“低保”", "”低保“", "‘低保’", "「低保」", "『低保』", "＂低保＂"]


@pytest.mark.parametrize("quoted", QUOTED)
def test_every_kind_of_quote_delimits_text(quoted):
    assert kinds(quoted) == [(Kind.STRING, "低保")]


def test_numbers_and_negative_numbers():
    assert kinds("7 0.5 1234.50") == [(Kind.INT, 7), (Kind.DECIMAL, Decimal("0.5")), (Kind.DECIMAL, Decimal("1234.50"))]
    assert parse("x > -5") == s.Comparison(0, 6, (s.Name(0, 1, "x", True), s.Literal(4, 6, -5)), ((Op.GT, 2, 3),))
    assert parse("x > - 1.5").operands[1].value == Decimal("-1.5")


def test_words_stop_at_chinese_keywords():
    assert kinds("年龄且非低保或者等级") == [
        (Kind.WORD, "年龄"),
        (Kind.AND, None),
        (Kind.NOT, None),
        (Kind.WORD, "低保"),
        (Kind.OR, None),
        (Kind.WORD, "等级"),
    ]
    assert kinds("年龄age") == [(Kind.WORD, "年龄"), (Kind.NAME, "age")]


def test_precedence_or_below_and_below_not_below_comparison():
    tree = parse("a or b and not c == 1")
    assert isinstance(tree, s.Or)
    left, right = tree.operands
    assert left == s.Name(0, 1, "a", True)
    assert isinstance(right, s.And)
    assert isinstance(right.operands[1], s.Not)
    assert isinstance(right.operands[1].operand, s.Comparison)


def test_parentheses_group_and_chains_compare_pairwise():
    tree = parse("(a or b) and c")
    assert isinstance(tree, s.And) and isinstance(tree.operands[0], s.Or)
    chain = parse("1 <= grade < 3")
    assert isinstance(chain, s.Comparison)
    assert [op for op, _start, _end in chain.ops] == [Op.LE, Op.LT]


def test_calls_lists_and_trailing_commas():
    call = parse('f("a", 2,)')
    assert call == s.Call(0, 10, "f", True, 1, (s.Literal(2, 5, "a"), s.Literal(7, 8, 2)))
    assert parse("f()") == s.Call(0, 3, "f", True, 1, ())
    assert parse("x in []").operands[1] == s.ListLiteral(5, 7, ())
    assert parse("x not in [1,]").ops[0][0] is Op.NOT_IN


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("", 1, 1, "规则为空"),
        ("# 只有注释\n", 1, 1, "规则为空"),
        ("age >=", 1, 5, "“>=”后面还缺少内容"),
        ("age >= 60 and", 1, 11, "“and”后面还缺少内容"),
        ("(age >= 60", 1, 11, "缺少右括号“)”，与第 1 行第 1 列的“(”对应"),
        ("x in [1, 2", 1, 11, "缺少右括号“]”"),
        ("age >= 60)", 1, 10, "多余的“)”"),
        ("age >= 60 grade <= 2", 1, 11, "多余的内容“grade”：两个条件之间是否缺少 and（且）或 or（或）？"),
        ("and x", 1, 1, "“and”前面缺少内容"),
        (">= 60", 1, 1, "“>=”前面缺少内容"),
        ("x in [, 1]", 1, 7, "“,”前面缺少内容"),
        ("x > -", 1, 5, "负号"),
        ("x > - y", 1, 5, "负号"),
        ("x.y", 1, 2, "不能使用“.”"),
        ("x.__class__", 1, 2, "不能使用“.”"),
        ("!x", 1, 1, "取反请写 not 或 非"),
        ("a && b", 1, 3, "“&&”不是运算符"),
        ("a || b", 1, 3, "“||”不是运算符"),
        ("a @ b", 1, 3, "无法识别的字符“@”（U+0040）"),
        ("a\n  and b ;", 2, 9, "无法识别的字符“;”"),
        ('x == "abc', 1, 6, "缺少结尾的引号"),
        ('x == "ab\nc"', 1, 6, "缺少结尾的引号"),
        ("x == 1.", 1, 7, "小数点后缺少数字"),
        ("x == " + "9" * 31, 1, 6, "数字过长"),
        ("x == \x00", 1, 6, "U+0000"),
        ("x = 1 )", 1, 7, "多余的“)”"),
        ("x == )", 1, 6, "多余的“)”"),
        ("x == not y", 1, 6, "“not”的位置应为条件、字段或值"),
    ],
)
def test_malformed_rules_are_refused_with_their_position(text, line, column, fragment):
    error = refused(text)
    assert (error.line, error.column) == (line, column)
    assert fragment in error.message
    assert error.kind is ErrorKind.SYNTAX
    assert str(error) == f"第 {line} 行第 {column} 列：{error.message}"


def test_nesting_and_length_are_bounded():
    deep = "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1)
    assert refused(deep).kind is ErrorKind.TOO_LONG
    assert isinstance(parse("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH), s.Name)
    assert refused("not " * 5000 + "x").kind is ErrorKind.TOO_LONG
    assert refused("[" * 5000).kind is ErrorKind.TOO_LONG
    error = refused("x or " * (MAX_LENGTH // 5) + "x")
    assert error.kind is ErrorKind.TOO_LONG and "最多 10000 个字符" in error.message


def test_excerpt_puts_the_caret_under_the_offending_text_even_after_chinese():
    error = refused("age >= 60 且 等级 > 1 grade")
    assert error.excerpt == "age >= 60 且 等级 > 1 grade\n" + "          \u3000 \u3000\u3000     ^^^^^"
    tabbed = refused("\tx ;")
    assert tabbed.excerpt == "\tx ;\n\t  ^"
    wide = refused("x == 「abc")  # 「 is full-width: two carets
    assert wide.excerpt.splitlines()[1] == "     ^^^^^"


def test_excerpt_shows_only_the_offending_line():
    error = refused("age >= 60\nand\ngrade <= 2 )")
    assert error.line == 3
    assert error.excerpt == "grade <= 2 )\n           ^"
    assert error.as_dict() == {
        "kind": "syntax",
        "message": error.message,
        "line": 3,
        "column": 12,
        "length": 1,
        "excerpt": error.excerpt,
    }


def test_excerpt_replaces_control_characters():
    error = refused("x == \x07")
    assert error.excerpt == "x == \ufffd\n     ^"
