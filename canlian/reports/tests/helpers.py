"""Records entered the way staff enter them: persons through registry services, applications through
applications services, walked step by step to delivery. No direct row inserts."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from canlian.accounts.choices import Role
from canlian.applications.choices import Status, Transition
from canlian.applications.models import Application
from canlian.applications.services import StepData, application_create, application_transition
from canlian.common.certificate import make_certificate_number
from canlian.programmes.models import Programme
from canlian.registry.inputs import CertificateInput, PersonInput
from canlian.registry.models import Household, Person
from canlian.registry.services import household_add_member, household_create, low_income_set, person_create
from canlian.registry.tests.factories import new_id_number

_names = itertools.count(1)
DAY = datetime(2024, 12, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # "now" while 2024's records are entered
ROLE_AT = {"approve": Role.LEADER}


def register_person(users: Any, community: Any, *, category: int = 6, grade: int = 2, low_income: str = "dibao",
                    birth: date | None = None, hukou: str = "urban") -> Person:
    officer = users.a[Role.DISTRICT_OFFICER]
    number = new_id_number(birth)
    person = person_create(
        actor=officer,
        data=PersonInput(name=f"受助人{next(_names)}", id_number=number, community=community, hukou_type=hukou),
        certificate=CertificateInput(number=make_certificate_number(number, category, grade), category=category,
                                     grade=grade, issue_date=date(2020, 3, 1)),
    )
    if low_income:
        person = low_income_set(actor=officer, person=person, status=low_income, effective=date(2020, 1, 1))
    return person


def register_household(users: Any, head: Person, *others: Person) -> Household:
    officer = users.a[Role.DISTRICT_OFFICER]
    household = household_create(actor=officer, community=head.community, head=head, joined_on=date(2020, 1, 1))
    for other in others:
        household_add_member(actor=officer, household=household, person=other, relation="spouse",
                             joined_on=date(2020, 1, 1))
    return household


def walk(users: Any, person: Person, code: str, *, year: int, delivered_on: date | None, amount: str = "1000",
         household: Household | None = None, period: str = "", until: str | None = None) -> Application:
    """Create an application and advance it; stop before `until` (a step) or after delivery."""
    officer = users.a[Role.DISTRICT_OFFICER]
    app = application_create(actor=officer, person=person, programme=Programme.objects.get(code=code), year=year,
                             period=period, household=household, requested_amount=amount)
    data = StepData(delivered_on=delivered_on, delivered_amount=amount)
    while app.status == Status.IN_PROGRESS and app.step != until and app.step != "follow_up":
        actor = users.a[ROLE_AT.get(app.step, Role.DISTRICT_OFFICER)]
        app = application_transition(actor=actor, application=app, transition=Transition.ADVANCE, opinion="同意",
                                     data=data)
    return app
