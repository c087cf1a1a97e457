"""Applications for tests: rows at any step or status, as the services leave them."""

from __future__ import annotations

import itertools
from datetime import date

from django.utils import timezone

from canlian.applications.choices import Status, Transition
from canlian.applications.models import Application, ApplicationEvent
from canlian.programmes.models import Programme
from canlian.registry.models import Person

_period = itertools.count(1)


def make_application(
    *, person: Person, creator: object, programme: str = "R1", step: str = "accept",
    status: str = Status.IN_PROGRESS, year: int = 2024, due_on: date | None = None, period: str = "",
) -> Application:
    app = Application.objects.create(
        programme=Programme.objects.get(code=programme), person=person, year=year,
        period=period or f"{year}-t{next(_period)}", area_code=person.area_code, status=status, step=step,
        step_since=timezone.localdate(), due_on=due_on, created_by=creator, requested_amount="1000.00",
        funding_source="upper",
    )
    ApplicationEvent.objects.create(application=app, transition=Transition.CREATE, step="apply",
                                    to_status=Status.IN_PROGRESS, to_step=step, actor=creator, at=timezone.now())
    return app


def r1_person(community: object, **fields: object) -> Person:
    """Someone the default R1 rule accepts: psychiatric certificate and 低保."""
    from canlian.registry.models import LowIncomePeriod
    from canlian.registry.tests.factories import PersonFactory

    person = PersonFactory(community=community, low_income_status="dibao", low_income_since=date(2020, 1, 1),
                           certificate__category=6, **fields)
    # rules read the status on their date from the period history (decision 0016), as the services record it
    LowIncomePeriod.objects.create(person=person, status="dibao", start=date(2020, 1, 1))
    return person
