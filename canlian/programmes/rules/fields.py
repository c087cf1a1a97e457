"""The field binding: which names a rule may use, and how each becomes a query and a test on one person.

The rule language knows nothing about the registry. A :class:`RuleSchema` lists the fields and functions
an administrator may use, and each one says, in the same place, how it turns into a Django ``Q`` over the
whole registry (``to_q``) and how it is read from one person's facts (``evaluate``). Keeping both next to
each other is what lets one rule select people in one query *and* explain to a clerk why one person was
refused, with the two answers agreeing.

Three kinds of binding:

* :class:`Field` — a value that rules compare: ``age >= 60``, ``grade in [1, 2]``, ``category == "精神"``.
* :class:`Flag` — a yes/no fact that is a condition on its own: ``severe``, ``not certificate_valid``.
* :class:`Function` — a name with arguments that binds to a Field or a Flag: ``age_on("2025-01-01") < 7``,
  ``low_income_on("低保", "2025-01-01")``. Arguments are literals, converted by the parameter types.

Semantics every binding must keep (the property tests check them for the test schema): a comparison with
an unknown value (``evaluate`` returns None) is false for every operator, ``!=`` and ``not in`` included,
and ``to_q`` must select exactly the people for whom ``evaluate`` makes the comparison true. ``not`` is the
engine's business (it negates the Q), so the complement is always exact.

Generic bindings for the common cases are here: :class:`ColumnField` and :class:`ColumnFlag` for a column
(or a single-valued path such as ``certificate__grade``), :class:`AgeField` for an age computed from a
birth date (compiled to an indexable birth-date range), and :func:`age_on_function`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from canlian.programmes.rules.types import DateType, IntType, Op, Value, ValueType

Facts = Mapping[str, Any]  # one person's facts as the schema's evaluate() methods read them
Text = str | Promise  # labels may be lazy translations: schemas are often built at import time

UNKNOWN = _("未登记")
AGE_ON_LABEL = _("%(date)s 时的年龄")
YEARS = _("岁")

_NAME: Final = re.compile(r"[a-z_][a-z0-9_]*")
_RESERVED: Final = frozenset({"and", "or", "not", "in", "true", "false"})


@dataclass(frozen=True)
class RuleContext:
    """What a rule is evaluated against: the reference date (“on which day?”), the year and the programme.

    Compiling a rule never depends on the context, so the same compiled rule serves every date; fields such
    as ``age`` and ``certificate_valid`` read ``ref_date`` when they become a query or a test, monthly
    amounts count the months of ``year``, and bindings about “this programme” read ``programme`` (its code).
    """

    ref_date: date
    year: int
    programme: str = ""

    @classmethod
    def on(cls, ref_date: date, *, programme: str = "") -> RuleContext:
        """A context for `ref_date` whose programme year is the date's year."""
        return cls(ref_date=ref_date, year=ref_date.year, programme=programme)


class Field(ABC):
    """A value rules compare with literals of its `type`; `unit` follows numbers in explanations (岁, 元)."""

    name: str
    label: Text
    type: ValueType
    unit: Text
    help: Text

    @abstractmethod
    def to_q(self, op: Op, value: Value | tuple[Value, ...], ctx: RuleContext) -> Q:
        """The people for whom `field op value` holds; for IN and NOT_IN `value` is a tuple of values.

        Must exclude people whose value is unknown, for every operator (``!=`` and ``not in`` included).
        """

    @abstractmethod
    def evaluate(self, facts: Facts, ctx: RuleContext) -> Value | None:
        """The person's value, or None when it is not recorded."""

    def describe(self, value: Value | None) -> str:
        """The value as an explanation shows it: “45 岁”, “一级”, “未登记”."""
        if value is None:
            return str(UNKNOWN)
        text = self.type.display(value)
        return f"{text} {self.unit}" if str(self.unit) else text


class Flag(ABC):
    """A yes/no fact that is a condition by itself (``severe``, ``enrolled("R1")``)."""

    name: str
    label: Text
    help: Text

    @abstractmethod
    def to_q(self, ctx: RuleContext) -> Q:
        """The people for whom the fact holds (the engine negates it for ``not``)."""

    @abstractmethod
    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        """Whether the fact holds for this person; unknown counts as not holding."""

    @abstractmethod
    def fact(self, holds: bool, ctx: RuleContext) -> str:
        """The fact as a sentence: “残疾人证在有效期内” / “残疾人证已过期或未登记”."""

    def demand(self, wanted: bool, ctx: RuleContext) -> str:
        """What the rule asks, shown after a failed check: “要求残疾人证在有效期内”, “本项目不可同时享受”."""
        return str(_("要求%(fact)s") % {"fact": self.fact(wanted, ctx)})


@dataclass(frozen=True)
class Param:
    """One parameter of a function: its Chinese name (used in messages and the reference) and its type."""

    label: Text
    type: ValueType


@dataclass(frozen=True)
class Function:
    """A name with literal arguments that binds to a Field or, when `returns` is None, to a Flag.

    `binder` receives the converted arguments and returns the bound Field or Flag; the engine compiles and
    evaluates that exactly like a field of the schema.
    """

    name: str
    label: Text
    params: tuple[Param, ...]
    returns: ValueType | None
    binder: Callable[..., Field | Flag]
    help: Text = ""

    def bind(self, args: Sequence[Value]) -> Field | Flag:
        """The Field or Flag for these (already converted) arguments."""
        bound = self.binder(*args)
        expected = Flag if self.returns is None else Field
        if not isinstance(bound, expected):
            raise TypeError(f"function {self.name} must bind to a {expected.__name__}, got {type(bound).__name__}")
        return bound

    @property
    def signature(self) -> str:
        """How the reference shows the call: age_on(日期)."""
        return f"{self.name}({', '.join(str(p.label) for p in self.params)})"


@dataclass(frozen=True)
class ReferenceEntry:
    """One line of the reference shown next to the rule editor: what to type, what it means, what it takes."""

    name: str  # as typed: age, severe, age_on(日期)
    label: str
    type: str  # the type and its allowed values, or 是/否 for a condition
    help: str


YES_NO = _("是/否条件")
RETURNS = _("%(params)s → %(result)s")


class RuleSchema:
    """The whitelist of fields and functions a rule may use, passed to ``compile_rule(text, schema)``.

    A schema is compared and hashed by identity: build it once (per process, or again when the data it
    lists changes, such as the programme codes) and keep it; compiled rules are cached per schema.
    """

    def __init__(self, *, fields: Iterable[Field | Flag], functions: Iterable[Function] = ()) -> None:
        self.fields: dict[str, Field | Flag] = {}
        self.functions: dict[str, Function] = {}
        for entry in (*fields, *functions):
            if not _NAME.fullmatch(entry.name) or entry.name in _RESERVED:
                raise ValueError(f"rule names are lower-case ASCII identifiers and not keywords: {entry.name!r}")
            if entry.name in self.fields or entry.name in self.functions:
                raise ValueError(f"duplicate rule name {entry.name!r}")
            if isinstance(entry, Function):
                self.functions[entry.name] = entry
            else:
                self.fields[entry.name] = entry

    def reference(self) -> list[ReferenceEntry]:
        """Every field and function with its label and type, for the editor's help panel and the docs."""
        entries = [
            ReferenceEntry(
                name,
                str(entry.label),
                entry.type.describe() if isinstance(entry, Field) else str(YES_NO),
                str(entry.help),
            )
            for name, entry in self.fields.items()
        ]
        for function in self.functions.values():
            params = "；".join(f"{p.label}：{p.type.describe()}" for p in function.params)
            result = function.returns.describe() if function.returns else str(YES_NO)
            kind = str(RETURNS % {"params": params, "result": result})
            entries.append(ReferenceEntry(function.signature, str(function.label), kind, str(function.help)))
        return entries


# --- generic bindings ---------------------------------------------------------------------------------------------


def _value_q(lookup: str, op: Op, value: Value | tuple[Value, ...]) -> Q:
    """`lookup op value` as a Q that never selects a NULL (so != and not in mean “known and different”)."""
    if op is Op.NE:
        return Q(**{f"{lookup}__isnull": False}) & ~Q(**{lookup: value})
    if op is Op.NOT_IN:
        return Q(**{f"{lookup}__isnull": False}) & ~Q(**{f"{lookup}__in": list(_as_tuple(value))})
    if op is Op.IN:
        return Q(**{f"{lookup}__in": list(_as_tuple(value))})
    suffixes = {Op.EQ: "", Op.LT: "__lt", Op.LE: "__lte", Op.GT: "__gt", Op.GE: "__gte"}
    return Q(**{f"{lookup}{suffixes[op]}": value})


def _as_tuple(value: Value | tuple[Value, ...]) -> tuple[Value, ...]:
    return value if isinstance(value, tuple) else (value,)


@dataclass(frozen=True)
class ColumnField(Field):
    """A single-valued column or path: ``Q(lookup…)`` in the database, ``facts[key]`` for one person.

    `key` defaults to `name`. Use it only for paths that yield one value per person (a foreign key, a
    one-to-one); a many-valued relation needs an Exists() binding, or “any related row” semantics creep in.
    """

    name: str
    label: Text
    type: ValueType
    lookup: str
    key: str = ""
    unit: Text = ""
    help: Text = ""

    def to_q(self, op: Op, value: Value | tuple[Value, ...], ctx: RuleContext) -> Q:
        return _value_q(self.lookup, op, value)

    def evaluate(self, facts: Facts, ctx: RuleContext) -> Value | None:
        return facts.get(self.key or self.name)


@dataclass(frozen=True)
class ColumnFlag(Flag):
    """A boolean column: true only when the stored value is True (NULL counts as false)."""

    name: str
    label: Text
    lookup: str
    true_text: Text
    false_text: Text
    key: str = ""
    help: Text = ""

    def to_q(self, ctx: RuleContext) -> Q:
        return Q(**{self.lookup: True})

    def evaluate(self, facts: Facts, ctx: RuleContext) -> bool:
        return facts.get(self.key or self.name) is True

    def fact(self, holds: bool, ctx: RuleContext) -> str:
        return str(self.true_text if holds else self.false_text)


AGE_TYPE: Final = IntType(0, 150)


def age_in_years(birth: date, on: date) -> int:
    """Age in full years on `on` (negative before birth): the count that eligibility rules use."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def born_by(on: date, years: int) -> date:
    """The latest birth date of a person aged at least `years` on `on` (29 February falls back to the 28th)."""
    year = on.year - years
    try:
        return on.replace(year=year)
    except ValueError:  # 29 February in a year that has none
        return date(year, 2, 28)


@dataclass(frozen=True)
class AgeField(Field):
    """Age in full years on `on` (the context's reference date when None), from a birth-date column.

    The query is a range on the birth date itself, never a computed age, so that an index on the birth date
    serves it: ``age >= 60`` on 2025-03-01 is ``birth_date <= 1965-03-01``.
    """

    name: str
    label: Text
    birth_lookup: str
    birth_key: str
    on: date | None = None
    type: ValueType = AGE_TYPE
    unit: Text = YEARS
    help: Text = ""

    def to_q(self, op: Op, value: Value | tuple[Value, ...], ctx: RuleContext) -> Q:
        day = self.on or ctx.ref_date
        born = self.birth_lookup
        if op in (Op.IN, Op.NOT_IN):
            ages = sorted({_whole(age) for age in _as_tuple(value)})
            runs: list[list[int]] = []
            for age in ages:
                if runs and runs[-1][-1] == age - 1:
                    runs[-1].append(age)
                else:
                    runs.append([age])
            selected = Q()
            for run in runs:
                selected |= self._between(day, run[0], run[-1])
            return selected if op is Op.IN else Q(**{f"{born}__isnull": False}) & ~selected
        years = _whole(value)
        if op is Op.GT:
            op, years = Op.GE, years + 1
        elif op is Op.LE:
            op, years = Op.LT, years + 1
        if op is Op.GE:
            return Q(**{f"{born}__lte": born_by(day, years)})
        if op is Op.LT:
            return Q(**{f"{born}__gt": born_by(day, years)})
        between = self._between(day, years, years)
        return between if op is Op.EQ else Q(**{f"{born}__isnull": False}) & ~between

    def _between(self, day: date, youngest: int, oldest: int) -> Q:
        """Aged from `youngest` to `oldest` full years inclusive on `day`."""
        born = self.birth_lookup
        return Q(**{f"{born}__gt": born_by(day, oldest + 1), f"{born}__lte": born_by(day, youngest)})

    def evaluate(self, facts: Facts, ctx: RuleContext) -> int | None:
        birth = facts.get(self.birth_key)
        return None if birth is None else age_in_years(birth, self.on or ctx.ref_date)


def _whole(value: Value | tuple[Value, ...]) -> int:
    """An age literal (the compiler has already checked it is an integer)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"an age is an integer, not {value!r}")
    return value


def age_on_function(*, name: str, label: Text, birth_lookup: str, birth_key: str, help: Text = "") -> Function:
    """A function ``name(日期)`` giving the age on a fixed date, e.g. ``age_on("2025-01-01") < 7``."""

    def bind(on: date) -> AgeField:
        return AgeField(
            name=name,
            label=str(AGE_ON_LABEL % {"date": on.isoformat()}),
            birth_lookup=birth_lookup,
            birth_key=birth_key,
            on=on,
        )

    return Function(
        name=name,
        label=label,
        params=(Param(_("日期"), DateType()),),
        returns=AGE_TYPE,
        binder=bind,
        help=help,
    )
