"""Progress of programmes, reported by the modules that deliver them.

The catalogue cannot count what it does not hold: the applications module registers a provider that
counts delivered units per programme and year inside a user's area. Until one is registered,
progress is unknown (None) and screens show targets and budgets only.
"""

from __future__ import annotations

from collections.abc import Callable

Provider = Callable[..., dict[int, int]]
_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def done_counts(*, user: object, year: int, programme_ids: list[int]) -> dict[int, int] | None:
    """{programme id: units done in the year} summed over providers, or None when nobody reports."""
    if not _PROVIDERS:
        return None
    totals: dict[int, int] = dict.fromkeys(programme_ids, 0)
    for provider in _PROVIDERS:
        for pid, count in provider(user=user, year=year, programme_ids=programme_ids).items():
            totals[pid] = totals.get(pid, 0) + count
    return totals
