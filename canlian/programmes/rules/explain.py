"""Why one person does or does not qualify, condition by condition, in sentences a clerk can read out.

Every leaf condition is evaluated and reported with pass/fail and a Chinese sentence:

    不符合：年龄 45 岁，要求 ≥ 60 岁
    符合：残疾等级 一级（要求 一级、二级）
    不符合：当前享受 工伤护理费（本项目不可同时享受）

``not`` is pushed down to the leaves first (not (a and b) reads as “a fails or b fails”), so each sentence
states what the rule actually asks of that condition. The tree then marks which checks *decided* the
verdict, with short-circuit reading: a passing “or” is decided by its first passing alternative (the others
did not matter); a failing “or” by all its alternatives, each of which failed; a failing “and” by each
failing part. The checks that decided are the `reasons`; the others are kept and marked as not deciding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from canlian.programmes.rules.conditions import AllOf, AnyOf, Compare, Condition, FlagHolds, Not, compare
from canlian.programmes.rules.errors import position
from canlian.programmes.rules.fields import Facts, Field, RuleContext
from canlian.programmes.rules.types import EnumType, Op, Value

PASSED = _("符合：%(fact)s（要求 %(requirement)s）")
FAILED = _("不符合：%(fact)s，要求 %(requirement)s")
PASSED_UNKNOWN = _("符合：%(fact)s（要求不满足“%(requirement)s”）")
FLAG_PASSED = _("符合：%(fact)s")
FLAG_FAILED = _("不符合：%(fact)s（%(demand)s）")
FACT = _("%(label)s %(value)s")
NOT_VALUE = _("不是 %(values)s")
ALL_PASSED = _("以下条件须全部满足（均已满足）")
ALL_FAILED = _("以下条件须全部满足（%(count)d 项不符合）")
ANY_PASSED = _("以下条件满足其一即可（已满足）")
ANY_FAILED = _("以下条件满足其一即可（均不符合）")
ELIGIBLE = _("符合条件")
NOT_ELIGIBLE = _("不符合条件")
NOT_DECISIVE = _("（不影响结论）")

_SYMBOLS = {Op.EQ: "=", Op.NE: "≠", Op.LT: "<", Op.LE: "≤", Op.GT: ">", Op.GE: "≥"}


class GroupKind(StrEnum):
    """A group of checks: all must pass, or one is enough."""

    ALL = "all"
    ANY = "any"


@dataclass(frozen=True)
class Check:
    """One leaf condition: as written (`source`, `line`, `column`), whether it passed, and why in Chinese.

    `decisive` is False for a check whose result did not matter (an alternative of an “or” that another
    alternative already satisfied).
    """

    source: str
    line: int
    column: int
    passed: bool
    decisive: bool
    sentence: str


@dataclass(frozen=True)
class Group:
    """Checks (or groups) of which all must pass (ALL) or one is enough (ANY)."""

    kind: GroupKind
    passed: bool
    decisive: bool
    children: tuple[Check | Group, ...]

    @property
    def heading(self) -> str:
        """The group's line in an outline: “以下条件满足其一即可（均不符合）”."""
        if self.kind is GroupKind.ALL:
            failed = sum(not child.passed for child in self.children)
            return str(ALL_PASSED) if self.passed else str(ALL_FAILED % {"count": failed})
        return str(ANY_PASSED if self.passed else ANY_FAILED)


Step = Check | Group


@dataclass(frozen=True)
class Explanation:
    """The verdict for one person and the tree of checks behind it."""

    eligible: bool
    root: Step

    @property
    def checks(self) -> tuple[Check, ...]:
        """Every leaf check, in the order the rule states them."""
        return tuple(_leaves(self.root))

    @property
    def reasons(self) -> tuple[str, ...]:
        """The sentences of the checks that decided the verdict (the failures, for someone refused)."""
        return tuple(check.sentence for check in self.checks if check.decisive)

    @property
    def summary(self) -> str:
        """符合条件 / 不符合条件."""
        return str(ELIGIBLE if self.eligible else NOT_ELIGIBLE)

    def outline(self) -> list[str]:
        """The explanation as indented lines of plain text (for audit messages, exports, the shell)."""
        lines = [self.summary]
        _outline(self.root, 1, lines)
        return lines


def explain(condition: Condition, source: str, facts: Facts, ctx: RuleContext) -> Explanation:
    """Evaluate every leaf of `condition` for one person and explain the verdict (see the module docstring)."""
    root = _mark(_step(condition, source, facts, ctx, positive=True), decisive=True)
    return Explanation(eligible=root.passed, root=root)


def _step(condition: Condition, source: str, facts: Facts, ctx: RuleContext, *, positive: bool) -> Step:
    """The explanation tree of `condition` read with polarity `positive` (False under an odd number of nots)."""
    if isinstance(condition, Not):
        return _step(condition.operand, source, facts, ctx, positive=not positive)
    if isinstance(condition, AllOf | AnyOf):
        children = tuple(_step(operand, source, facts, ctx, positive=positive) for operand in condition.operands)
        kind = GroupKind.ALL if isinstance(condition, AllOf) == positive else GroupKind.ANY
        passed = all(c.passed for c in children) if kind is GroupKind.ALL else any(c.passed for c in children)
        return Group(kind, passed, decisive=False, children=children)
    if isinstance(condition, Compare):
        passed, sentence = _compare_sentence(condition, facts, ctx, positive=positive)
        span = condition.span
    elif isinstance(condition, FlagHolds):
        holds = condition.holds(facts, ctx)
        passed = holds == positive
        fact = condition.flag.fact(holds, ctx)
        if passed:
            sentence = str(FLAG_PASSED % {"fact": fact})
        else:
            sentence = str(FLAG_FAILED % {"fact": fact, "demand": condition.flag.demand(positive, ctx)})
        span = condition.span
    else:
        raise TypeError(f"unexpected condition {condition!r}")
    line, column = position(source, span[0])
    return Check(source[span[0] : span[1]], line, column, passed, decisive=False, sentence=sentence)


def _compare_sentence(condition: Compare, facts: Facts, ctx: RuleContext, *, positive: bool) -> tuple[bool, str]:
    """Whether a comparison passed (with its polarity) and the sentence that says so."""
    field = condition.value_field
    actual = field.evaluate(facts, ctx)
    holds = compare(condition.op, actual, condition.value)
    passed = holds == positive
    fact = str(FACT % {"label": field.label, "value": field.describe(actual)})
    if actual is None and passed:  # only under a not: an unknown value does not meet the negated condition
        requirement = _requirement(field, condition.op, condition.value)
        return passed, str(PASSED_UNKNOWN % {"fact": fact, "requirement": requirement})
    op = condition.op if positive else condition.op.negated
    requirement = _requirement(field, op, condition.value)
    return passed, str((PASSED if passed else FAILED) % {"fact": fact, "requirement": requirement})


def _requirement(field: Field, op: Op, value: Value | tuple[Value, ...]) -> str:
    """What the condition asks, for the sentence: “≥ 60 岁”, “一级、二级”, “不是 精神”."""
    values = value if isinstance(value, tuple) else (value,)
    unit = str(field.unit)
    listed = "、".join(field.type.display(v) for v in values) + (f" {unit}" if unit else "")
    if op in (Op.NE, Op.NOT_IN) and (op is Op.NOT_IN or isinstance(field.type, EnumType)):
        return str(NOT_VALUE % {"values": listed})
    if op is Op.IN or (op is Op.EQ and isinstance(field.type, EnumType)):
        return listed
    return f"{_SYMBOLS[op]} {listed}"


def _mark(step: Step, *, decisive: bool) -> Step:
    """The step with `decisive` set on it and, by the short-circuit reading, on its descendants."""
    if isinstance(step, Check):
        return replace(step, decisive=decisive)
    if step.kind is GroupKind.ANY and step.passed:
        first = next(i for i, child in enumerate(step.children) if child.passed)
        chosen = {first}
    elif step.kind is GroupKind.ALL and not step.passed:
        chosen = {i for i, child in enumerate(step.children) if not child.passed}
    else:  # every part was needed for a passing ALL, and every alternative failed for a failing ANY
        chosen = set(range(len(step.children)))
    children = tuple(_mark(child, decisive=decisive and i in chosen) for i, child in enumerate(step.children))
    return replace(step, decisive=decisive, children=children)


def _leaves(step: Step) -> list[Check]:
    if isinstance(step, Check):
        return [step]
    return [leaf for child in step.children for leaf in _leaves(child)]


def _outline(step: Step, depth: int, lines: list[str]) -> None:
    indent = "  " * depth
    if isinstance(step, Check):
        mark = "✓" if step.passed else "✗"
        lines.append(f"{indent}{mark} {step.sentence}{'' if step.decisive else NOT_DECISIVE}")
        return
    lines.append(f"{indent}{step.heading}：")
    for child in step.children:
        _outline(child, depth + 1, lines)
