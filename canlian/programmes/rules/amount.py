"""Amount rules: how much a programme pays, as a small JSON-able spec an administrator edits per year.

Amounts are not expressions: the federation's benefits come in four shapes, and a form with four choices
is safer than arithmetic typed by hand.

    {"kind": "fixed", "amount": "1000.00"}                          1,000 元 per person (or household)
    {"kind": "monthly", "amount": "94.00", "months": 12}            94 元 a month for 12 months
    {"kind": "monthly", "amount": "94.00", "months": "from_application_month"}
                                                                    94 元 a month from the month of application
    {"kind": "by_grade", "table": {"1": "1200.00", "2": "800.00"}}  by disability grade
    {"kind": "per_case", "max": "5000.00"}                          typed per case, with a reason, up to a ceiling

Amounts are written as text ("94.00") or whole numbers, never JSON floats, and are Decimal yuan with two
places from then on (canlian.common.money.to_yuan). compute() reads what a shape needs from the facts:

    grade               by_grade
    application_date    monthly from the application month (a date)
    stop_date           monthly from the application month: last month paid is this date's month (death,
                        moving out: payment stops from the following month); absent or None if not stopped
    case_amount, case_reason   per_case
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from django.utils.translation import gettext_lazy as _

from canlian.common.certificate import GRADE_NAMES
from canlian.common.money import to_yuan
from canlian.programmes.rules.fields import Facts, RuleContext

FROM_APPLICATION_MONTH: Final = "from_application_month"
_AMOUNT_TEXT: Final = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")

NOT_OBJECT = _("金额规则应为 JSON 对象，例如 {\"kind\": \"fixed\", \"amount\": \"1000.00\"}")
BAD_KIND = _(
    "金额规则的类型（kind）应为 fixed（固定金额）、monthly（按月）、by_grade（按等级）"
    "或 per_case（按案例填写）之一，实为 %(kind)s"
)
UNKNOWN_KEYS = _("金额规则中有未知的设置项：%(keys)s")
MISSING = _("缺少%(what)s（%(key)s）")
AMOUNT_FORMAT = _("%(what)s应写成数字文本，最多两位小数，例如 \"94.00\"，实为 %(value)s")
AMOUNT_FLOAT = _("%(what)s请写成带引号的文本，例如 \"94.00\"：JSON 小数是浮点数，会有误差")
AMOUNT_POSITIVE = _("%(what)s须大于 0")
BAD_MONTHS = _("月数（months）应为 1–12 的整数，或 \"from_application_month\"（自申请当月起），实为 %(value)s")
BAD_TABLE = _("按等级的金额表（table）应为 {\"1\": \"金额\", …}，至少写一个等级")
BAD_GRADE_KEY = _("金额表中的等级应为 1–4，实为 %(value)s")
DUPLICATE_GRADE = _("金额表中%(grade)s写了不止一次")
NO_GRADE = _("未登记残疾等级，无法按等级计算金额")
GRADE_NOT_IN_TABLE = _("金额表中没有%(grade)s的金额")
NO_APPLICATION_DATE = _("缺少申请日期，无法自申请当月起计算")
APPLIED_AFTER_YEAR = _("申请日期 %(date)s 晚于发放年度 %(year)d 年")
NO_CASE_AMOUNT = _("按案例填写的项目，请填写本案金额")
NO_CASE_REASON = _("按案例填写的项目，请填写金额的理由")
CASE_OVER_MAX = _("本案金额 %(amount)s 元超过上限 %(maximum)s 元")
BAD_CASE_AMOUNT = _("本案金额无法识别：%(reason)s")
CASE_POSITIVE = _("本案金额须大于 0")
AMOUNT_WORD = _("金额")
MAX_WORD = _("金额上限")
FIXED_TEXT = _("固定金额 %(amount)s 元")
MONTHLY_TEXT = _("每月 %(amount)s 元，共 %(months)d 个月")
MONTHLY_FROM_TEXT = _("每月 %(amount)s 元，自申请当月起按月计算至年末（停发当月为止）")
GRADE_TEXT = _("按残疾等级：%(table)s")
PER_CASE_TEXT = _("按案例填写，附理由，每案不超过 %(maximum)s 元")


class AmountKind(StrEnum):
    """The four shapes of a benefit amount."""

    FIXED = "fixed"
    MONTHLY = "monthly"
    BY_GRADE = "by_grade"
    PER_CASE = "per_case"


class AmountSpecError(ValueError):
    """A spec was refused; `errors` lists every problem in Chinese (str(error) joins them)."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("；".join(errors))


class AmountError(ValueError):
    """An amount could not be computed for one person or case; the message (Chinese) says what is missing."""


@dataclass(frozen=True)
class FixedAmount:
    """The same amount for everyone."""

    amount: Decimal

    def compute(self, facts: Facts, ctx: RuleContext) -> Decimal:
        return self.amount

    def to_json(self) -> dict[str, object]:
        return {"kind": AmountKind.FIXED.value, "amount": str(self.amount)}

    def describe(self) -> str:
        return str(FIXED_TEXT % {"amount": self.amount})


@dataclass(frozen=True)
class MonthlyAmount:
    """An amount per month, for a fixed number of months or from the month of application (months=None)."""

    amount: Decimal
    months: int | None

    def compute(self, facts: Facts, ctx: RuleContext) -> Decimal:
        months = self.months if self.months is not None else months_from_application(facts, ctx)
        return to_yuan(self.amount * months)

    def to_json(self) -> dict[str, object]:
        months: int | str = FROM_APPLICATION_MONTH if self.months is None else self.months
        return {"kind": AmountKind.MONTHLY.value, "amount": str(self.amount), "months": months}

    def describe(self) -> str:
        if self.months is None:
            return str(MONTHLY_FROM_TEXT % {"amount": self.amount})
        return str(MONTHLY_TEXT % {"amount": self.amount, "months": self.months})


@dataclass(frozen=True)
class GradeAmount:
    """An amount per disability grade (1–4); a grade missing from the table has no amount."""

    table: tuple[tuple[int, Decimal], ...]

    def compute(self, facts: Facts, ctx: RuleContext) -> Decimal:
        grade = facts.get("grade")
        if grade is None:
            raise AmountError(str(NO_GRADE))
        amount = dict(self.table).get(grade)
        if amount is None:
            raise AmountError(str(GRADE_NOT_IN_TABLE % {"grade": GRADE_NAMES.get(grade, grade)}))
        return amount

    def to_json(self) -> dict[str, object]:
        return {"kind": AmountKind.BY_GRADE.value, "table": {str(grade): str(amount) for grade, amount in self.table}}

    def describe(self) -> str:
        table = "、".join(f"{GRADE_NAMES[grade]} {amount} 元" for grade, amount in self.table)
        return str(GRADE_TEXT % {"table": table})


@dataclass(frozen=True)
class PerCaseAmount:
    """An amount typed for each case with a reason, up to `maximum` (barrier-free works, hardship visits)."""

    maximum: Decimal

    def compute(self, facts: Facts, ctx: RuleContext) -> Decimal:
        raw = facts.get("case_amount")
        if raw is None or raw == "":
            raise AmountError(str(NO_CASE_AMOUNT))
        if not str(facts.get("case_reason") or "").strip():
            raise AmountError(str(NO_CASE_REASON))
        try:
            amount = to_yuan(raw)
        except (TypeError, ValueError) as error:
            raise AmountError(str(BAD_CASE_AMOUNT % {"reason": error})) from None
        if amount <= 0:
            raise AmountError(str(CASE_POSITIVE))
        if amount > self.maximum:
            raise AmountError(str(CASE_OVER_MAX % {"amount": amount, "maximum": self.maximum}))
        return amount

    def to_json(self) -> dict[str, object]:
        return {"kind": AmountKind.PER_CASE.value, "max": str(self.maximum)}

    def describe(self) -> str:
        return str(PER_CASE_TEXT % {"maximum": self.maximum})


AmountSpec = FixedAmount | MonthlyAmount | GradeAmount | PerCaseAmount

_SPEC_TYPES: Final = (FixedAmount, MonthlyAmount, GradeAmount, PerCaseAmount)
_KEYS: Final = {
    AmountKind.FIXED: {"kind", "amount"},
    AmountKind.MONTHLY: {"kind", "amount", "months"},
    AmountKind.BY_GRADE: {"kind", "table"},
    AmountKind.PER_CASE: {"kind", "max"},
}


def parse_amount_spec(data: object) -> AmountSpec:
    """The typed spec for JSON `data`; raises AmountSpecError listing every problem, in Chinese."""
    if not isinstance(data, Mapping):
        raise AmountSpecError([str(NOT_OBJECT)])
    try:
        kind = AmountKind(data.get("kind"))
    except ValueError:
        raise AmountSpecError([str(BAD_KIND % {"kind": _shown(data.get("kind"))})]) from None
    errors: list[str] = []
    unknown = sorted(str(key) for key in data if key not in _KEYS[kind])
    if unknown:
        errors.append(str(UNKNOWN_KEYS % {"keys": "、".join(unknown)}))
    spec: AmountSpec
    if kind is AmountKind.FIXED:
        spec = FixedAmount(_amount(data, "amount", AMOUNT_WORD, errors))
    elif kind is AmountKind.MONTHLY:
        spec = MonthlyAmount(_amount(data, "amount", AMOUNT_WORD, errors), _months(data.get("months"), errors))
    elif kind is AmountKind.BY_GRADE:
        spec = GradeAmount(_table(data.get("table"), errors))
    else:
        spec = PerCaseAmount(_amount(data, "max", MAX_WORD, errors))
    if errors:  # the spec built above holds placeholders where a part was refused
        raise AmountSpecError(errors)
    return spec


def compute(spec: AmountSpec | Mapping[str, object], facts: Facts, ctx: RuleContext) -> Decimal:
    """The amount for one person (or household, or case) in yuan, two places; raises AmountError."""
    parsed = spec if isinstance(spec, _SPEC_TYPES) else parse_amount_spec(spec)
    return to_yuan(parsed.compute(facts, ctx))


def months_from_application(facts: Facts, ctx: RuleContext) -> int:
    """Months paid in ctx.year, from the application month (January if earlier) to December or the stop month."""
    applied = facts.get("application_date")
    if not isinstance(applied, date):
        raise AmountError(str(NO_APPLICATION_DATE))
    if applied.year > ctx.year:
        raise AmountError(str(APPLIED_AFTER_YEAR % {"date": applied.isoformat(), "year": ctx.year}))
    first = applied.month if applied.year == ctx.year else 1
    last = 12
    stopped = facts.get("stop_date")
    if isinstance(stopped, date) and stopped.year <= ctx.year:
        last = stopped.month if stopped.year == ctx.year else 0
    return max(0, last - first + 1)


def _shown(value: object) -> str:
    return f"“{value}”" if isinstance(value, str) else "（空）" if value is None else str(value)


# The readers below append what is wrong to `errors` and return a placeholder (zero) instead of raising, so
# that one AmountSpecError lists every problem of the spec at once.


def _amount(data: Mapping[str, object], key: str, what: object, errors: list[str]) -> Decimal:
    """data[key] as yuan."""
    if key not in data:
        errors.append(str(MISSING % {"what": what, "key": key}))
        return Decimal(0)
    return _yuan(data[key], what, errors)


def _yuan(raw: object, what: object, errors: list[str]) -> Decimal:
    if isinstance(raw, float):
        errors.append(str(AMOUNT_FLOAT % {"what": what}))
        return Decimal(0)
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and _AMOUNT_TEXT.fullmatch(raw))):
        errors.append(str(AMOUNT_FORMAT % {"what": what, "value": _shown(raw)}))
        return Decimal(0)
    amount = to_yuan(raw)
    if amount <= 0:
        errors.append(str(AMOUNT_POSITIVE % {"what": what}))
    return amount


def _months(raw: object, errors: list[str]) -> int | None:
    """The month count, or None for “from the application month”."""
    if raw == FROM_APPLICATION_MONTH:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 12:
        return raw
    errors.append(str(BAD_MONTHS % {"value": _shown(raw)}))
    return None


def _table(raw: object, errors: list[str]) -> tuple[tuple[int, Decimal], ...]:
    if not isinstance(raw, Mapping) or not raw:
        errors.append(str(BAD_TABLE))
        return ()
    rows: list[tuple[int, Decimal]] = []
    for key, value in raw.items():
        grade = _grade_key(key)
        if grade is None:
            errors.append(str(BAD_GRADE_KEY % {"value": _shown(key)}))
        elif grade in (seen for seen, _value in rows):
            errors.append(str(DUPLICATE_GRADE % {"grade": GRADE_NAMES[grade]}))
        else:
            rows.append((grade, _yuan(value, f"{GRADE_NAMES[grade]}{AMOUNT_WORD}", errors)))
    return tuple(sorted(rows))


def _grade_key(key: object) -> int | None:
    """A table key as a grade: "1"–"4" (JSON keys are text) or the integers 1–4."""
    text = str(key) if isinstance(key, str | int) and not isinstance(key, bool) else ""
    return int(text) if text in ("1", "2", "3", "4") else None
