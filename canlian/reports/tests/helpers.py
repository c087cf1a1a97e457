"""Records entered the way staff enter them: persons (with a bank card) through registry services,
applications through applications services, walked step by step; cash benefits are then paid the only way
they can be since payments exists (decision 0013): a batch built from the applications waiting at
"deliver", checked, approved by a leader, exported, and reconciled with the bank's return file, which moves
each paid application past "deliver". Non-cash benefits (items, services) are delivered by hand.
No direct row inserts."""

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
from canlian.payments import services as payments
from canlian.payments.choices import BatchTransition
from canlian.payments.models import Batch, RosterLayout
from canlian.payments.tests.factories import return_file
from canlian.programmes.choices import BenefitKind
from canlian.programmes.models import Programme
from canlian.programmes.services import budget_set
from canlian.registry.inputs import CertificateInput, PersonInput
from canlian.registry.models import Household, Person
from canlian.registry.services import (
    bank_account_add,
    household_add_member,
    household_create,
    low_income_set,
    person_create,
)
from canlian.registry.tests.factories import new_id_number

_names = itertools.count(1)
_cards = itertools.count(6217002000000000001)
DAY = datetime(2024, 12, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # "now" while 2024's records are entered
ROLE_AT = {"approve": Role.LEADER}
WHEELCHAIR = {"lower_limb": True, "owns_wheelchair_vehicle": True}  # what the L1 fuel-subsidy rule asks


def register_person(users: Any, community: Any, *, category: int = 6, grade: int = 2, low_income: str = "dibao",
                    birth: date | None = None, hukou: str = "urban", **facts: bool) -> Person:
    """A person registered through the registry's services; `facts` are the yes/no rule facts (decision 0016),
    e.g. WHEELCHAIR for L1."""
    officer = users.a[Role.DISTRICT_OFFICER]
    number = new_id_number(birth)
    person = person_create(
        actor=officer,
        data=PersonInput(name=f"受助人{next(_names)}", id_number=number, community=community, hukou_type=hukou,
                         **facts),
        certificate=CertificateInput(number=make_certificate_number(number, category, grade), category=category,
                                     grade=grade, issue_date=date(2020, 3, 1)),
    )
    if low_income:
        person = low_income_set(actor=officer, person=person, status=low_income, effective=date(2020, 1, 1))
    bank_account_add(actor=officer, person=person, bank_name="农村商业银行", account_number=str(next(_cards)))
    return person


def register_household(users: Any, head: Person, *others: Person) -> Household:
    officer = users.a[Role.DISTRICT_OFFICER]
    household = household_create(actor=officer, community=head.community, head=head, joined_on=date(2020, 1, 1))
    for other in others:
        household_add_member(actor=officer, household=household, person=other, relation="spouse",
                             joined_on=date(2020, 1, 1))
    return household


def walk(users: Any, person: Person, code: str, *, year: int, delivered_on: date | None = None,
         amount: str = "1000", household: Household | None = None, period: str = "",
         until: str | None = None) -> Application:
    """Create an application and advance it; stop before `until` (a step), at "deliver" for a cash benefit
    (paid by `pay`), or after delivery by hand (items, services: `delivered_on`)."""
    officer = users.a[Role.DISTRICT_OFFICER]
    programme = Programme.objects.get(code=code)
    cash = programme.benefit_kind == BenefitKind.CASH
    app = application_create(actor=officer, person=person, programme=programme, year=year,
                             period=period, household=household, requested_amount=amount)
    data = StepData(delivered_on=delivered_on, delivered_amount=amount)
    while (app.status == Status.IN_PROGRESS and app.step != until and app.step != "follow_up"
           and not (cash and app.step == "deliver")):
        actor = users.a[ROLE_AT.get(app.step, Role.DISTRICT_OFFICER)]
        app = application_transition(actor=actor, application=app, transition=Transition.ADVANCE, opinion="同意",
                                     data=data)
    return app


def fund(users: Any, code: str, year: int, **amounts: str) -> None:
    """The year's budget of a programme per funding source (finance, through the service)."""
    programme = Programme.objects.get(code=code)
    for source, amount in amounts.items():
        budget_set(actor=users.a[Role.FINANCE], programme=programme, year=year, source=source, amount=amount)


def pay(users: Any, code: str, *, paid_on: date, period: str = "", failed: int = 0) -> Batch:
    """Pay every application of the programme waiting at "deliver" for the period (default: paid_on's year)
    through one batch: build, check (the records must be clean: any finding fails the test), approve
    (leader), export (农商行 layout), and the bank's return with every line paid on `paid_on` except the
    first `failed` lines. Returns the reconciled batch."""
    finance = users.a[Role.FINANCE]
    batch = payments.batch_build(actor=finance, programme=Programme.objects.get(code=code),
                                 period=period or str(paid_on.year), batch_date=paid_on)
    batch = payments.batch_check(actor=finance, batch=batch)
    findings = [f"{f.get_kind_display()}: {f.detail}" for f in payments.unresolved(batch)]
    assert not findings, findings
    batch = payments.batch_transition(actor=users.a[Role.LEADER], batch=batch, transition=BatchTransition.APPROVE)
    payments.batch_export(actor=finance, batch=batch, layout=RosterLayout.objects.get(name="农商行代发"))
    refs = list(batch.lines.order_by("seq").values_list("ref", flat=True)[:failed])
    payments.batch_reconcile(actor=finance, batch=batch, file_name=f"{batch.code}-回盘.xlsx",
                             content=return_file(batch, failed=dict.fromkeys(refs, "账户已销户"), paid_on=paid_on))
    batch.refresh_from_db()
    return batch


def deliver(users: Any, person: Person, code: str, *, year: int, on: date, amount: str = "1000",
            household: Household | None = None, period: str = "") -> Application:
    """One application taken to delivery on `on`: by hand for items and services; for a cash benefit through
    its own payment batch paid on `on` (the programme's budget is set first when the year has none)."""
    programme = Programme.objects.get(code=code)
    if programme.benefit_kind != BenefitKind.CASH:
        return walk(users, person, code, year=year, delivered_on=on, amount=amount, household=household,
                    period=period)
    app = walk(users, person, code, year=year, amount=amount, household=household, period=period)
    if not programme.budgets.filter(year=on.year).exists():
        fund(users, code, on.year, **dict.fromkeys(programme.funding_sources, "1000000.00"))
    pay(users, code, paid_on=on, period=period)
    app.refresh_from_db()
    return app
