"""The parse tree: what the text says, before any field, function or type has been looked up.

Nodes carry `start`/`end` offsets into the source so that the compiler can point at them in an error and
the explanation can quote the condition as it was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from canlian.programmes.rules.types import Op


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every parse-tree node: its offsets in the source."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A bare name: a field, or (if not ASCII) a word the compiler will explain."""

    name: str
    ascii: bool


@dataclass(frozen=True, slots=True)
class Call(Node):
    """name(arg, …); `name_end` ends the name, so errors about an unknown function underline just it."""

    name: str
    ascii: bool
    name_end: int
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A number, a quoted text or true/false."""

    value: int | Decimal | str | bool


@dataclass(frozen=True, slots=True)
class ListLiteral(Node):
    """[a, b, …] on the right of in / not in."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Comparison(Node):
    """A chain `a op b op c …`; `ops[i]` (with its offsets) sits between operands[i] and operands[i + 1]."""

    operands: tuple[Expr, ...]
    ops: tuple[tuple[Op, int, int], ...]


@dataclass(frozen=True, slots=True)
class Not(Node):
    """not x / 非 x."""

    operand: Expr


@dataclass(frozen=True, slots=True)
class And(Node):
    """a and b and … / a 且 b."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or(Node):
    """a or b or … / a 或 b."""

    operands: tuple[Expr, ...]


Expr = Name | Call | Literal | ListLiteral | Comparison | Not | And | Or
