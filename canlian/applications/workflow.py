"""The state machine of every application, as data: who acts at which step, and which transition is
allowed from where. Services, screens, the API and the tests all read these two tables; nothing else
decides. See docs/decisions/0012-application-state-machine.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from canlian.accounts.choices import Role
from canlian.applications.choices import Status, Transition
from canlian.programmes.choices import Step

R = Role
_CASEWORK = frozenset({R.COMMUNITY_COORDINATOR, R.STREET_OFFICER, R.DISTRICT_OFFICER})

STEP_ROLES: dict[str, frozenset[Role]] = {
    Step.APPLY: _CASEWORK,
    Step.ACCEPT: _CASEWORK,
    Step.FIRST_REVIEW: frozenset({R.STREET_OFFICER}),
    Step.HOME_SURVEY: _CASEWORK,
    Step.ASSESS: frozenset({R.DISTRICT_OFFICER}),
    Step.REVIEW: frozenset({R.DISTRICT_OFFICER}),
    Step.VERIFY: frozenset({R.DISTRICT_OFFICER}),
    Step.APPROVE: frozenset({R.LEADER}),
    Step.NOTICE: frozenset({R.DISTRICT_OFFICER}),
    # Finance pays cash benefits through payment batches: the bank's return moves the application past
    # "deliver" as the finance user (payments.services); a cash benefit is never delivered by hand.
    Step.DELIVER: frozenset({R.DISTRICT_OFFICER, R.FINANCE}),
    Step.FOLLOW_UP: _CASEWORK,
}
"""Step → roles that may act on an application waiting at that step (always inside their own area)."""

# Steps where an application can no longer be returned or rejected: at "apply" the applicant's side
# withdraws instead; at "follow_up" the benefit has been delivered and only the visit remains.
_NO_RETURN_OR_REJECT = frozenset({Step.APPLY, Step.FOLLOW_UP})
# After delivery nothing is withdrawn: the money or service has gone out.
_NO_WITHDRAW = frozenset({Step.DELIVER, Step.FOLLOW_UP})


@dataclass(frozen=True)
class Rule:
    """One row of the transition table: from which statuses, by whom, and whether a reason is required."""

    from_statuses: frozenset[str]
    reason_required: bool
    roles: frozenset[Role] | None  # None: the roles of the current step (STEP_ROLES)
    blocked_steps: frozenset[str] = frozenset()


TRANSITIONS: dict[str, Rule] = {
    Transition.ADVANCE: Rule(frozenset({Status.IN_PROGRESS}), reason_required=False, roles=None),
    Transition.RETURN: Rule(
        frozenset({Status.IN_PROGRESS}), reason_required=True, roles=None, blocked_steps=_NO_RETURN_OR_REJECT
    ),
    Transition.REJECT: Rule(
        frozenset({Status.IN_PROGRESS}), reason_required=True, roles=None, blocked_steps=_NO_RETURN_OR_REJECT
    ),
    Transition.WITHDRAW: Rule(
        frozenset({Status.IN_PROGRESS}), reason_required=True, roles=_CASEWORK, blocked_steps=_NO_WITHDRAW
    ),
    Transition.REOPEN: Rule(frozenset({Status.REJECTED}), reason_required=True, roles=frozenset({R.DISTRICT_OFFICER})),
}
"""The one transition table. CREATE is not here: it makes the application (services.application_create)."""


def roles_for(transition: str, step: str) -> frozenset[Role]:
    rule = TRANSITIONS[transition]
    return STEP_ROLES[step] if rule.roles is None else rule.roles


def refusal(*, transition: str, status: str, step: str, steps: list[str], role: str | None) -> str | None:
    """Why `role` may not perform `transition` on an application at (status, step), or None if it may.

    Area is checked separately (services._check_area); this is the table alone.
    """
    rule = TRANSITIONS.get(transition)
    if rule is None:
        return _("未知的操作：%(t)s") % {"t": transition}
    if status not in rule.from_statuses:
        return _("申请当前状态为“%(s)s”，不能%(t)s") % {"s": Status(status).label, "t": Transition(transition).label}
    if step in rule.blocked_steps:
        return _("申请处于“%(s)s”环节，不能%(t)s") % {"s": Step(step).label, "t": Transition(transition).label}
    if transition == Transition.RETURN and steps.index(step) == 0:
        return _("已是第一个环节，无法退回")
    if role not in roles_for(transition, step):
        names = _("、").join(str(r.label) for r in Role if r in roles_for(transition, step))
        return _("“%(s)s”环节的“%(t)s”只能由%(r)s办理") % {
            "s": Step(step).label, "t": Transition(transition).label, "r": names}
    return None


def next_step(steps: list[str], step: str) -> str | None:
    """The configured step after `step`, or None after the last one (the application closes)."""
    i = steps.index(step)
    return steps[i + 1] if i + 1 < len(steps) else None


def previous_step(steps: list[str], step: str) -> str:
    return steps[steps.index(step) - 1]
