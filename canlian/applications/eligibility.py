"""The bridge to the programme catalogue's eligibility rule and enrolments (canlian.programmes).

Applications check eligibility at intake and again at approval with the rule published for the
application's year, and start the person's enrolment (在享) when the benefit is delivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from canlian.programmes.eligibility import check_eligibility
from canlian.programmes.models import Enrolment
from canlian.programmes.services import enrolment_start


@dataclass
class Outcome:
    eligible: bool
    reasons: list[str] = field(default_factory=list)
    rule_version_id: int | None = None


def reference_date(year: int, today: date) -> date:
    """The day the rule is applied: today within the application's year, else that year's nearest edge
    (a late application for last year is judged on 31 December of that year)."""
    if today.year == year:
        return today
    return date(year, 12, 31) if today.year > year else date(year, 1, 1)


def check(*, person: object, programme: object, year: int, today: date) -> Outcome:
    """The year's published rule on one person, with its explanation. DomainError when the year has no rule."""
    result = check_eligibility(person=person, programme=programme, on=reference_date(year, today))
    return Outcome(eligible=result.eligible, reasons=list(result.reasons), rule_version_id=result.rule_version_id)


def start_enrolment(*, actor: object, application: object, start: date) -> None:
    """On delivery the person is enrolled (在享) unless an open enrolment already continues from earlier years."""
    if Enrolment.objects.filter(person=application.person, programme=application.programme,
                                end__isnull=True).exists():
        return
    enrolment_start(actor=actor, person=application.person, programme=application.programme, start=start,
                    source="application", application=application.pk, household=application.household)
