"""The compiled condition tree: checked against a schema, bound to its fields, ready to query or to test.

Each node answers three questions in the same way: ``to_q(ctx)`` (who, in the whole registry),
``holds(facts, ctx)`` (does this person qualify) and ``format()`` (the condition as canonical rule text).

Semantics, shared by both answers and checked by the property tests: a comparison with an unknown value is
false whatever the operator; ``not`` is the exact complement; ``and``/``or`` are the usual ones. Nodes
compare equal when they mean the same thing, whatever spacing, comments or keyword spelling produced them.
"""

from __future__ import annotations

import operator
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from typing import Any, Final

from django.db.models import Exists, Q, QuerySet, Subquery
from django.db.models.expressions import BaseExpression

from canlian.programmes.rules.fields import Facts, Field, Flag, RuleContext
from canlian.programmes.rules.types import Op, Value

_COMPARE: Final[dict[Op, Callable[[Any, Any], bool]]] = {
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
    Op.LT: operator.lt,
    Op.LE: operator.le,
    Op.GT: operator.gt,
    Op.GE: operator.ge,
    Op.IN: lambda actual, values: actual in values,
    Op.NOT_IN: lambda actual, values: actual not in values,
}


def compare(op: Op, actual: Value | None, expected: Value | tuple[Value, ...]) -> bool:
    """`actual op expected` as rules mean it: false whenever the actual value is unknown."""
    return actual is not None and _COMPARE[op](actual, expected)


@dataclass(frozen=True)
class Subject:
    """What a leaf is about: a field, or a function with its arguments, bound to the schema's binding."""

    name: str
    args: tuple[Value, ...]
    text: str = field(compare=False)  # canonical source: age_on("2025-01-01")
    binding: Field | Flag = field(compare=False, repr=False)


class Condition(ABC):
    """A node of the compiled tree."""

    precedence: int  # for format(): 1 or, 2 and, 3 not, 4 a single condition

    @abstractmethod
    def to_q(self, ctx: RuleContext) -> Q:
        """The people in the registry who meet the condition."""

    @abstractmethod
    def holds(self, facts: Facts, ctx: RuleContext) -> bool:
        """Whether the person with these facts meets the condition."""

    @abstractmethod
    def format(self) -> str:
        """The condition as canonical rule text (compiling it again gives an equal condition)."""

    def nested(self, precedence: int) -> str:
        """format(), in parentheses when this node binds less tightly than `precedence`."""
        text = self.format()
        return f"({text})" if self.precedence < precedence else text


@dataclass(frozen=True)
class Compare(Condition):
    """`field op value` (value is a tuple for in / not in); `span` is where it was written."""

    subject: Subject
    op: Op
    value: Value | tuple[Value, ...]
    span: tuple[int, int] = field(default=(0, 0), compare=False)
    precedence = 4

    @property
    def value_field(self) -> Field:
        """The bound value field (the compiler only builds a Compare on a Field)."""
        binding = self.subject.binding
        if not isinstance(binding, Field):
            raise TypeError(f"{self.subject.name} is not a value field")
        return binding

    def to_q(self, ctx: RuleContext) -> Q:
        return self.value_field.to_q(self.op, self.value, ctx)

    def holds(self, facts: Facts, ctx: RuleContext) -> bool:
        return compare(self.op, self.value_field.evaluate(facts, ctx), self.value)

    def format(self) -> str:
        source = self.value_field.type.source
        values = self.value if isinstance(self.value, tuple) else None
        value = source(self.value) if values is None else f"[{', '.join(source(v) for v in values)}]"
        return f"{self.subject.text} {self.op} {value}"


@dataclass(frozen=True)
class FlagHolds(Condition):
    """A yes/no fact used as a condition: `severe`, `enrolled("R1")`."""

    subject: Subject
    span: tuple[int, int] = field(default=(0, 0), compare=False)
    precedence = 4

    @property
    def flag(self) -> Flag:
        """The bound flag (the compiler only builds a FlagHolds on a Flag)."""
        binding = self.subject.binding
        if not isinstance(binding, Flag):
            raise TypeError(f"{self.subject.name} is not a yes/no field")
        return binding

    def to_q(self, ctx: RuleContext) -> Q:
        return self.flag.to_q(ctx)

    def holds(self, facts: Facts, ctx: RuleContext) -> bool:
        return self.flag.evaluate(facts, ctx) is True

    def format(self) -> str:
        return self.subject.text


@dataclass(frozen=True)
class Not(Condition):
    """The exact complement of its operand."""

    operand: Condition
    precedence = 3

    def to_q(self, ctx: RuleContext) -> Q:
        return ~self.operand.to_q(ctx)

    def holds(self, facts: Facts, ctx: RuleContext) -> bool:
        return not self.operand.holds(facts, ctx)

    def format(self) -> str:
        return f"not {self.operand.nested(3)}"


@dataclass(frozen=True)
class AllOf(Condition):
    """Every operand holds (two or more operands, none of them an AllOf)."""

    operands: tuple[Condition, ...]
    precedence = 2

    def to_q(self, ctx: RuleContext) -> Q:
        # cheapest first: SQLite tests the terms of a WHERE in the order written, so a per-row subquery (a
        # household count, an Exists over certificates) then runs only for the rows the column tests kept
        # for the rows the column tests kept. An operand that is itself a conjunction (has_category's cheap
        # category test and its Exists) is spread among the others, so its cheap part goes first too.
        parts = sorted((part for operand in self.operands for part in conjuncts(operand.to_q(ctx))), key=query_cost)
        return reduce(operator.and_, parts)

    def holds(self, facts: Facts, ctx: RuleContext) -> bool:
        return all(operand.holds(facts, ctx) for operand in self.operands)

    def format(self) -> str:
        return " and ".join(operand.nested(3) for operand in self.operands)


@dataclass(frozen=True)
class AnyOf(Condition):
    """At least one operand holds (two or more operands, none of them an AnyOf)."""

    operands: tuple[Condition, ...]
    precedence = 1

    def to_q(self, ctx: RuleContext) -> Q:
        return reduce(operator.or_, (operand.to_q(ctx) for operand in self.operands))

    def holds(self, facts: Facts, ctx: RuleContext) -> bool:
        return any(operand.holds(facts, ctx) for operand in self.operands)

    def format(self) -> str:
        return " or ".join(operand.nested(2) for operand in self.operands)


def conjuncts(q: Q) -> list[Q]:
    """The terms of a Q that is a plain (not negated) AND, each as a Q; [q] for anything else. AND-ing the terms
    again in any order is the same condition."""
    if q.negated or q.connector != Q.AND or len(q.children) < 2:
        return [q]
    return [part for child in q.children for part in conjuncts(child if isinstance(child, Q) else Q(child))]


class RareExists(Exists):
    """A correlated Exists that its binding guards with a column test so that it runs for a few rows only (the
    low-income history of the persons whose status changed after the date): query_cost counts it as 1, with the
    sets computed once, instead of 2."""


def query_cost(node: object) -> int:
    """How much a Q costs per row, roughly: 0 for column tests, 1 for an uncorrelated ``IN (subquery)`` that the
    database computes once (or a RareExists), 2 for a correlated subquery (Exists, Subquery
    with OuterRef) run per row."""
    if isinstance(node, Q):
        return max((query_cost(child) for child in node.children), default=0)
    if isinstance(node, tuple) and len(node) == 2:
        return 1 if isinstance(node[1], QuerySet) else query_cost(node[1])
    if isinstance(node, RareExists):
        return 1
    if isinstance(node, Exists | Subquery):
        return 2
    if isinstance(node, BaseExpression):
        return max((query_cost(e) for e in node.get_source_expressions()), default=0)
    return 0
