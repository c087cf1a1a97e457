"""Factories for registry rows that hold together the way the services make them (valid, encrypted IDs)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import factory

from canlian.common.certificate import make_certificate_number
from canlian.common.idcard import make_id_number, parse_id_number
from canlian.regions.tests.factories import CommunityFactory
from canlian.registry.choices import CertificateStatus, HukouType, Relation
from canlian.registry.inputs import CERTIFICATE_YEARS, add_years
from canlian.registry.models import BankAccount, Certificate, Household, HouseholdMember, Person
from canlian.registry.services import households_recount

_counter = itertools.count(1)


def new_id_number(birth: date | None = None, region: str = "340302") -> str:
    """A valid ID number never handed out before in this test run."""
    n = next(_counter)
    birth = birth or date(1970, 1, 1) + timedelta(days=n // 1000)
    return make_id_number(region, birth, n % 1000)


def wrong_check(number: str) -> str:
    """`number` with a wrong check character: never the real one (which would be the same person again) and
    never "0" (an ID whose last digits read "000" is reported as a number mangled by Excel instead)."""
    return number[:-1] + next(c for c in "123456789X" if c != number[-1])


class PersonFactory(factory.django.DjangoModelFactory):
    """A person with a valid ID number and, unless certificate=False, a current valid certificate."""

    class Meta:
        model = Person
        exclude = ("id_number",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试人{n}")
    id_number = factory.LazyFunction(new_id_number)
    community = factory.SubFactory(CommunityFactory)
    area_code = factory.LazyAttribute(lambda o: o.community.code)
    hukou_type = HukouType.URBAN

    @classmethod
    def _create(cls, model_class: type[Person], *args: object, **kwargs: object) -> Person:
        number = kwargs.pop("id_number_value")
        ident = parse_id_number(number)
        person = model_class(*args, birth_date=ident.birth_date, sex=ident.sex, **kwargs)
        person.set_id_number(ident.number)
        person.save()
        return person

    @classmethod
    def _adjust_kwargs(cls, **kwargs: object) -> dict:
        kwargs["id_number_value"] = kwargs.pop("id_number", None) or new_id_number()
        return kwargs

    @factory.post_generation
    def certificate(obj: Person, create: bool, extracted: object, **kwargs: object) -> None:
        if extracted is False:
            return
        make_certificate(obj, **kwargs)


def make_certificate(
    person: Person,
    *,
    category: int = 4,
    grade: int = 2,
    issue_date: date | None = None,
    valid_until: date | None = None,
    components: str = "",
) -> Certificate:
    """A current valid certificate for `person`, copied onto the person as the services do."""
    issue = issue_date or date(2020, 3, 1)
    cert = Certificate.objects.create(
        person=person,
        category=category,
        grade=grade,
        components=components,
        issue_date=issue,
        valid_until=valid_until or add_years(issue, CERTIFICATE_YEARS),
        status=CertificateStatus.VALID,
        is_current=True,
    )
    person.category, person.grade = category, grade
    person.cert_status, person.cert_valid_until = CertificateStatus.VALID, cert.valid_until
    person.save(update_fields=["category", "grade", "cert_status", "cert_valid_until"])
    return cert


def certificate_number(person: Person, category: int | None = None, grade: int | None = None) -> str:
    return make_certificate_number(person.decrypt_id_number(), category or person.category, grade or person.grade)


def make_household(head: Person, *members: tuple[Person, str]) -> Household:
    household = Household.objects.create(community=head.community, area_code=head.area_code)
    HouseholdMember.objects.create(household=household, person=head, relation=Relation.HEAD, joined_on=date(2020, 1, 1))
    for person, relation in members:
        HouseholdMember.objects.create(
            household=household, person=person, relation=relation, joined_on=date(2020, 1, 1)
        )
    households_recount(households=[household.pk])  # as the services do (decision 0019)
    household.refresh_from_db()
    return household


def make_account(person: Person, digits: str = "6222021234567890123", *, default: bool = True) -> BankAccount:
    account = BankAccount(person=person, bank_name="中国工商银行", holder_name=person.name, is_default=default)
    account.set_number(digits)
    account.save()
    return account
