"""Explanations: every check with pass/fail and a Chinese sentence, and which checks decided the verdict."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from canlian.programmes.rules import Check, Group, GroupKind, RuleContext, compile_rule
from canlian.programmes.tests.schema import SCHEMA

CTX = RuleContext.on(date(2025, 3, 1))


def person(**facts):
    base = {
        "birth_date": date(1980, 5, 1),  # 44 on 2025-03-01
        "grade": 1,
        "category": 6,
        "components": [],
        "hukou": "urban",
        "low_income": "none",
        "life_status": "alive",
        "certificate_expires": date(2030, 1, 1),
        "household_certified_count": 1,
        "per_capita_income": Decimal("850.00"),
        "poverty": False,
        "wheelchair": None,
        "lower_limb": False,
        "long_term_care": True,
        "autism": False,
        "low_income_periods": [{"status": "dibao", "start": date(2024, 1, 1), "end": None}],
        "enrolments": [{"programme": "GS", "start": date(2024, 1, 1), "end": None}],
    }
    return base | facts


def explain(text, **facts):
    return compile_rule(text, SCHEMA).explain(person(**facts), CTX)


def sentences(text, **facts):
    return [check.sentence for check in explain(text, **facts).checks]


def test_the_sentences_of_the_brief():
    explanation = explain('age >= 60 and grade in [1, 2] and not enrolled("GS")')
    assert not explanation.eligible
    assert [c.sentence for c in explanation.checks] == [
        "不符合：年龄 44 岁，要求 ≥ 60 岁",
        "符合：残疾等级 一级（要求 一级、二级）",
        "不符合：当前享受 工伤护理费（本项目不可同时享受）",
    ]
    assert explanation.reasons == (
        "不符合：年龄 44 岁，要求 ≥ 60 岁",
        "不符合：当前享受 工伤护理费（本项目不可同时享受）",
    )


def test_checks_quote_the_rule_as_written_with_their_position():
    explanation = explain("severe\n  且 age ≥ 60 # 老年")
    first, second = explanation.checks
    assert (first.source, first.line, first.column) == ("severe", 1, 1)
    assert (second.source, second.line, second.column) == ("age ≥ 60", 2, 5)


def test_a_failing_or_lists_every_alternative_that_failed():
    explanation = explain('low_income in ["低保", "特困"] or poverty or low_income_on("特困", "2025-01-01")')
    assert not explanation.eligible
    assert explanation.root == Group(
        GroupKind.ANY,
        passed=False,
        decisive=True,
        children=(
            Check('low_income in ["低保", "特困"]', 1, 1, False, True, "不符合：低保等状态 无，要求 低保、特困"),
            Check("poverty", 1, 31, False, True, "不符合：不属于脱贫人口（要求属于脱贫人口）"),
            Check(
                'low_income_on("特困", "2025-01-01")',
                1,
                42,
                False,
                True,
                "不符合：在 2025-01-01 未处于特困（要求在 2025-01-01 处于特困）",
            ),
        ),
    )
    assert explanation.root.heading == "以下条件满足其一即可（均不符合）"


def test_a_passing_or_is_decided_by_its_first_passing_alternative():
    explanation = explain('poverty or low_income_on("低保", "2025-01-01") or severe')
    assert explanation.eligible
    assert [(c.passed, c.decisive) for c in explanation.checks] == [(False, False), (True, True), (True, False)]
    assert explanation.reasons == ("符合：在 2025-01-01 处于低保",)
    assert explanation.outline() == [
        "符合条件",
        "  以下条件满足其一即可（已满足）：",
        "    ✗ 不符合：不属于脱贫人口（要求属于脱贫人口）（不影响结论）",
        "    ✓ 符合：在 2025-01-01 处于低保",
        "    ✓ 符合：重度残疾（一级或二级）（不影响结论）",
    ]


def test_a_failing_and_is_decided_by_each_failing_part():
    explanation = explain("severe and (poverty or autism) and age >= 60")
    assert [(c.passed, c.decisive) for c in explanation.checks] == [
        (True, False),
        (False, True),
        (False, True),
        (False, True),
    ]
    assert explanation.outline() == [
        "不符合条件",
        "  以下条件须全部满足（2 项不符合）：",
        "    ✓ 符合：重度残疾（一级或二级）（不影响结论）",
        "    以下条件满足其一即可（均不符合）：",
        "      ✗ 不符合：不属于脱贫人口（要求属于脱贫人口）",
        "      ✗ 不符合：非孤独症（要求孤独症）",
        "    ✗ 不符合：年龄 44 岁，要求 ≥ 60 岁",
    ]


def test_not_is_pushed_down_to_the_checks():
    explanation = explain("not (age >= 60 and severe)")
    assert explanation.eligible
    assert isinstance(explanation.root, Group) and explanation.root.kind is GroupKind.ANY
    assert [c.sentence for c in explanation.checks] == [
        "符合：年龄 44 岁（要求 < 60 岁）",
        "不符合：重度残疾（一级或二级）（要求非重度残疾（三级、四级或未登记））",
    ]
    refused = explain("not (severe or age < 60)")
    assert isinstance(refused.root, Group) and refused.root.kind is GroupKind.ALL
    assert refused.reasons == (
        "不符合：重度残疾（一级或二级）（要求非重度残疾（三级、四级或未登记））",
        "不符合：年龄 44 岁，要求 ≥ 60 岁",
    )
    assert sentences("not not severe") == ["符合：重度残疾（一级或二级）"]


def test_requirements_read_naturally_for_each_operator():
    assert sentences('category != "精神"') == ["不符合：残疾类别 精神，要求 不是 精神"]
    assert sentences('category not in ["精神", "智力"]') == ["不符合：残疾类别 精神，要求 不是 精神、智力"]
    assert sentences('not category in ["智力"]') == ["符合：残疾类别 精神（要求 不是 智力）"]
    assert sentences('hukou == "农村"') == ["不符合：户口类型 城镇，要求 农村"]
    assert sentences("household_certified_count >= 2") == ["不符合：本户持证人数 1 人，要求 ≥ 2 人"]
    assert sentences("household_certified_count != 1") == ["不符合：本户持证人数 1 人，要求 ≠ 1 人"]
    assert sentences("age in [3, 4, 5]") == ["不符合：年龄 44 岁，要求 3、4、5 岁"]
    assert sentences("age == 44") == ["符合：年龄 44 岁（要求 = 44 岁）"]
    assert sentences("per_capita_income <= 800") == ["不符合：家庭人均月收入 850.00 元，要求 ≤ 800 元"]
    assert sentences("grade > 2") == ["不符合：残疾等级 一级，要求 > 二级"]
    assert sentences('certificate_expires < "2026-01-01"') == ["不符合：残疾人证有效期至 2030-01-01，要求 < 2026-01-01"]
    assert sentences('age_on("2025-01-01") < 7') == ["不符合：2025-01-01 时的年龄 44 岁，要求 < 7 岁"]
    assert sentences("certificate_valid") == ["符合：残疾人证在 2025-03-01 有效"]
    assert sentences("has_category(6)") == ["符合：残疾类别包括 精神"]
    assert sentences("not has_category(6)") == ["不符合：残疾类别包括 精神（要求残疾类别不包括 精神）"]
    assert sentences('enrolled("R1")') == [
        "不符合：当前未享受 困难精神残疾人药费补助（要求正在享受 困难精神残疾人药费补助）"
    ]
    assert sentences('enrolled_in_year("GS", 2024)') == ["符合：在 2024 年享受过 工伤护理费"]


def test_unknown_values_fail_every_comparison_but_pass_its_negation():
    assert sentences("age >= 60", birth_date=None) == ["不符合：年龄 未登记，要求 ≥ 60 岁"]
    assert sentences("age != 60", birth_date=None) == ["不符合：年龄 未登记，要求 ≠ 60 岁"]
    assert sentences("grade not in [1]", grade=None) == ["不符合：残疾等级 未登记，要求 不是 一级"]
    assert sentences("not age >= 60", birth_date=None) == ["符合：年龄 未登记（要求不满足“≥ 60 岁”）"]
    assert explain("not age >= 60", birth_date=None).eligible
    assert sentences("severe", grade=None) == ["不符合：非重度残疾（三级、四级或未登记）（要求重度残疾（一级或二级））"]


def test_a_rule_of_one_check():
    explanation = explain("severe")
    assert explanation.root == Check("severe", 1, 1, True, True, "符合：重度残疾（一级或二级）")
    assert explanation.summary == "符合条件"
    assert explanation.outline() == ["符合条件", "  ✓ 符合：重度残疾（一级或二级）"]


def test_chain_comparisons_explain_each_link():
    assert sentences("2 <= grade <= 3") == ["不符合：残疾等级 一级，要求 ≥ 二级", "符合：残疾等级 一级（要求 ≤ 三级）"]


def test_evaluate_agrees_with_explain():
    rule = compile_rule("severe and not enrolled('GS') or age < 50", SCHEMA)
    facts = person()
    assert rule.evaluate(facts, CTX) is True
    assert rule.explain(facts, CTX).eligible is True
