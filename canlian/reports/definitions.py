"""Every figure of the annual summary and the dashboard, defined once (docs/annual-report.md is the user copy).

- People served (`people`): distinct beneficiaries (persons) with a delivered application in the period —
  `delivered_on` within the period, the application neither rejected nor withdrawn (it has passed the
  "deliver" step; `delivered_on` is set only there). `households` counts distinct households among them,
  `items` the delivered applications (one application delivers one item or service).
- Done (`done`): the programme's unit — person → people, household → households, item and enterprise → items.
- Reviewed / approved (`reviewed`, `approved`): distinct beneficiaries (households for household programmes)
  whose application passed the 审核 / 审批 step in the period and is still active.
- Target (`target`): programmes.Target for the period's year — the district total for the whole district,
  the street's own target for a street, none for a community or for a period spanning two years.
- Completion rate (`rate`): done / target × 100, ROUND_HALF_UP to two decimals (canlian.common.money.percent);
  none without a target. Over target (`over`): done − target when positive, else 0; none without a target.
- Amount (`amount`): payment lines in state "paid" dated in the period, net of reversals, from the payments
  module through canlian.common.figures; `amount_awaiting` / `amount_committed` likewise for lines awaiting
  upper-level funds / approved but not reconciled. Without a payments module every money figure is None
  ("not available"), never 0.
- Money is printed in 万元 with trailing zeros dropped (34.2, 5.304) unless the work line asks for fixed
  decimals (`wan2`, `wan4`: 2.10, 20.9250 as the seed prints them), small sums in whole yuan (`yuan`: 11034).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.applications.choices import Status, Transition
from canlian.applications.models import Application, ApplicationEvent
from canlian.common import figures as payments
from canlian.common.money import format_percent, format_wanyuan, percent, to_yuan
from canlian.common.report_sections import Scope
from canlian.programmes.choices import FundingSource, Step, Unit
from canlian.programmes.models import Programme, Target
from canlian.registry.choices import HukouType
from canlian.registry.models import area_code_q

NOT_AVAILABLE = "〔暂无数据〕"
STREET_CODE_LENGTH = 9
DISTRICT_CODE_LENGTH = 6
INACTIVE = (Status.REJECTED, Status.WITHDRAWN)


# --- period -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(_("结束日期不能早于开始日期"))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def is_calendar_year(self) -> bool:
        return self.start == date(self.start.year, 1, 1) and self.end == date(self.start.year, 12, 31)

    @property
    def target_year(self) -> int | None:
        """The year whose targets apply: the period must lie within one calendar year."""
        return self.start.year if self.start.year == self.end.year else None

    @property
    def label(self) -> str:
        if self.is_calendar_year:
            return _("%(y)d年") % {"y": self.start.year}
        return _("%(a)s至%(b)s") % {"a": _cn_date(self.start), "b": _cn_date(self.end)}

    def aware_bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, end + 1 day 00:00) in the local time zone, for timestamps."""
        tz = timezone.get_current_timezone()
        return (datetime.combine(self.start, time.min, tzinfo=tz),
                datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz))


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def months(period: Period) -> list[date]:
    """First days of the months the period touches."""
    out, day = [], period.start.replace(day=1)
    while day <= period.end:
        out.append(day)
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


# --- the small rules ----------------------------------------------------------------------------------


def completion_rate(done: int, target: int | None) -> Decimal | None:
    """done / target × 100, ROUND_HALF_UP to two places; None without a (non-zero) target."""
    return percent(done, target)


def over_target(done: int, target: int | None) -> int | None:
    """超目标: done − target when positive, 0 otherwise; None without a target."""
    if target is None:
        return None
    return max(done - target, 0)


def done_for_unit(unit: str, *, people: int, households: int, items: int) -> int:
    if unit == Unit.PERSON:
        return people
    if unit == Unit.HOUSEHOLD:
        return households
    return items


def format_yuan_plain(value: Decimal | str) -> str:
    """Whole yuan without separators (11034), cents only when there are any (11034.50)."""
    amount = to_yuan(Decimal(str(value)))
    return f"{amount:f}".removesuffix(".00")


def format_value(value: Any, spec: str) -> str:
    """One placeholder's text. Specs: wan, wanN, yuan, pct, if (see canlian/programmes/report_lines.py)."""
    if spec == "if":
        return ""
    if spec == "pct":
        return format_percent(Decimal(str(value)))
    if spec == "yuan":
        return format_yuan_plain(value)
    if spec.startswith("wan"):
        places = int(spec[3:]) if spec[3:] else None
        return format_wanyuan(Decimal(str(value)), places)
    if spec:
        raise ValueError(f"unknown placeholder format {spec!r}")
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


_PLACEHOLDER = re.compile(r"\{([\w.\-]+)(?::([a-z0-9]+))?\}")
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]")


def lookup(figures: dict[str, Any], path: str) -> Any:
    """`report.area_phrase` reads figures["report"]["area_phrase"]; a path starting with a programme code
    (`R1.done`) reads figures["programmes"]["R1"]["done"]. Unknown paths are an error in the template."""
    parts = path.split(".")
    node: Any = figures if parts[0] in figures else figures.get("programmes", {})
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"report template names an unknown figure {path!r}")
        node = node[part]
    return node


def _blank(value: Any) -> bool:
    return value is None or value is False or value == 0 or value in ("", [], ()) or value == "0.00"


def render(template: str, figures: dict[str, Any]) -> tuple[str, list[str]]:
    """The sentence, and the paths of figures that were not available where the sentence needed them.

    An optional segment `[[…]]` is dropped when any of its figures is missing, zero or false; a missing
    figure outside a segment is printed as 〔暂无数据〕. Missing (None) figures are reported either way, so
    the document can list them as not available: nothing is ever invented or shown as 0.
    """
    missing: list[str] = []

    def segment(match: re.Match[str]) -> str:
        inner = match.group(1)
        values = {m.group(1): lookup(figures, m.group(1)) for m in _PLACEHOLDER.finditer(inner)}
        missing.extend(path for path, value in values.items() if value is None and path not in missing)
        if any(_blank(value) for value in values.values()):
            return ""
        return _PLACEHOLDER.sub(lambda m: format_value(lookup(figures, m.group(1)), m.group(2) or ""), inner)

    def mandatory(match: re.Match[str]) -> str:
        value = lookup(figures, match.group(1))
        if value is None:
            if match.group(1) not in missing:
                missing.append(match.group(1))
            return NOT_AVAILABLE
        return format_value(value, match.group(2) or "")

    text = _PLACEHOLDER.sub(mandatory, _OPTIONAL.sub(segment, template))
    return text, missing


# --- the figures -------------------------------------------------------------------------------------


def applications(scope: Scope) -> QuerySet[Application]:
    """Applications the scope may count: the user's visible ones (all for the command) inside the area."""
    qs = Application.objects.visible_to(scope.user) if scope.user is not None else Application.objects.all()
    return qs.filter(area_code_q(scope.area_prefix))


def delivered(scope: Scope) -> QuerySet[Application]:
    """The applications behind "people served": delivered within the period, neither rejected nor withdrawn."""
    return (applications(scope).filter(delivered_on__gte=scope.start, delivered_on__lte=scope.end)
            .exclude(status__in=INACTIVE))


_SERVED = {
    "people": Count("person_id", distinct=True),
    "households": Count("household_id", distinct=True),
    "items": Count("id"),
    "people_urban": Count("person_id", distinct=True, filter=Q(person__hukou_type=HukouType.URBAN)),
    "people_rural": Count("person_id", distinct=True, filter=Q(person__hukou_type=HukouType.RURAL)),
}


def _passed(scope: Scope, step: str) -> tuple[dict[int, dict[str, int]], dict[int, list[str]]]:
    """Per programme: distinct persons and households whose active application passed `step` in the period,
    and the periods (期次) of those applications."""
    start, end = Period(scope.start, scope.end).aware_bounds()
    events = ApplicationEvent.objects.filter(
        application__in=applications(scope).exclude(status__in=INACTIVE), transition=Transition.ADVANCE,
        step=step, at__gte=start, at__lt=end,
    )
    counts = {r["application__programme_id"]: r for r in events.values("application__programme_id").annotate(
        people=Count("application__person_id", distinct=True),
        households=Count("application__household_id", distinct=True)).order_by()}
    periods: dict[int, list[str]] = defaultdict(list)
    for pid, period in (events.values_list("application__programme_id", "application__period").distinct()
                        .order_by("application__period")):
        if period not in periods[pid]:
            periods[pid].append(period)
    return counts, periods


def targets(scope: Scope, year: int | None) -> dict[int, int]:
    """{programme id: target} for the scope's area: district total, a street's own target, or nothing."""
    if year is None:
        return {}
    qs = Target.objects.filter(year=year)
    prefix = scope.area_prefix
    if len(prefix) <= DISTRICT_CODE_LENGTH:
        qs = qs.filter(street__isnull=True)
    elif len(prefix) == STREET_CODE_LENGTH:
        qs = qs.filter(street__code=prefix)
    else:
        return {}
    return dict(qs.values_list("programme_id", "quantity"))


@dataclass
class Money:
    """The payments contract's rows for the scope, or None when no payments module reports."""

    totals: list[payments.PaymentTotal] | None
    people_paid: dict[str, int] | None
    people_awaiting: dict[str, int] | None

    @property
    def available(self) -> bool:
        return self.totals is not None

    def sum(self, *, state: str = payments.PAID, code: str | None = None, source: str | None = None,
            month: date | None = None, area_prefix: str | None = None) -> Decimal | None:
        if self.totals is None:
            return None
        total = Decimal("0.00")
        for row in self.totals:
            if row.state != state or (code is not None and row.programme_code != code):
                continue
            if source is not None and row.source != source:
                continue
            if month is not None and row.month != month:
                continue
            if area_prefix is not None and not row.area_code.startswith(area_prefix):
                continue
            total += row.amount
        return to_yuan(total)


def money(scope: Scope) -> Money:
    query = payments.PaymentQuery(start=scope.start, end=scope.end, area_prefix=scope.area_prefix)
    return Money(totals=payments.payment_totals(query), people_paid=payments.payment_persons(query, payments.PAID),
                 people_awaiting=payments.payment_persons(query, payments.AWAITING_FUNDS))


def _amount_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def programme_figures(scope: Scope, cash: Money | None = None) -> dict[str, dict[str, Any]]:
    """{programme code: figures} for every programme in the catalogue, in report order (JSON values)."""
    period = Period(scope.start, scope.end)
    cash = cash if cash is not None else money(scope)
    served = {r["programme_id"]: r for r in delivered(scope).values("programme_id").annotate(**_SERVED).order_by()}
    reviewed, review_periods = _passed(scope, Step.REVIEW)
    approved, _approve_periods = _passed(scope, Step.APPROVE)
    goal = targets(scope, period.target_year)
    out: dict[str, dict[str, Any]] = {}
    for programme in Programme.objects.order_by("report_order", "code"):
        row = served.get(programme.pk, {})
        people, households, items = row.get("people", 0), row.get("households", 0), row.get("items", 0)
        done = done_for_unit(programme.unit, people=people, households=households, items=items)
        target = goal.get(programme.pk)
        rate = completion_rate(done, target)
        by_unit = "households" if programme.unit == Unit.HOUSEHOLD else "people"
        paid_months = sorted({r.month for r in cash.totals or [] if r.programme_code == programme.code
                              and r.state == payments.PAID and r.month is not None and r.amount})
        out[programme.code] = {
            "code": programme.code,
            "name": programme.name,
            "unit": programme.unit,
            "target": target,
            "done": done,
            "over": over_target(done, target),
            "rate": None if rate is None else f"{rate:f}",
            "people": people,
            "households": households,
            "items": items,
            "people_urban": row.get("people_urban", 0),
            "people_rural": row.get("people_rural", 0),
            "reviewed": reviewed.get(programme.pk, {}).get(by_unit, 0),
            "approved": approved.get(programme.pk, {}).get(by_unit, 0),
            "periods": review_periods.get(programme.pk, []),
            "excess_funded_by_district": programme.excess_funded_by_district,
            "amount": _amount_text(cash.sum(code=programme.code)),
            "amount_by_source": None if not cash.available else {
                s: _amount_text(cash.sum(code=programme.code, source=s)) for s in FundingSource.values},
            "amount_committed": _amount_text(cash.sum(state=payments.COMMITTED, code=programme.code)),
            "amount_awaiting": _amount_text(cash.sum(state=payments.AWAITING_FUNDS, code=programme.code)),
            "people_paid": None if cash.people_paid is None else cash.people_paid.get(programme.code, 0),
            "people_awaiting": None if cash.people_awaiting is None else cash.people_awaiting.get(programme.code, 0),
            "last_paid_month": paid_months[-1].month if paid_months else None,
        }
    return out


def by_area(scope: Scope, level_length: int, cash: Money | None = None) -> list[dict[str, Any]]:
    """Per area (street: 9-digit prefix, community: 12 digits) and programme: people, households, items,
    done, the street's target and rate (streets only) and the amount paid."""
    cash = cash if cash is not None else money(scope)
    period = Period(scope.start, scope.end)
    rows = (delivered(scope).annotate(area=Substr("area_code", 1, level_length))
            .values("area", "programme_id", "programme__code", "programme__unit")
            .annotate(**_SERVED).order_by("area", "programme__report_order"))
    street_targets: dict[tuple[str, int], int] = {}
    if level_length == STREET_CODE_LENGTH and period.target_year is not None:
        street_targets = {(code, pid): q for code, pid, q in Target.objects.filter(
            year=period.target_year, street__isnull=False).values_list("street__code", "programme_id", "quantity")}
    out = []
    for r in rows:
        done = done_for_unit(r["programme__unit"], people=r["people"], households=r["households"], items=r["items"])
        target = street_targets.get((r["area"], r["programme_id"]))
        rate = completion_rate(done, target)
        out.append({
            "area_code": r["area"], "programme": r["programme__code"], "people": r["people"],
            "households": r["households"], "items": r["items"], "done": done, "target": target,
            "rate": None if rate is None else f"{rate:f}",
            "amount": _amount_text(cash.sum(code=r["programme__code"], area_prefix=r["area"])),
        })
    return out


def by_month(scope: Scope, cash: Money | None = None) -> list[dict[str, Any]]:
    """Per month of the period and programme: people served (delivered that month) and the amount paid."""
    cash = cash if cash is not None else money(scope)
    rows = (delivered(scope).annotate(month=TruncMonth("delivered_on"))
            .values("month", "programme__code", "programme__unit").annotate(**_SERVED).order_by("month"))
    found = {(r["month"], r["programme__code"]): r for r in rows}
    codes = list(Programme.objects.order_by("report_order", "code").values_list("code", flat=True))
    out = []
    for month in months(Period(scope.start, scope.end)):
        for code in codes:
            r = found.get((month, code))
            amount = cash.sum(code=code, month=month)
            if r is None and not amount:
                continue
            done = done_for_unit(r["programme__unit"], people=r["people"], households=r["households"],
                                 items=r["items"]) if r else 0
            out.append({"month": month.strftime("%Y-%m"), "programme": code, "people": r["people"] if r else 0,
                        "done": done, "amount": _amount_text(amount)})
    return out


def funds_by_source(cash: Money) -> dict[str, str | None]:
    return {s: _amount_text(cash.sum(source=s)) for s in FundingSource.values}
