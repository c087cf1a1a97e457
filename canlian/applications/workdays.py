"""Working days: Monday–Friday, minus public holidays, plus 调休 make-up working days (the Holiday table).

Step deadlines are counted in working days from the day a step starts (domain.md §3). A Calendar loads the
holiday rows of a date range once, so computing due dates for thousands of applications costs one query.
"""

from __future__ import annotations

from datetime import date, timedelta

from canlian.applications.models import Holiday

# (date, name, is_workday) from the State Council's notices (国办发明电) for 2024, 2025 and 2026.
PRELOADED: list[tuple[str, str, bool]] = []


def _span(first: str, last: str, name: str) -> None:
    d, end = date.fromisoformat(first), date.fromisoformat(last)
    while d <= end:
        PRELOADED.append((d.isoformat(), name, False))
        d += timedelta(days=1)


for _first, _last, _name in [
    ("2024-01-01", "2024-01-01", "元旦"), ("2024-02-10", "2024-02-17", "春节"), ("2024-04-04", "2024-04-06", "清明节"),
    ("2024-05-01", "2024-05-05", "劳动节"), ("2024-06-10", "2024-06-10", "端午节"),
    ("2024-09-15", "2024-09-17", "中秋节"), ("2024-10-01", "2024-10-07", "国庆节"),
    ("2025-01-01", "2025-01-01", "元旦"), ("2025-01-28", "2025-02-04", "春节"), ("2025-04-04", "2025-04-06", "清明节"),
    ("2025-05-01", "2025-05-05", "劳动节"), ("2025-05-31", "2025-06-02", "端午节"),
    ("2025-10-01", "2025-10-08", "国庆节、中秋节"),
    ("2026-01-01", "2026-01-03", "元旦"), ("2026-02-15", "2026-02-23", "春节"), ("2026-04-04", "2026-04-06", "清明节"),
    ("2026-05-01", "2026-05-05", "劳动节"), ("2026-06-19", "2026-06-21", "端午节"),
    ("2026-09-25", "2026-09-27", "中秋节"), ("2026-10-01", "2026-10-07", "国庆节"),
]:
    _span(_first, _last, _name)
PRELOADED += [
    ("2024-02-04", "春节调休", True), ("2024-02-18", "春节调休", True), ("2024-04-07", "清明节调休", True),
    ("2024-04-28", "劳动节调休", True), ("2024-05-11", "劳动节调休", True), ("2024-09-14", "中秋节调休", True),
    ("2024-09-29", "国庆节调休", True), ("2024-10-12", "国庆节调休", True),
    ("2025-01-26", "春节调休", True), ("2025-02-08", "春节调休", True), ("2025-04-27", "劳动节调休", True),
    ("2025-09-28", "国庆节调休", True), ("2025-10-11", "国庆节调休", True),
    ("2026-01-04", "元旦调休", True), ("2026-02-14", "春节调休", True), ("2026-02-28", "春节调休", True),
    ("2026-05-09", "劳动节调休", True), ("2026-09-20", "国庆节调休", True), ("2026-10-10", "国庆节调休", True),
]


def ensure_holidays(holiday_model: type) -> None:
    """Load the preloaded days (idempotent; takes the historical model in migrations)."""
    existing = set(holiday_model.objects.values_list("date", flat=True))
    holiday_model.objects.bulk_create(
        [holiday_model(date=date.fromisoformat(d), name=n, is_workday=w) for d, n, w in PRELOADED
         if date.fromisoformat(d) not in existing]
    )


class Calendar:
    """The working-day calendar of [first, last], from one query of the Holiday table."""

    def __init__(self, first: date, last: date) -> None:
        self.first, self.last = first, last
        self.exceptions = dict(
            Holiday.objects.filter(date__gte=first, date__lte=last).values_list("date", "is_workday")
        )

    def is_workday(self, d: date) -> bool:
        if d in self.exceptions:
            return self.exceptions[d]
        return d.weekday() < 5

    def add(self, start: date, n: int) -> date:
        """The n-th working day after `start` (a step started on `start` with n days is due that day)."""
        d, left = start, n
        while left > 0:
            d += timedelta(days=1)
            if d > self.last:
                self.__init__(self.first, d + timedelta(days=366))  # type: ignore[misc]
            if self.is_workday(d):
                left -= 1
        return d

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 if end ≤ start)."""
        n, d = 0, start
        while d < end:
            d += timedelta(days=1)
            if self.is_workday(d):
                n += 1
        return n


def calendar_for(start: date, days: int = 60) -> Calendar:
    return Calendar(start, start + timedelta(days=max(days * 2 + 30, 60)))


def add_working_days(start: date, n: int) -> date:
    return calendar_for(start, n).add(start, n)


def is_workday(d: date) -> bool:
    return Calendar(d, d).is_workday(d)
