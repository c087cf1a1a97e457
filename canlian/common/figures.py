"""Money figures that the payments module reports to the dashboard and the annual summary.

The contract between `payments` (which holds the ledger) and `reports` (which writes the figures): the
payments app registers one provider in its AppConfig.ready(); the reports app asks `payment_totals()`.
Until a provider is registered the answer is None, and every money figure is shown as not available —
never as zero, because "nothing paid" and "not recorded here" are different statements.

Definitions (docs/annual-report.md is the user-facing copy):
- state "paid": lines the bank confirmed as paid, dated by the payment date, net of reversals.
- state "committed": lines in a batch that is approved or exported but not yet reconciled.
- state "awaiting_funds": lines in a batch waiting for upper-level money (the seed's L2 case).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

PAID = "paid"
COMMITTED = "committed"
AWAITING_FUNDS = "awaiting_funds"
STATES = (PAID, COMMITTED, AWAITING_FUNDS)


@dataclass(frozen=True)
class PaymentTotal:
    """One group of payment lines: programme × funding source × state × month × community."""

    programme_code: str
    source: str  # a programmes.choices.FundingSource value
    state: str  # one of STATES
    month: date | None  # first day of the payment month for "paid"; the batch date's month otherwise
    area_code: str  # the beneficiary's community code
    amount: Decimal  # yuan, two places, net of reversals
    lines: int  # payment lines in the group (net of reversals)


@dataclass(frozen=True)
class PaymentQuery:
    start: date  # inclusive
    end: date  # inclusive
    area_prefix: str = ""  # region-code prefix; "" = the whole district
    programme_codes: tuple[str, ...] = ()  # () = every programme


TotalsProvider = Callable[[PaymentQuery], Iterable[PaymentTotal]]
PersonsProvider = Callable[[PaymentQuery, str], dict[str, int]]
_TOTALS: list[TotalsProvider] = []
_PERSONS: list[PersonsProvider] = []


def register(*, totals: TotalsProvider, persons: PersonsProvider) -> None:
    """Called once by the payments app. `persons(query, state)` returns {programme code: distinct
    beneficiaries (person or household) with at least one line in that state}."""
    if totals not in _TOTALS:
        _TOTALS.append(totals)
    if persons not in _PERSONS:
        _PERSONS.append(persons)


def available() -> bool:
    return bool(_TOTALS)


def payment_totals(query: PaymentQuery) -> list[PaymentTotal] | None:
    if not _TOTALS:
        return None
    return [row for provider in _TOTALS for row in provider(query)]


def payment_persons(query: PaymentQuery, state: str = PAID) -> dict[str, int] | None:
    if state not in STATES:
        raise ValueError(state)
    if not _PERSONS:
        return None
    counts: dict[str, int] = {}
    for provider in _PERSONS:
        for code, n in provider(query, state).items():
            counts[code] = counts.get(code, 0) + n
    return counts
