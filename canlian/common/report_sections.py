"""The annual work summary's outline, work lines and figures, registered by the apps that own them.

The report code (canlian.reports) does not know which modules exist. Each app, in its AppConfig.ready(),
registers:

- sections (`register_section`): a heading of part 一 of the summary, e.g. "(二)提升残疾人康复质量";
- work lines (`register_lines`): one sentence template each, in a section, with placeholders
  `{namespace.figure:spec}` and optional segments `[[…]]` (see canlian.reports.definitions.render);
- figures (`register_figures`): a function of the report's scope returning {namespace: {key: value}} in
  plain JSON values (ints, strings, Decimal amounts as strings, lists);
- pending items (`register_pending`): wording of the seed summary that needs a figure no module holds yet.
  A pending item disappears as soon as some app registers a work line with the same key, so a future module
  (petitions, employment, outreach…) replaces it without touching the report code.

Registering twice is harmless (apps may be readied more than once in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    order: int
    numbered: bool = True  # several lines are introduced by 一是、二是… as the seed does


@dataclass(frozen=True)
class Line:
    """One work line: a sentence template in a section. `key` is stable (it names the line in the JSON)."""

    section: str
    key: str
    order: int
    template: str


@dataclass(frozen=True)
class Pending:
    """Seed wording whose figure Canlian does not hold yet, and the module expected to provide it."""

    section: str
    key: str
    order: int
    text: str
    needs: str


@dataclass(frozen=True)
class Scope:
    """What a report covers: a period (both ends inclusive), an area (region-code prefix, "" = everything)
    and the user it is computed for (None for the management command: no area restriction but the prefix)."""

    start: date
    end: date
    area_prefix: str = ""
    user: Any = None


FigureProvider = Callable[[Scope], dict[str, Any]]

_SECTIONS: dict[str, Section] = {}
_LINES: dict[str, Line] = {}
_PENDING: dict[str, Pending] = {}
_FIGURES: list[FigureProvider] = []


def register_section(key: str, heading: str, *, order: int, numbered: bool = True) -> None:
    _SECTIONS[key] = Section(key=key, heading=heading, order=order, numbered=numbered)


def register_lines(*lines: Line) -> None:
    for line in lines:
        _LINES[line.key] = line


def register_pending(*items: Pending) -> None:
    for item in items:
        _PENDING[item.key] = item


def register_figures(provider: FigureProvider) -> None:
    if provider not in _FIGURES:
        _FIGURES.append(provider)


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def lines() -> list[Line]:
    return sorted(_LINES.values(), key=lambda line: (line.order, line.key))


def pending() -> list[Pending]:
    """Pending items that no registered line has replaced yet."""
    return sorted((p for k, p in _PENDING.items() if k not in _LINES), key=lambda p: (p.order, p.key))


def figures(scope: Scope) -> dict[str, Any]:
    """Every provider's figures for the scope, merged by namespace."""
    merged: dict[str, Any] = {}
    for provider in _FIGURES:
        for namespace, values in provider(scope).items():
            if namespace in merged:
                raise ValueError(f"report figures namespace {namespace!r} registered twice")
            merged[namespace] = values
    return merged
