"""The batch lifecycle as data: one transition table that services, screens, the API and tests read.

draft → checked → approved (leader) → exported → reconciled → closed; an approved batch may wait in
awaiting_funds until upper-level money arrives; a batch not yet approved may be cancelled (its lines are
excluded, which frees their beneficiaries for another batch). See docs/decisions/0013-payments.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from canlian.payments.choices import BatchStatus as S
from canlian.payments.choices import BatchTransition as T


@dataclass(frozen=True)
class Rule:
    from_statuses: frozenset[str]
    to_status: str
    action: str  # the permission action (accounts/permissions.py MATRIX)
    reason_required: bool = False


TRANSITIONS: dict[str, Rule] = {
    T.CHECK: Rule(frozenset({S.DRAFT, S.CHECKED}), S.CHECKED, "payment.manage"),
    T.APPROVE: Rule(frozenset({S.CHECKED}), S.APPROVED, "payment.approve"),
    T.AWAIT_FUNDS: Rule(frozenset({S.APPROVED}), S.AWAITING_FUNDS, "payment.manage", reason_required=True),
    T.FUNDS_ARRIVED: Rule(frozenset({S.AWAITING_FUNDS}), S.APPROVED, "payment.manage"),
    T.EXPORT: Rule(frozenset({S.APPROVED, S.EXPORTED}), S.EXPORTED, "payment.manage"),
    T.RECONCILE: Rule(frozenset({S.EXPORTED}), S.RECONCILED, "payment.manage"),
    T.CLOSE: Rule(frozenset({S.RECONCILED}), S.CLOSED, "payment.manage"),
    T.CANCEL: Rule(frozenset({S.DRAFT, S.CHECKED}), S.CANCELLED, "payment.manage", reason_required=True),
}
"""transition → (from statuses, resulting status, permission). EXPORT may be repeated (a lost file); each
export is recorded with its hash."""

# Lines of a batch in these statuses count as "committed" money in the figures contract.
COMMITTED_STATUSES = frozenset({S.APPROVED, S.EXPORTED})
OPEN_STATUSES = frozenset({S.DRAFT, S.CHECKED, S.APPROVED, S.AWAITING_FUNDS, S.EXPORTED})
