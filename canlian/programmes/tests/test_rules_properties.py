"""Property tests: one rule, two uses, one answer.

For random persons and random rules (generated as text in every accepted spelling), the compiled rule's
evaluate(), its explanation's verdict and a reference reading of its Q over the same facts agree, and the
canonical text compiles back to an equal rule. (Random *invalid* text is fuzzed in test_rules_safety.py; the
same rules run as SQL in test_rules_database.py.)
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from canlian.programmes.rules import compile_rule
from canlian.programmes.tests import qeval
from canlian.programmes.tests.schema import SCHEMA
from canlian.programmes.tests.strategies import contexts, persons, rules

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(text=rules(), person=persons, ctx=contexts)
def test_evaluate_explain_and_q_agree(text, person, ctx):
    rule = compile_rule(text, SCHEMA)
    selected = qeval.selects(rule.to_q(ctx), person)
    assert rule.evaluate(person, ctx) == selected
    explanation = rule.explain(person, ctx)
    assert explanation.eligible == selected
    for check in explanation.checks:
        assert check.sentence.startswith("符合：" if check.passed else "不符合：")
        assert check.source in text
    assert all(check.passed == selected for check in explanation.checks if check.decisive)
    assert explanation.reasons


@SETTINGS
@given(text=rules())
def test_canonical_text_compiles_to_an_equal_rule(text):
    rule = compile_rule(text, SCHEMA)
    again = compile_rule(rule.normalized, SCHEMA)
    assert again == rule
    assert again.normalized == rule.normalized
