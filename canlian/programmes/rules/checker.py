"""From parse tree to compiled conditions: look every name up in the schema and type-check every value.

This is where a rule that parses but makes no sense is refused, each time with the position of the
offending part and a message that says what to write instead: an unknown field (with the closest name and
the list of names), a Chinese label typed where the field name belongs, a function called with the wrong
arguments, a value of the wrong type or outside an enumeration, an operator the field does not support,
a value written without quotes.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Final

from django.utils.translation import gettext_lazy as _

from canlian.programmes.rules import syntax
from canlian.programmes.rules.conditions import AllOf, AnyOf, Compare, Condition, FlagHolds, Not, Subject
from canlian.programmes.rules.errors import ErrorKind, RuleSyntaxError
from canlian.programmes.rules.fields import Field, Flag, Function, RuleSchema
from canlian.programmes.rules.types import LiteralError, Op, Value

MAX_LIST: Final = 200

NOT_A_CONDITION = _("%(text)s 不是条件：条件是一个比较（如 age >= 60）或一个是/否字段（如 severe）")
VALUE_ALONE = _("“%(text)s”（%(label)s）是%(type)s，不能单独作为条件，请与值比较，例如 age >= 60、grade in [1, 2]")
FLAG_COMPARED = _(
    "“%(text)s”（%(label)s）是是/否条件：直接写 %(text)s 或 not %(text)s，或与 true / false 用 == 或 != 比较"
)
OP_NOT_SUPPORTED = _("“%(label)s”是%(type)s，不能用“%(op)s”比较，可用：%(ops)s")
IN_NEEDS_LIST = _("“%(op)s”后面应为方括号中的值列表，例如 [1, 2]")
LIST_NOT_ALLOWED = _("只有 in 和 not in 后面可以写列表，“%(op)s”后面应为单个值")
EMPTY_LIST = _("列表为空：请至少写一个值")
LONG_LIST = _("列表过长（最多 %(limit)d 个值）")
NOT_A_VALUE = _("此处应为具体的值（数字、带引号的文本或 true / false）")
TWO_SUBJECTS = _("不能把“%(left)s”与“%(right)s”比较：比较的一边应为具体的值")
UNQUOTED = _("值“%(text)s”需要加引号，请写作 \"%(text)s\"")
NO_SUBJECT = _("比较的两边都是值：其中一边应为字段或函数，例如 age >= 60")
CONDITION_COMPARED = _("条件不能再与值比较：请检查括号和 and / or 的位置")
IN_LEFT = _("“%(op)s”的左边应为字段或函数，右边为值列表，例如 grade in [1, 2]")
UNKNOWN_FIELD = _("未知字段 %(name)s，可用字段：%(fields)s")
UNKNOWN_FIELD_GUESS = _("未知字段 %(name)s（是否想写 %(guess)s？），可用字段：%(fields)s")
LABEL_AS_NAME = _("字段名请写英文：“%(word)s”请写作 %(name)s")
UNKNOWN_FUNCTION = _("未知函数 %(name)s，可用函数：%(functions)s")
UNKNOWN_FUNCTION_GUESS = _("未知函数 %(name)s（是否想写 %(guess)s？），可用函数：%(functions)s")
FIELD_CALLED = _("%(name)s 是字段，不是函数，后面不能加括号")
FUNCTION_NOT_CALLED = _("%(name)s 是函数，需要写参数：%(signature)s")
ARITY = _("函数 %(name)s 需要 %(expected)d 个参数：%(signature)s，实际写了 %(given)d 个")
ARGUMENT_NOT_VALUE = _("函数 %(name)s 的参数应为具体的值（数字或带引号的文本）")
ARGUMENT_VALUE = _("函数 %(name)s 的第 %(index)d 个参数（%(label)s）：%(reason)s")
FIELD_VALUE = _("%(label)s：%(reason)s")
NO_NAMES = _("（无）")


def check(tree: syntax.Expr, source: str, schema: RuleSchema) -> Condition:
    """The compiled condition for `tree`; raises RuleSyntaxError for anything the schema does not allow."""
    return _Checker(source, schema).condition(tree)


def _is_subject(node: syntax.Expr) -> bool:
    return isinstance(node, syntax.Name | syntax.Call)


def _is_value(node: syntax.Expr) -> bool:
    return isinstance(node, syntax.Literal | syntax.ListLiteral)


class _Checker:
    def __init__(self, source: str, schema: RuleSchema) -> None:
        self.source = source
        self.schema = schema

    def error(self, message: object, node: syntax.Node | tuple[int, int], kind: ErrorKind) -> RuleSyntaxError:
        start, end = (node.start, node.end) if isinstance(node, syntax.Node) else node
        return RuleSyntaxError(str(message), source=self.source, start=start, end=end, kind=kind)

    def text(self, node: syntax.Node) -> str:
        return self.source[node.start : node.end]

    # --- conditions -------------------------------------------------------------------------------------------------

    def condition(self, node: syntax.Expr) -> Condition:
        if isinstance(node, syntax.Or):
            return AnyOf(self.flattened(node.operands, AnyOf))
        if isinstance(node, syntax.And):
            return AllOf(self.flattened(node.operands, AllOf))
        if isinstance(node, syntax.Not):
            return Not(self.condition(node.operand))
        if isinstance(node, syntax.Comparison):
            pairs = [
                self.comparison(node.operands[i], op, (op_start, op_end), node.operands[i + 1])
                for i, (op, op_start, op_end) in enumerate(node.ops)
            ]
            return pairs[0] if len(pairs) == 1 else AllOf(tuple(pairs))
        if isinstance(node, syntax.Name | syntax.Call):
            subject = self.subject(node)
            if isinstance(subject.binding, Flag):
                return FlagHolds(subject, (node.start, node.end))
            binding = subject.binding
            message = VALUE_ALONE % {"text": self.text(node), "label": binding.label, "type": binding.type.label}
            raise self.error(message, node, ErrorKind.TYPE)
        raise self.error(NOT_A_CONDITION % {"text": self.text(node)}, node, ErrorKind.SYNTAX)

    def flattened(self, nodes: Sequence[syntax.Expr], kind: type[AllOf | AnyOf]) -> tuple[Condition, ...]:
        """The operands' conditions, with nested groups of the same kind merged: a and (b and c) is a and b and c."""
        result: list[Condition] = []
        for node in nodes:
            condition = self.condition(node)
            result.extend(condition.operands if isinstance(condition, kind) else (condition,))
        return tuple(result)

    def comparison(
        self, left: syntax.Expr, op: Op, op_span: tuple[int, int], right: syntax.Expr
    ) -> Condition:
        """One link `left op right` of a comparison chain, with the field on the left."""
        span = (left.start, right.end)
        if not (_is_subject(left) or _is_value(left)) or not (_is_subject(right) or _is_value(right)):
            raise self.error(CONDITION_COMPARED, op_span, ErrorKind.SYNTAX)
        if _is_value(left) and _is_subject(right):
            if op in (Op.IN, Op.NOT_IN):
                raise self.error(IN_LEFT % {"op": op}, left, ErrorKind.SYNTAX)
            left, right, op = right, left, op.mirrored
        if not isinstance(left, syntax.Name | syntax.Call):
            raise self.error(NO_SUBJECT, span, ErrorKind.SYNTAX)
        if _is_subject(right):
            raise self.unexpected_subject(left, right)
        subject = self.subject(left)
        binding = subject.binding
        if isinstance(binding, Flag):
            return self.flag_comparison(subject, left, op, right, span)
        if op not in binding.type.ops:
            ops = "、".join(o for o in Op if o in binding.type.ops)
            message = OP_NOT_SUPPORTED % {"label": binding.label, "type": binding.type.label, "op": op, "ops": ops}
            raise self.error(message, op_span, ErrorKind.TYPE)
        if op in (Op.IN, Op.NOT_IN):
            if not isinstance(right, syntax.ListLiteral):
                raise self.error(IN_NEEDS_LIST % {"op": op}, right, ErrorKind.TYPE)
            return Compare(subject, op, self.values(right, binding), span)
        if isinstance(right, syntax.ListLiteral):
            raise self.error(LIST_NOT_ALLOWED % {"op": op}, right, ErrorKind.TYPE)
        return Compare(subject, op, self.value(right, binding), span)

    def flag_comparison(
        self, subject: Subject, node: syntax.Name | syntax.Call, op: Op, right: syntax.Expr, span: tuple[int, int]
    ) -> Condition:
        """flag == true / flag != false (a FlagHolds) and flag == false / flag != true (its negation)."""
        if op not in (Op.EQ, Op.NE) or not isinstance(right, syntax.Literal) or not isinstance(right.value, bool):
            message = FLAG_COMPARED % {"text": self.text(node), "label": subject.binding.label}
            raise self.error(message, span, ErrorKind.TYPE)
        test = FlagHolds(subject, span)
        return test if right.value == (op is Op.EQ) else Not(test)

    def unexpected_subject(self, left: syntax.Expr, right: syntax.Expr) -> RuleSyntaxError:
        """A name where a value belongs: an unquoted value, or a second field."""
        name = right.name.lower() if isinstance(right, syntax.Name) else None
        if name is not None and name not in self.schema.fields and name not in self.schema.functions:
            return self.error(UNQUOTED % {"text": self.text(right)}, right, ErrorKind.SYNTAX)
        message = TWO_SUBJECTS % {"left": self.text(left), "right": self.text(right)}
        return self.error(message, right, ErrorKind.SYNTAX)

    # --- names ---------------------------------------------------------------------------------------------------

    def subject(self, node: syntax.Name | syntax.Call) -> Subject:
        name = node.name.lower()
        if isinstance(node, syntax.Name):
            binding = self.schema.fields.get(name)
            if binding is not None:
                return Subject(name, (), name, binding)
            function = self.schema.functions.get(name)
            if function is not None:
                message = FUNCTION_NOT_CALLED % {"name": name, "signature": function.signature}
                raise self.error(message, node, ErrorKind.ARGUMENTS)
            raise self.unknown_field(node)
        function = self.schema.functions.get(name)
        if function is None:
            if name in self.schema.fields:
                raise self.error(FIELD_CALLED % {"name": name}, node, ErrorKind.SYNTAX)
            raise self.unknown_function(node)
        if len(node.args) != len(function.params):
            message = ARITY % {
                "name": name,
                "expected": len(function.params),
                "signature": function.signature,
                "given": len(node.args),
            }
            raise self.error(message, node, ErrorKind.ARGUMENTS)
        args = tuple(self.argument(function, index, arg) for index, arg in enumerate(node.args))
        text = f"{name}({', '.join(p.type.source(a) for p, a in zip(function.params, args, strict=True))})"
        return Subject(name, args, text, function.bind(args))

    def argument(self, function: Function, index: int, node: syntax.Expr) -> Value:
        param = function.params[index]
        if not isinstance(node, syntax.Literal):
            raise self.error(ARGUMENT_NOT_VALUE % {"name": function.name}, node, ErrorKind.ARGUMENTS)
        try:
            return param.type.coerce(node.value)
        except LiteralError as error:
            where = {"name": function.name, "index": index + 1, "label": param.label}
            message = ARGUMENT_VALUE % {**where, "reason": error}
            raise self.error(message, node, error.kind) from None

    def unknown_field(self, node: syntax.Name) -> RuleSyntaxError:
        fields = self.schema.fields
        listing = "、".join(f"{name}（{field.label}）" for name, field in fields.items()) or str(NO_NAMES)
        by_label = {str(field.label): name for name, field in fields.items()}
        if node.name in by_label:
            return self.error(
                LABEL_AS_NAME % {"word": node.name, "name": by_label[node.name]}, node, ErrorKind.UNKNOWN_FIELD
            )
        guess = _guess(node.name, fields, by_label)
        message = (UNKNOWN_FIELD_GUESS if guess else UNKNOWN_FIELD) % {
            "name": node.name,
            "guess": guess,
            "fields": listing,
        }
        return self.error(message, node, ErrorKind.UNKNOWN_FIELD)

    def unknown_function(self, node: syntax.Call) -> RuleSyntaxError:
        functions = self.schema.functions
        listing = "、".join(f.signature for f in functions.values()) or str(NO_NAMES)
        guess = _guess(node.name, functions, {str(f.label): name for name, f in functions.items()})
        message = (UNKNOWN_FUNCTION_GUESS if guess else UNKNOWN_FUNCTION) % {
            "name": node.name,
            "guess": guess,
            "functions": listing,
        }
        return self.error(message, (node.start, node.name_end), ErrorKind.UNKNOWN_FUNCTION)

    # --- values ------------------------------------------------------------------------------------------------------

    def value(self, node: syntax.Expr, binding: Field) -> Value:
        if not isinstance(node, syntax.Literal):
            raise self.error(NOT_A_VALUE, node, ErrorKind.SYNTAX)
        try:
            return binding.type.coerce(node.value)
        except LiteralError as error:
            message = FIELD_VALUE % {"label": binding.label, "reason": error}
            raise self.error(message, node, error.kind) from None

    def values(self, node: syntax.ListLiteral, binding: Field) -> tuple[Value, ...]:
        if not node.items:
            raise self.error(EMPTY_LIST, node, ErrorKind.VALUE)
        if len(node.items) > MAX_LIST:
            raise self.error(LONG_LIST % {"limit": MAX_LIST}, node, ErrorKind.TOO_LONG)
        values: list[Value] = []
        for item in node.items:
            value = self.value(item, binding)
            if value not in values:
                values.append(value)
        return tuple(values)


def _guess(name: str, entries: dict[str, object], by_label: dict[str, str]) -> str:
    """The name the administrator most probably meant: by spelling for names, by label for Chinese words."""
    if name.isascii():
        matches = difflib.get_close_matches(name.lower(), list(entries), n=1, cutoff=0.6)
        return matches[0] if matches else ""
    matches = difflib.get_close_matches(name, list(by_label), n=1, cutoff=0.5)
    if matches:
        return by_label[matches[0]]
    return next((by_label[label] for label in by_label if name in label or label in name), "")
