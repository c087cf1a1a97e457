"""Value types of the rule language: what a field holds, which operators it takes, which literals it accepts.

Every literal in a rule is converted by the type of the field (or function parameter) it is compared with,
at compile time, so a rule that would compare an age with text, or a grade with "五级", never reaches the
database. Enumerations accept their Chinese labels as well as their codes, so an administrator can write
`category == "精神"` as well as `category == 6`.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from django.utils.translation import gettext_lazy as _

from canlian.programmes.rules.errors import ErrorKind

Value = int | Decimal | str | date  # a converted literal: what bindings receive and evaluate() returns
LiteralValue = int | Decimal | str | bool  # what the tokenizer reads


class Op(StrEnum):
    """Comparison operators; `in` and `not in` take a tuple of values."""

    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    NOT_IN = "not in"

    @property
    def negated(self) -> Op:
        """The operator that holds exactly when this one does not (for a known value)."""
        return _NEGATED[self]

    @property
    def mirrored(self) -> Op:
        """The operator with its operands swapped: 60 <= age is age >= 60."""
        return _MIRRORED.get(self, self)


_NEGATED: Final = {
    Op.EQ: Op.NE,
    Op.NE: Op.EQ,
    Op.LT: Op.GE,
    Op.GE: Op.LT,
    Op.GT: Op.LE,
    Op.LE: Op.GT,
    Op.IN: Op.NOT_IN,
    Op.NOT_IN: Op.IN,
}
_MIRRORED: Final = {Op.LT: Op.GT, Op.GT: Op.LT, Op.LE: Op.GE, Op.GE: Op.LE}
EQUALITY_OPS: Final = frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN})
ALL_OPS: Final = frozenset(Op)

NOT_INTEGER = _("应为整数，%(literal)s 不是整数")
INTEGER_RANGE = _("应在 %(minimum)d–%(maximum)d 之间，实为 %(value)d")
NOT_NUMBER = _("应为数字，%(literal)s 不是数字")
TOO_MANY_PLACES = _("最多 %(places)d 位小数，实为 %(value)s")
NUMBER_RANGE = _("应在 %(minimum)s–%(maximum)s 之间，实为 %(value)s")
NOT_CHOICE = _("%(literal)s 不是可选值，可选：%(choices)s")
NOT_DATE_TEXT = _("日期应写成带引号的文本，例如 \"2025-01-01\"，%(literal)s 不是日期")
BAD_DATE = _("“%(value)s”不是有效的日期，请写作 \"2025-01-01\"")
DATE_RANGE = _("日期应在 %(earliest)s 至 %(latest)s 之间，实为 %(value)s")
INTEGER_TYPE = _("整数")
DECIMAL_TYPE = _("数值")
ENUM_TYPE = _("选项")
DATE_TYPE = _("日期")

_DATE: Final = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


class LiteralError(ValueError):
    """A literal was refused; `kind` tells a literal of the wrong form (TYPE) from a disallowed one (VALUE)."""

    def __init__(self, message: object, kind: ErrorKind) -> None:
        super().__init__(str(message))
        self.kind = kind


def wrong_type(message: object) -> LiteralError:
    """A literal of the wrong form: text where a number belongs, a decimal where an integer does."""
    return LiteralError(message, ErrorKind.TYPE)


def not_allowed(message: object) -> LiteralError:
    """A literal of the right form but not allowed: outside a range or an enumeration, an impossible date."""
    return LiteralError(message, ErrorKind.VALUE)


def literal_text(literal: LiteralValue) -> str:
    """A literal as the administrator typed it, for messages: 60, 1.5, “低保”, true."""
    if isinstance(literal, bool):
        return "true" if literal else "false"
    if isinstance(literal, str):
        return f"“{literal}”"
    if isinstance(literal, Decimal):
        return f"{literal:f}"
    return str(literal)


def quote(text: str) -> str:
    """`text` as a rule literal, with the first pair of quotes it does not contain."""
    for opening, closing in (('"', '"'), ("'", "'"), ("「", "」"), ("『", "』")):
        if opening not in text and closing not in text:
            return f"{opening}{text}{closing}"
    raise ValueError(str(_("文本同时含有所有种类的引号，无法写入规则")))


class ValueType(ABC):
    """A type of the language: which operators it supports and how literals become values."""

    @property
    @abstractmethod
    def label(self) -> str:
        """The type's name in Chinese: 整数, 数值, 选项, 日期."""

    @property
    def ops(self) -> frozenset[Op]:
        """The operators a field of this type can be compared with."""
        return ALL_OPS

    @abstractmethod
    def coerce(self, literal: LiteralValue) -> Value:
        """The literal as a value of this type; raises LiteralError with a Chinese reason."""

    @abstractmethod
    def display(self, value: Value) -> str:
        """The value as a person reads it in an explanation: 60, 800.50, 一级, 2025-01-01."""

    @abstractmethod
    def source(self, value: Value) -> str:
        """The value as a literal in rule text, such that coerce() reads it back to the same value."""

    @abstractmethod
    def describe(self) -> str:
        """The type and its allowed values in one line, for the reference shown next to the rule editor."""


@dataclass(frozen=True)
class IntType(ValueType):
    """Whole numbers within [minimum, maximum] (ages, counts, years)."""

    minimum: int
    maximum: int

    @property
    def label(self) -> str:
        return str(INTEGER_TYPE)

    def coerce(self, literal: LiteralValue) -> int:
        if isinstance(literal, bool) or not isinstance(literal, int):
            raise wrong_type(NOT_INTEGER % {"literal": literal_text(literal)})
        if not self.minimum <= literal <= self.maximum:
            raise not_allowed(INTEGER_RANGE % {"minimum": self.minimum, "maximum": self.maximum, "value": literal})
        return literal

    def display(self, value: Value) -> str:
        return str(value)

    def source(self, value: Value) -> str:
        return str(value)

    def describe(self) -> str:
        return f"{self.label}，{self.minimum}–{self.maximum}"


@dataclass(frozen=True)
class DecimalType(ValueType):
    """Exact decimal numbers (amounts in yuan, incomes) with at most `places` decimals."""

    minimum: Decimal
    maximum: Decimal
    places: int = 2

    @property
    def label(self) -> str:
        return str(DECIMAL_TYPE)

    def coerce(self, literal: LiteralValue) -> Decimal:
        if isinstance(literal, bool) or not isinstance(literal, int | Decimal):
            raise wrong_type(NOT_NUMBER % {"literal": literal_text(literal)})
        value = Decimal(literal)
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.places:
            raise not_allowed(TOO_MANY_PLACES % {"places": self.places, "value": f"{value:f}"})
        if not self.minimum <= value <= self.maximum:
            raise not_allowed(NUMBER_RANGE % {"minimum": self.minimum, "maximum": self.maximum, "value": f"{value:f}"})
        return value

    def display(self, value: Value) -> str:
        return f"{value:f}"

    def source(self, value: Value) -> str:
        return f"{value:f}"

    def describe(self) -> str:
        return f"{self.label}，{self.minimum:f}–{self.maximum:f}，最多 {self.places} 位小数"


@dataclass(frozen=True)
class Choice:
    """One allowed value of an enumeration: the stored code, its Chinese label, other accepted spellings."""

    code: int | str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnumType(ValueType):
    """A closed list of values; `ordered` enumerations (integer codes, like grades) also take < <= > >=."""

    choices: tuple[Choice, ...]
    ordered: bool = False

    def __post_init__(self) -> None:
        spellings = [text for choice in self.choices for text in _spellings(choice)]
        codes = [choice.code for choice in self.choices]
        if not self.choices or len(set(spellings)) != len(spellings) or len(set(codes)) != len(codes):
            raise ValueError(f"an enumeration needs choices with distinct codes, labels and aliases: {spellings}")
        if any(isinstance(code, bool) or not isinstance(code, int | str) for code in codes):
            raise ValueError("enumeration codes are integers or text")
        if self.ordered and not all(isinstance(code, int) for code in codes):
            raise ValueError("an ordered enumeration needs integer codes")

    @property
    def label(self) -> str:
        return str(ENUM_TYPE)

    @property
    def ops(self) -> frozenset[Op]:
        return ALL_OPS if self.ordered else EQUALITY_OPS

    def coerce(self, literal: LiteralValue) -> int | str:
        for choice in self.choices:
            if type(literal) is type(choice.code) and literal == choice.code:
                return choice.code
            if isinstance(literal, str) and literal in _spellings(choice):
                return choice.code
        message = NOT_CHOICE % {"literal": literal_text(literal), "choices": self.choice_list()}
        right_form = isinstance(literal, str | int) and not isinstance(literal, bool)
        raise not_allowed(message) if right_form else wrong_type(message)

    def choice_list(self) -> str:
        """The allowed values as the error message and the reference list them: 一级（1）、二级（2）…"""
        return "、".join(f"{c.label}（{c.code}）" if c.label != str(c.code) else c.label for c in self.choices)

    def display(self, value: Value) -> str:
        return next((c.label for c in self.choices if c.code == value), str(value))

    def source(self, value: Value) -> str:
        return quote(self.display(value))

    def describe(self) -> str:
        return f"{self.label}：{self.choice_list()}"


def _spellings(choice: Choice) -> frozenset[str]:
    """Every text that names `choice` in a rule: its code written as text, its label and its aliases."""
    return frozenset({str(choice.code), choice.label, *choice.aliases})


@dataclass(frozen=True)
class DateType(ValueType):
    """Calendar dates, written as quoted text: "2025-01-01", "2025/1/1" or "2025年1月1日"."""

    earliest: date = date(1900, 1, 1)
    latest: date = date(2199, 12, 31)

    @property
    def label(self) -> str:
        return str(DATE_TYPE)

    def coerce(self, literal: LiteralValue) -> date:
        if not isinstance(literal, str):
            raise wrong_type(NOT_DATE_TEXT % {"literal": literal_text(literal)})
        match = _DATE.fullmatch(unicodedata.normalize("NFKC", literal).strip())
        if match is None:
            raise wrong_type(BAD_DATE % {"value": literal})
        try:
            value = date(*(int(part) for part in match.groups()))
        except ValueError:
            raise not_allowed(BAD_DATE % {"value": literal}) from None
        if not self.earliest <= value <= self.latest:
            raise not_allowed(DATE_RANGE % {"earliest": self.earliest, "latest": self.latest, "value": value})
        return value

    def display(self, value: Value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)

    def source(self, value: Value) -> str:
        return quote(self.display(value))

    def describe(self) -> str:
        return f"{self.label}，例如 \"2025-01-01\""
