"""Building registry persons with exactly the facts a rule test needs (certificate, 低保 history, household)."""

from __future__ import annotations

from datetime import date, timedelta

from canlian.registry.choices import CertificateStatus, LifeStatus, LowIncomeStatus, Relation
from canlian.registry.models import Household, HouseholdMember, LowIncomePeriod, Person
from canlian.registry.services import households_recount
from canlian.registry.tests.factories import PersonFactory, make_certificate, new_id_number

REF = date(2025, 3, 1)


def person(
    *,
    community: object,
    birth: date = date(1960, 1, 1),
    category: int | None = 4,
    grade: int = 2,
    components: str = "",
    low_income: str = LowIncomeStatus.NONE,
    low_income_start: date = date(2020, 1, 1),
    low_income_end: date | None = None,
    life: str = LifeStatus.ALIVE,
    valid_until: date | None = None,
    name: str = "",
    **facts: bool,
) -> Person:
    """A person with a current certificate (unless category is None) and, if given, one 低保 period.

    An ended period (`low_income_end`) leaves the current status at 无, as the registry's services do.
    `facts` are the yes/no registry facts of decision 0016 (owns_wheelchair_vehicle=True, autism=True, …).
    """
    p = PersonFactory(
        id_number=new_id_number(birth), community=community, certificate=False, **({"name": name} if name else {}),
        **facts,
    )
    if category is not None:
        make_certificate(
            p, category=category, grade=grade, components=components, valid_until=valid_until or date(2030, 3, 1)
        )
        if valid_until is not None and valid_until < REF:
            p.refresh_from_db()
    if low_income != LowIncomeStatus.NONE:
        LowIncomePeriod.objects.create(person=p, status=low_income, start=low_income_start, end=low_income_end)
        if low_income_end is None:
            p.low_income_status, p.low_income_since = low_income, low_income_start
        else:  # 无 from the day after, as the services record it (decision 0018)
            p.low_income_since = low_income_end + timedelta(days=1)
        p.save(update_fields=["low_income_status", "low_income_since"])
    if life != LifeStatus.ALIVE:
        p.life_status, p.life_status_date = life, date(2025, 1, 15)
        p.save(update_fields=["life_status", "life_status_date"])
    assert p.cert_status in (CertificateStatus.VALID, "none")
    return p


def household(head: Person, *others: Person) -> Household:
    h = Household.objects.create(community=head.community, area_code=head.area_code)
    HouseholdMember.objects.create(household=h, person=head, relation=Relation.HEAD, joined_on=date(2020, 1, 1))
    for other in others:
        HouseholdMember.objects.create(household=h, person=other, relation=Relation.CHILD, joined_on=date(2020, 1, 1))
    households_recount(households=[h.pk])  # as the services do (decision 0019)
    return h
