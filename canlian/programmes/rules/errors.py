"""The one error a rule can raise while it is being read: where it went wrong, and why, in Chinese.

Administrators type rules into a textarea, so an error is only useful if it points at the spot: every
refusal carries the line and column (1-based, counted in characters), the length of the offending text
and a two-line excerpt with a caret underneath, laid out so that it stays aligned under Chinese text in a
monospaced block (a full-width character is padded with a full-width space, a tab with a tab).
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

WHERE = _("第 %(line)d 行第 %(column)d 列：%(message)s")


class ErrorKind(StrEnum):
    """What sort of mistake it was, for callers that react differently (and for tests)."""

    SYNTAX = "syntax"  # the text is not a rule: a stray character, a missing bracket, two conditions without and/or
    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_FUNCTION = "unknown_function"
    ARGUMENTS = "arguments"  # wrong number or kind of function arguments
    TYPE = "type"  # a value of the wrong type, or an operator the field does not support
    VALUE = "value"  # the right type but not an allowed value (outside an enum or a range)
    TOO_LONG = "too_long"  # the rule is longer or more deeply nested than a person would write


class RuleSyntaxError(ValueError):
    """A rule was refused; `message` (Chinese) says what to correct and `line`/`column` where.

    str(error) is "第 L 行第 C 列：message"; `excerpt` is the source line with a caret line under it.
    """

    def __init__(
        self,
        message: str | Promise,
        *,
        source: str,
        start: int,
        end: int | None = None,
        kind: ErrorKind = ErrorKind.SYNTAX,
    ) -> None:
        start = max(0, min(start, len(source)))
        end = start + 1 if end is None else max(end, start + 1)
        line_start = source.rfind("\n", 0, start) + 1
        line_end = source.find("\n", start)
        if line_end == -1:
            line_end = len(source)
        self.message = str(message)
        self.kind = kind
        self.line, self.column = position(source, start)
        self.source_line = source[line_start:line_end]
        # The caret runs to the end of the offending text but never past the end of its line.
        self.length = max(1, min(end, line_end) - start)
        super().__init__(WHERE % {"line": self.line, "column": self.column, "message": self.message})

    @property
    def excerpt(self) -> str:
        """The offending line and a caret line under the offending text, for a monospaced block."""
        before = self.source_line[: self.column - 1]
        marked = self.source_line[self.column - 1 : self.column - 1 + self.length]
        padding = "".join(_pad(ch) for ch in before)
        carets = "".join("^^" if _is_wide(ch) else "^" for ch in marked) or "^"
        return f"{_printable(self.source_line)}\n{padding}{carets}"

    def as_dict(self) -> dict[str, str | int]:
        """The error as JSON for the API and for HTMX partials under the textarea."""
        return {
            "kind": str(self.kind),
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "length": self.length,
            "excerpt": self.excerpt,
        }


def position(source: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of `offset` in `source`."""
    return source.count("\n", 0, offset) + 1, offset - (source.rfind("\n", 0, offset) + 1) + 1


def _is_wide(ch: str) -> bool:
    """Characters that take two columns in a monospaced CJK font (汉字, full-width punctuation)."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _pad(ch: str) -> str:
    """Padding that occupies the same width as `ch`, so that the caret lands under the right character."""
    if ch == "\t":
        return "\t"
    return "\u3000" if _is_wide(ch) else " "


def _printable(line: str) -> str:
    """The line as it can be shown: control characters (other than tab) become the replacement character."""
    return "".join(ch if ch == "\t" or unicodedata.category(ch)[0] != "C" else "\ufffd" for ch in line)
