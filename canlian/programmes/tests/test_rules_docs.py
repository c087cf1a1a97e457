"""docs/rules.md stays true: its rules compile, its errors are the errors, its tables list the schema."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from canlian.programmes.rules import RuleContext, RuleSyntaxError, compile_rule
from canlian.programmes.tests.schema import SCHEMA
from canlian.programmes.tests.test_rules_explain import person

DOC = (Path(__file__).resolve().parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\S*)\n(.*?)```", DOC, flags=re.DOTALL)
RULES = [body for lang, body in BLOCKS if lang == "rule"]
ERRORS = [(body, BLOCKS[i + 1][1]) for i, (lang, body) in enumerate(BLOCKS) if lang == "rule-error"]


@pytest.mark.parametrize("text", RULES)
def test_every_example_rule_compiles(text):
    rule = compile_rule(text, SCHEMA)
    assert compile_rule(rule.normalized, SCHEMA) == rule


def test_the_documentation_has_examples_for_every_programme_of_the_brief():
    assert len(RULES) >= 12
    programmes = ("困难精神残疾人药费补助", "机动轮椅车燃油补贴", "困难老年残疾人生活救助", "一户多残", "两项补贴")
    for programme in (*programmes, "残疾儿童康复救助"):
        assert f"**{programme}" in DOC


@pytest.mark.parametrize(("text", "shown"), ERRORS)
def test_documented_errors_are_the_real_errors(text, shown):
    with pytest.raises(RuleSyntaxError) as caught:
        compile_rule(text.rstrip("\n"), SCHEMA)
    first, *excerpt = shown.rstrip("\n").split("\n")
    assert str(caught.value).startswith(first.removesuffix("…"))
    assert "\n".join(excerpt) == caught.value.excerpt


def test_the_documented_explanation_is_the_real_one():
    text = next(body for body in RULES if body.startswith("# 困难老年残疾人生活救助"))
    outline = compile_rule(text, SCHEMA).explain(person(), RuleContext.on(date(2025, 3, 1))).outline()
    assert "```text\n" + "\n".join(outline) + "\n```" in DOC


def test_every_field_and_function_is_documented_with_its_label():
    for entry in SCHEMA.reference():
        assert re.search(rf"\| `{re.escape(entry.name)}` \| {re.escape(entry.label)} \|", DOC), entry.name
