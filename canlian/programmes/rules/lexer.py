"""Tokenizer of the eligibility-rule language: text in, a list of tokens with their offsets out.

Administrators type with a Chinese input method switched on, so whatever it produces for the ASCII
characters of the language means the same: full-width letters, digits and punctuation（（）＝＞，），【】
for [ ], 《》 for < >, 、 as a list comma, “…” ‘…’ 「…」 『…』 around text, and ≥ ≤ ≠. The Chinese
keywords 且/并且 (and), 或/或者 (or), 非 (not), 属于 (in) and 不属于 (not in) need no spaces around them.

Identifiers are ASCII; a run of other letters (Chinese typed where a field name belongs, or a value
without quotes) becomes a WORD token so that the compiler can say precisely what to write instead.
Nothing here interprets the text beyond splitting it: there is no escape syntax, no attribute access
(a dot is refused), no calls but name(args) which the compiler checks against a whitelist.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from django.utils.translation import gettext_lazy as _

from canlian.programmes.rules.errors import ErrorKind, RuleSyntaxError
from canlian.programmes.rules.types import Op

MAX_LENGTH: Final = 10_000  # characters; a real rule is a few lines
MAX_NUMBER_DIGITS: Final = 30

TOO_LONG = _("规则过长（%(length)d 个字符），最多 %(limit)d 个字符")
UNKNOWN_CHAR = _("无法识别的字符“%(char)s”（U+%(code)04X）")
DOT = _("规则中不能使用“.”：小数请写在数字中间（如 1.5），规则里没有属性或方法")
BANG = _("“!”不能单独使用：取反请写 not 或 非，不等于请写 !=")
AMPERSAND = _("“%(text)s”不是运算符：“并且”请写 and 或 且")
PIPE = _("“%(text)s”不是运算符：“或者”请写 or 或 或")
UNTERMINATED = _("以 %(quote)s 开头的文本缺少结尾的引号（文本不能跨行）")
NO_DECIMALS = _("小数点后缺少数字")
NUMBER_TOO_LONG = _("数字过长（最多 %(limit)d 位）")


class Kind(StrEnum):
    """Token kinds; OP covers the six comparison operators (its value is the Op)."""

    NAME = "name"
    WORD = "word"
    INT = "int"
    DECIMAL = "decimal"
    STRING = "string"
    TRUE = "true"
    FALSE = "false"
    AND = "and"
    OR = "or"
    NOT = "not"
    IN = "in"
    NOT_IN = "not in"
    OP = "op"
    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    RBRACKET = "]"
    COMMA = ","
    MINUS = "-"
    EOF = "end"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, where it is in the source (offsets), and its value when it has one."""

    kind: Kind
    start: int
    end: int
    value: int | Decimal | str | None = None


# What a Chinese input method types for the ASCII characters of the language (outside quoted text).
_NORMAL: Final[dict[str, str]] = {chr(0xFF01 + i): chr(0x21 + i) for i in range(94)} | {
    "\u3000": " ",
    "【": "[",
    "】": "]",
    "《": "<",
    "》": ">",
    "、": ",",
}
_ASCII_KEYWORDS: Final = {
    "and": Kind.AND,
    "or": Kind.OR,
    "not": Kind.NOT,
    "in": Kind.IN,
    "true": Kind.TRUE,
    "false": Kind.FALSE,
}
# Longest first, so that 不属于 wins over 属于 and 并且 over 且.
_CJK_KEYWORDS: Final = (
    ("不属于", Kind.NOT_IN),
    ("并且", Kind.AND),
    ("或者", Kind.OR),
    ("属于", Kind.IN),
    ("且", Kind.AND),
    ("或", Kind.OR),
    ("非", Kind.NOT),
)
_OPERATORS: Final = (
    ("==", Op.EQ),
    ("!=", Op.NE),
    ("<=", Op.LE),
    (">=", Op.GE),
    ("=", Op.EQ),
    ("<", Op.LT),
    (">", Op.GT),
    ("≥", Op.GE),
    ("≤", Op.LE),
    ("≠", Op.NE),
)
_PUNCTUATION: Final = {
    "(": Kind.LPAREN,
    ")": Kind.RPAREN,
    "[": Kind.LBRACKET,
    "]": Kind.RBRACKET,
    ",": Kind.COMMA,
    "-": Kind.MINUS,
}
_DOUBLE_QUOTES: Final = frozenset('"＂“”')
_SINGLE_QUOTES: Final = frozenset("'＇‘’")
_CORNER_QUOTES: Final = {"「": "」", "『": "』"}
_ASCII_LETTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_ASCII_DIGITS: Final = frozenset("0123456789")


def tokenize(source: str) -> list[Token]:
    """Split `source` into tokens ending with EOF; raise RuleSyntaxError at the first character it cannot read."""
    if len(source) > MAX_LENGTH:
        raise RuleSyntaxError(
            TOO_LONG % {"length": len(source), "limit": MAX_LENGTH},
            source=source,
            start=MAX_LENGTH,
            kind=ErrorKind.TOO_LONG,
        )
    return _Lexer(source).run()


class _Lexer:
    """A single left-to-right scan; `pos` is the offset of the next unread character."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.tokens: list[Token] = []

    def char(self, offset: int = 0) -> str:
        """The character at pos + offset as the language sees it (full-width forms made ASCII), or ""."""
        index = self.pos + offset
        return _NORMAL.get(self.source[index], self.source[index]) if index < len(self.source) else ""

    def error(self, message: object, start: int, end: int | None = None) -> RuleSyntaxError:
        return RuleSyntaxError(str(message), source=self.source, start=start, end=end)

    def emit(self, kind: Kind, start: int, value: int | Decimal | str | None = None) -> None:
        self.tokens.append(Token(kind, start, self.pos, value))

    def run(self) -> list[Token]:
        while self.pos < len(self.source):
            ch = self.char()
            if ch.isspace():
                self.pos += 1
            elif ch == "#":
                end = self.source.find("\n", self.pos)
                self.pos = len(self.source) if end == -1 else end
            elif ch in _ASCII_LETTERS:
                self.name()
            elif ch in _ASCII_DIGITS:
                self.number()
            elif ch in _DOUBLE_QUOTES or ch in _SINGLE_QUOTES or ch in _CORNER_QUOTES:
                self.string(ch)
            elif not self.operator() and not self.cjk_keyword():
                self.other(ch)
        self.tokens.append(Token(Kind.EOF, len(self.source), len(self.source)))
        return self.tokens

    def name(self) -> None:
        start = self.pos
        while self.char() in _ASCII_LETTERS or self.char() in _ASCII_DIGITS:
            self.pos += 1
        text = "".join(_NORMAL.get(c, c) for c in self.source[start : self.pos])
        keyword = _ASCII_KEYWORDS.get(text.lower())
        if keyword is None:
            self.emit(Kind.NAME, start, text)
        else:
            self.emit(keyword, start)

    def number(self) -> None:
        start = self.pos
        while self.char() in _ASCII_DIGITS:
            self.pos += 1
        kind = Kind.INT
        if self.char() == ".":
            self.pos += 1
            if self.char() not in _ASCII_DIGITS:
                raise self.error(NO_DECIMALS, self.pos - 1)
            while self.char() in _ASCII_DIGITS:
                self.pos += 1
            kind = Kind.DECIMAL
        if self.pos - start > MAX_NUMBER_DIGITS:
            raise self.error(NUMBER_TOO_LONG % {"limit": MAX_NUMBER_DIGITS}, start, self.pos)
        text = "".join(_NORMAL.get(c, c) for c in self.source[start : self.pos])
        self.emit(kind, start, int(text) if kind is Kind.INT else Decimal(text))

    def string(self, opener: str) -> None:
        start = self.pos
        closers = _DOUBLE_QUOTES if opener in _DOUBLE_QUOTES else _SINGLE_QUOTES
        if opener in _CORNER_QUOTES:
            closers = frozenset(_CORNER_QUOTES[opener])
        self.pos += 1
        while self.pos < len(self.source) and self.char() not in closers and self.source[self.pos] != "\n":
            self.pos += 1
        if self.pos >= len(self.source) or self.source[self.pos] == "\n":
            raise self.error(UNTERMINATED % {"quote": self.source[start]}, start, self.pos)
        self.pos += 1
        self.emit(Kind.STRING, start, self.source[start + 1 : self.pos - 1])

    def operator(self) -> bool:
        for text, op in _OPERATORS:
            if all(self.char(i) == c for i, c in enumerate(text)):
                start = self.pos
                self.pos += len(text)
                self.emit(Kind.OP, start, op)
                return True
        kind = _PUNCTUATION.get(self.char())
        if kind is None:
            return False
        start = self.pos
        self.pos += 1
        self.emit(kind, start)
        return True

    def cjk_keyword(self) -> bool:
        for text, kind in _CJK_KEYWORDS:
            if self.source.startswith(text, self.pos):
                start = self.pos
                self.pos += len(text)
                self.emit(kind, start)
                return True
        return False

    def _word_continues(self) -> bool:
        ch = self.char()
        return (
            ch.isalpha()
            and ch not in _ASCII_LETTERS
            and not any(self.source.startswith(k, self.pos) for k, _kind in _CJK_KEYWORDS)
        )

    def other(self, ch: str) -> None:
        """A run of non-ASCII letters (a WORD), or a character with a dedicated explanation, or an error."""
        start = self.pos
        if ch.isalpha():
            while self._word_continues():
                self.pos += 1
            self.emit(Kind.WORD, start, self.source[start : self.pos])
            return
        if ch == ".":
            raise self.error(DOT, start)
        if ch == "!":
            raise self.error(BANG, start)
        if ch in "&|":
            end = start + 1
            while self.char(end - start) == ch:
                end += 1
            message = AMPERSAND if ch == "&" else PIPE
            raise self.error(message % {"text": self.source[start:end]}, start, end)
        raw = self.source[start]
        raise self.error(UNKNOWN_CHAR % {"char": raw if raw.isprintable() else "?", "code": ord(raw)}, start)
