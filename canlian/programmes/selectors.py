"""Reads of the catalogue with the year's targets and budgets (and progress, once modules report it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from canlian.common.money import percent
from canlian.programmes import progress
from canlian.programmes.choices import FundingSource
from canlian.programmes.models import Budget, Programme, Target


@dataclass
class ProgrammeYear:
    """One programme in one year: what the list, the detail page and the API show."""

    programme: Programme
    year: int
    target: int | None
    street_targets: list[Target]
    budgets: dict[str, Decimal]
    done: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def budget_total(self) -> Decimal:
        return sum(self.budgets.values(), Decimal("0.00"))

    @property
    def budget_rows(self) -> list[dict[str, object]]:
        return [
            {"source": s, "label": FundingSource(s).label, "amount": self.budgets[s]}
            for s in FundingSource.values if s in self.budgets
        ]

    @property
    def completion_rate(self) -> Decimal | None:
        if self.done is None or not self.target:
            return None
        return percent(self.done, self.target)


def programme_queryset(*, year: int, active_only: bool = False) -> QuerySet[Programme]:
    qs = Programme.objects.prefetch_related(
        Prefetch("targets", queryset=Target.objects.filter(year=year).select_related("street"), to_attr="year_targets"),
        Prefetch("budgets", queryset=Budget.objects.filter(year=year), to_attr="year_budgets"),
    )
    return qs.filter(is_active=True) if active_only else qs


def _assemble(programme: Programme, year: int, done: dict[int, int] | None) -> ProgrammeYear:
    district_total = next((t.quantity for t in programme.year_targets if t.street_id is None), None)
    return ProgrammeYear(
        programme=programme,
        year=year,
        target=district_total,
        street_targets=[t for t in programme.year_targets if t.street_id is not None],
        budgets={b.source: b.amount for b in programme.year_budgets},
        done=done.get(programme.pk, 0) if done is not None else None,
    )


def programme_overview(*, user: object, year: int, field: str | None = None) -> list[ProgrammeYear]:
    """Every programme with the year's target, budget and (when a module reports it) progress.

    The catalogue is public inside the federation; area scoping applies to the progress figures,
    which the reporting modules compute for the user's area.
    """
    qs = programme_queryset(year=year)
    if field:
        qs = qs.filter(field=field)
    programmes = list(qs)
    done = progress.done_counts(user=user, year=year, programme_ids=[p.pk for p in programmes])
    return [_assemble(p, year, done) for p in programmes]


def programme_year(*, user: object, code: str, year: int) -> ProgrammeYear:
    programme = get_object_or_404(programme_queryset(year=year), code=code)
    done = progress.done_counts(user=user, year=year, programme_ids=[programme.pk])
    return _assemble(programme, year, done)


def years_with_data() -> list[int]:
    years = set(Target.objects.values_list("year", flat=True)) | set(Budget.objects.values_list("year", flat=True))
    return sorted(years, reverse=True)


def work_year(today: date | None = None) -> int:
    """The year the statistics open on: this year once it has targets or a budget, else the latest earlier year
    that has (in January, before the new targets are set, the year whose summary is being written); this year
    when no year has any."""
    this_year = (today or timezone.localdate()).year
    return next((year for year in years_with_data() if year <= this_year), this_year)
