"""The eligibility-rule language: a small, safe expression language that an administrator edits per year.

    rule = compile_rule('age >= 60 且 low_income in ["低保", "特困"]', schema)
    Person.objects.filter(rule.to_q(RuleContext.on(date(2025, 3, 1))))   # everybody, one query
    rule.explain(facts, ctx).reasons                                      # one person, in Chinese

The language is tokenized and parsed here (no eval, exec or compile of the text); names resolve only
against the RuleSchema passed in. See docs/rules.md for the language and docs/decisions/0009-rule-language.md
for why it looks the way it does.
"""

from canlian.programmes.rules.compiler import CompiledRule, compile_rule
from canlian.programmes.rules.errors import ErrorKind, RuleSyntaxError
from canlian.programmes.rules.explain import Check, Explanation, Group, GroupKind
from canlian.programmes.rules.fields import (
    AgeField,
    ColumnField,
    ColumnFlag,
    Facts,
    Field,
    Flag,
    Function,
    Param,
    ReferenceEntry,
    RuleContext,
    RuleSchema,
    age_on_function,
)
from canlian.programmes.rules.types import Choice, DateType, DecimalType, EnumType, IntType, Op, Value, ValueType

__all__ = [
    "AgeField",
    "Check",
    "Choice",
    "ColumnField",
    "ColumnFlag",
    "CompiledRule",
    "DateType",
    "DecimalType",
    "EnumType",
    "ErrorKind",
    "Explanation",
    "Facts",
    "Field",
    "Flag",
    "Function",
    "Group",
    "GroupKind",
    "IntType",
    "Op",
    "Param",
    "ReferenceEntry",
    "RuleContext",
    "RuleSchema",
    "RuleSyntaxError",
    "Value",
    "ValueType",
    "age_on_function",
    "compile_rule",
]
