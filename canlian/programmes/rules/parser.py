"""Recursive-descent parser of the rule language: tokens in, a parse tree out.

Grammar (lowest precedence first; keywords are case-insensitive and have Chinese equivalents):

    rule       := or EOF
    or         := and (("or" | "或" | "或者") and)*
    and        := not (("and" | "且" | "并且") not)*
    not        := ("not" | "非") not | comparison
    comparison := primary (compare_op primary)*          a chain: 1 <= grade <= 2
    compare_op := "==" | "=" | "!=" | "<" | "<=" | ">" | ">=" | "≥" | "≤" | "≠"
                | "in" | "属于" | "not" "in" | "不属于"
    primary    := "(" or ")" | "[" [primary ("," primary)* [","]] "]"
                | NAME ["(" [primary ("," primary)* [","]] ")"] | WORD
                | ["-"] NUMBER | STRING | "true" | "false"

The parser only checks shape; whether a name is a field, a value fits its type or an operator suits a
field is the compiler's business. Nesting is bounded (MAX_DEPTH), so no input can exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Final, TypeVar

from django.utils.translation import gettext_lazy as _

from canlian.programmes.rules import syntax
from canlian.programmes.rules.errors import ErrorKind, RuleSyntaxError, position
from canlian.programmes.rules.lexer import Kind, Token, tokenize
from canlian.programmes.rules.types import Op

MAX_DEPTH: Final = 32

EMPTY = _("规则为空：请至少写一个条件，例如 age >= 60")
TOO_DEEP = _("括号或“not”嵌套过深（最多 %(limit)d 层），请简化规则")
TRAILING = _("多余的内容“%(text)s”：两个条件之间是否缺少 and（且）或 or（或）？")
UNCLOSED = _("缺少右括号“%(closer)s”，与第 %(line)d 行第 %(column)d 列的“%(opener)s”对应")
INCOMPLETE = _("规则不完整：“%(previous)s”后面还缺少内容")
STRAY_CLOSER = _("多余的“%(text)s”：前面没有对应的左括号，或括号内为空")
MISSING_LEFT = _("“%(text)s”前面缺少内容")
MISSING_OPERAND = _("“%(text)s”的位置应为条件、字段或值")
NEGATIVE = _("负号“-”后面应为数字")

_CLOSERS: Final = {Kind.LPAREN: ")", Kind.LBRACKET: "]"}
_LITERALS: Final = frozenset({Kind.INT, Kind.DECIMAL, Kind.STRING})

T = TypeVar("T")


def parse(source: str) -> syntax.Expr:
    """The parse tree of `source`; raises RuleSyntaxError with the position of the first problem."""
    return _Parser(source).rule()


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.pos = 0
        self.depth = 0

    # --- token helpers -------------------------------------------------------------------------------------------

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def text(self, token: Token) -> str:
        return self.source[token.start : token.end]

    def error(self, message: object, token: Token, kind: ErrorKind = ErrorKind.SYNTAX) -> RuleSyntaxError:
        return RuleSyntaxError(str(message), source=self.source, start=token.start, end=token.end, kind=kind)

    def nested(self, token: Token, parse: Callable[[], T]) -> T:
        """Run `parse` one nesting level deeper, refusing beyond MAX_DEPTH."""
        if self.depth >= MAX_DEPTH:
            raise self.error(TOO_DEEP % {"limit": MAX_DEPTH}, token, ErrorKind.TOO_LONG)
        self.depth += 1
        try:
            return parse()
        finally:
            self.depth -= 1

    # --- grammar ---------------------------------------------------------------------------------------------------

    def rule(self) -> syntax.Expr:
        if self.peek().kind is Kind.EOF:
            raise RuleSyntaxError(str(EMPTY), source=self.source, start=0, end=len(self.source))
        expr = self.or_()
        token = self.peek()
        if token.kind is not Kind.EOF:
            if token.kind in (Kind.RPAREN, Kind.RBRACKET):
                raise self.error(STRAY_CLOSER % {"text": self.text(token)}, token)
            raise self.error(TRAILING % {"text": self.text(token)}, token)
        return expr

    def or_(self) -> syntax.Expr:
        operands = [self.and_()]
        while self.peek().kind is Kind.OR:
            self.advance()
            operands.append(self.and_())
        if len(operands) == 1:
            return operands[0]
        return syntax.Or(operands[0].start, operands[-1].end, tuple(operands))

    def and_(self) -> syntax.Expr:
        operands = [self.not_()]
        while self.peek().kind is Kind.AND:
            self.advance()
            operands.append(self.not_())
        if len(operands) == 1:
            return operands[0]
        return syntax.And(operands[0].start, operands[-1].end, tuple(operands))

    def not_(self) -> syntax.Expr:
        token = self.peek()
        if token.kind is not Kind.NOT:
            return self.comparison()
        self.advance()
        operand = self.nested(token, self.not_)
        return syntax.Not(token.start, operand.end, operand)

    def comparison(self) -> syntax.Expr:
        operands = [self.primary()]
        ops: list[tuple[Op, int, int]] = []
        while (op := self.comparison_op()) is not None:
            ops.append(op)
            operands.append(self.primary())
        if not ops:
            return operands[0]
        return syntax.Comparison(operands[0].start, operands[-1].end, tuple(operands), tuple(ops))

    def comparison_op(self) -> tuple[Op, int, int] | None:
        token = self.peek()
        if token.kind is Kind.OP:
            self.advance()
            return Op(str(token.value)), token.start, token.end
        if token.kind in (Kind.IN, Kind.NOT_IN):
            self.advance()
            return (Op.IN if token.kind is Kind.IN else Op.NOT_IN), token.start, token.end
        if token.kind is Kind.NOT and self.peek(1).kind is Kind.IN:
            self.advance()
            return Op.NOT_IN, token.start, self.advance().end
        return None

    def primary(self) -> syntax.Expr:
        token = self.peek()
        if token.kind is Kind.LPAREN:
            self.advance()
            inner = self.nested(token, self.or_)
            self.close(token)
            return inner
        if token.kind is Kind.LBRACKET:
            self.advance()
            return self.nested(token, lambda: self.items(token))
        if token.kind is Kind.NAME or token.kind is Kind.WORD:
            self.advance()
            ascii_name = token.kind is Kind.NAME
            if self.peek().kind is Kind.LPAREN:
                opener = self.advance()
                args = self.nested(opener, lambda: self.items(opener))
                return syntax.Call(token.start, args.end, str(token.value), ascii_name, token.end, args.items)
            return syntax.Name(token.start, token.end, str(token.value), ascii_name)
        if token.kind in _LITERALS and token.value is not None:
            self.advance()
            return syntax.Literal(token.start, token.end, token.value)
        if token.kind in (Kind.TRUE, Kind.FALSE):
            self.advance()
            return syntax.Literal(token.start, token.end, token.kind is Kind.TRUE)
        if token.kind is Kind.MINUS:
            self.advance()
            number = self.peek()
            if number.kind not in (Kind.INT, Kind.DECIMAL) or not isinstance(number.value, int | Decimal):
                raise self.error(NEGATIVE, token)
            self.advance()
            return syntax.Literal(token.start, number.end, -number.value)
        raise self.missing(token)

    def items(self, opener: Token) -> syntax.ListLiteral:
        """Comma-separated primaries up to the closer of `opener` (a list, or a call's arguments)."""
        items: list[syntax.Expr] = []
        while not self.at_closer(opener):
            items.append(self.primary())
            if self.peek().kind is not Kind.COMMA:
                break
            self.advance()
        end = self.close(opener)
        return syntax.ListLiteral(opener.start, end, tuple(items))

    def at_closer(self, opener: Token) -> bool:
        closer = Kind.RPAREN if opener.kind is Kind.LPAREN else Kind.RBRACKET
        return self.peek().kind is closer

    def close(self, opener: Token) -> int:
        """Consume the closer matching `opener` and return its end offset, or explain what is missing."""
        if self.at_closer(opener):
            return self.advance().end
        line, column = position(self.source, opener.start)
        closer = _CLOSERS[opener.kind]
        message = UNCLOSED % {"closer": closer, "opener": self.text(opener), "line": line, "column": column}
        raise self.error(message, self.peek())

    def missing(self, token: Token) -> RuleSyntaxError:
        """The error for a token where a condition or value should begin."""
        if token.kind is Kind.EOF:
            previous = self.tokens[self.pos - 1] if self.pos else token
            return self.error(INCOMPLETE % {"previous": self.text(previous)}, previous)
        if token.kind in (Kind.RPAREN, Kind.RBRACKET):
            return self.error(STRAY_CLOSER % {"text": self.text(token)}, token)
        if token.kind in (Kind.AND, Kind.OR, Kind.OP, Kind.IN, Kind.NOT_IN, Kind.COMMA):
            return self.error(MISSING_LEFT % {"text": self.text(token)}, token)
        return self.error(MISSING_OPERAND % {"text": self.text(token)}, token)
