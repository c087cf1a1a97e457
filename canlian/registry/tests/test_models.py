"""What the database itself refuses, and the one rule for a certificate's status on a day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from canlian.registry.choices import CertificateStatus, LifeStatus, LowIncomeStatus, Relation
from canlian.registry.models import (
    Certificate,
    LowIncomePeriod,
    Person,
    area_code_q,
    effective_certificate_status,
    years_before,
)
from canlian.registry.tests.factories import PersonFactory, make_account, make_certificate, make_household

pytestmark = pytest.mark.django_db


def refused(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_id_number_is_unique_by_blind_index(areas) -> None:
    person = PersonFactory(community=areas.community_a1)
    refused(lambda: PersonFactory(community=areas.community_a1, id_number=person.decrypt_id_number()))


def test_id_number_is_stored_encrypted_and_masked(areas) -> None:
    person = PersonFactory(community=areas.community_a1, id_number="34030219800101007X")
    row = Person.objects.values("id_number_enc", "id_number_masked", "birth_date", "sex").get(pk=person.pk)
    assert b"34030219800101007X" not in bytes(row["id_number_enc"])
    assert row["id_number_masked"] == "340302********007X"
    assert row["birth_date"] == date(1980, 1, 1) and row["sex"] == "M"
    assert Person.objects.get(pk=person.pk).decrypt_id_number() == "34030219800101007X"


def test_one_current_certificate_per_person(areas) -> None:
    person = PersonFactory(community=areas.community_a1)
    refused(lambda: make_certificate(person, grade=1))


def test_superseded_certificate_cannot_be_current(areas) -> None:
    person = PersonFactory(community=areas.community_a1, certificate=False)
    refused(
        lambda: Certificate.objects.create(
            person=person,
            category=4,
            grade=2,
            issue_date=date(2020, 1, 1),
            valid_until=date(2030, 1, 1),
            status=CertificateStatus.SUPERSEDED,
            is_current=True,
        )
    )


def test_components_only_for_multiple_disability(areas) -> None:
    person = PersonFactory(community=areas.community_a1, certificate=False)
    refused(lambda: make_certificate(person, category=4, components="45"))


def test_life_status_needs_its_date(areas) -> None:
    person = PersonFactory(community=areas.community_a1)
    refused(lambda: Person.objects.filter(pk=person.pk).update(life_status=LifeStatus.DECEASED))


def test_certificate_facts_on_person_must_be_complete(areas) -> None:
    person = PersonFactory(community=areas.community_a1)
    refused(lambda: Person.objects.filter(pk=person.pk).update(grade=None))


def test_one_default_bank_account(areas) -> None:
    person = PersonFactory(community=areas.community_a1)
    make_account(person, "6222020000000000001")
    refused(lambda: make_account(person, "6222020000000000002", default=True))
    refused(lambda: make_account(person, "6222020000000000001", default=False))  # same account twice


def test_one_open_low_income_period(areas) -> None:
    person = PersonFactory(community=areas.community_a1)
    LowIncomePeriod.objects.create(person=person, status=LowIncomeStatus.DIBAO, start=date(2020, 1, 1))
    refused(lambda: LowIncomePeriod.objects.create(person=person, status=LowIncomeStatus.TEKUN, start=date(2021, 1, 1)))
    refused(
        lambda: LowIncomePeriod.objects.create(
            person=person, status=LowIncomeStatus.TEKUN, start=date(2021, 1, 1), end=date(2020, 1, 1)
        )
    )


def test_low_income_periods_never_overlap(areas) -> None:
    """clean() refuses a period overlapping another of the same person, open or closed, by one day too."""
    from django.core.exceptions import ValidationError

    person = PersonFactory(community=areas.community_a1)
    LowIncomePeriod.objects.create(person=person, status="dibao", start=date(2020, 1, 1), end=date(2020, 12, 31))
    LowIncomePeriod.objects.create(person=person, status="tekun", start=date(2022, 1, 1))

    def period(start: date, end: date | None) -> LowIncomePeriod:
        return LowIncomePeriod(person=person, status="bianyuan", start=start, end=end)

    for start, end in [
        (date(2020, 12, 31), date(2021, 3, 1)),  # the closed one's last day
        (date(2019, 1, 1), date(2020, 1, 1)),  # its first day
        (date(2021, 6, 1), date(2022, 1, 1)),  # the open one's first day
        (date(2030, 1, 1), None),  # inside the open one
        (date(2019, 1, 1), None),  # open, over both
    ]:
        with pytest.raises(ValidationError, match="不能重叠"):
            period(start, end).full_clean()
    period(date(2021, 1, 1), date(2021, 12, 31)).full_clean()  # the gap exactly: fine
    kept = LowIncomePeriod.objects.get(person=person, status="dibao")
    kept.end = date(2021, 12, 31)
    kept.full_clean()  # a period does not clash with itself
    other = PersonFactory(community=areas.community_a1)
    LowIncomePeriod(person=other, status="dibao", start=date(2020, 6, 1)).full_clean()  # nor with another person's


def test_one_household_and_one_head(areas) -> None:
    a, b, c = (PersonFactory(community=areas.community_a1) for _ in range(3))
    household = make_household(a, (b, Relation.SPOUSE))
    refused(lambda: make_household(b))
    refused(lambda: household.members.create(person=c, relation=Relation.HEAD, joined_on=date(2020, 1, 1)))


def test_certificate_status_agrees_everywhere(areas) -> None:
    today = timezone.localdate()
    valid = PersonFactory(community=areas.community_a1)
    expired = PersonFactory(community=areas.community_a1, certificate=False)
    make_certificate(expired, issue_date=today - timedelta(days=4000), valid_until=today - timedelta(days=1))
    ends_today = PersonFactory(community=areas.community_a1, certificate=False)
    make_certificate(ends_today, issue_date=today - timedelta(days=3650), valid_until=today)
    cancelled = PersonFactory(community=areas.community_a1)
    Certificate.objects.filter(person=cancelled).update(status=CertificateStatus.CANCELLED)
    Person.objects.filter(pk=cancelled.pk).update(cert_status=CertificateStatus.CANCELLED)
    none = PersonFactory(community=areas.community_a1, certificate=False)
    expected = {valid: "valid", expired: "expired", ends_today: "valid", cancelled: "cancelled", none: "none"}
    for person, status in expected.items():
        person.refresh_from_db()
        assert person.certificate_status == status
        assert set(Person.objects.with_certificate_status(status)) >= {person}
        assert list(Person.objects.with_certificate_status(status).filter(pk=person.pk)) == [person]
    by_annotation = dict(Certificate.objects.with_effective_status().values_list("person_id", "effective_status"))
    for person, status in expected.items():
        if status != "none":
            assert by_annotation[person.pk] == status == Certificate.objects.get(person=person).effective_status


def test_effective_status_rule() -> None:
    day = date(2025, 6, 1)
    assert effective_certificate_status("valid", date(2025, 5, 31), day) == "expired"
    assert effective_certificate_status("valid", day, day) == "valid"
    assert effective_certificate_status("cancelled", date(2020, 1, 1), day) == "cancelled"
    assert effective_certificate_status("none", None, day) == "none"


def test_area_range_and_age_bounds(areas) -> None:
    a1 = PersonFactory(community=areas.community_a1)
    a2 = PersonFactory(community=areas.community_a2)
    b1 = PersonFactory(community=areas.community_b1)
    assert set(Person.objects.filter(area_code_q(areas.street_a.code))) == {a1, a2}
    assert set(Person.objects.filter(area_code_q(areas.community_b1.code))) == {b1}
    assert years_before(date(2024, 2, 29), 1) == date(2023, 2, 28)


def test_age_filter_counts_whole_years() -> None:
    today = date(2025, 6, 15)
    assert years_before(today, 60) == date(1965, 6, 15)


def test_migration_0008_derives_the_low_income_columns_from_the_periods(areas) -> None:
    """Data written before decision 0018 (无 without a date, or a status with no period) is made consistent."""
    import importlib

    from django.apps import apps

    from canlian.registry.selectors import low_income_drift

    migration = importlib.import_module("canlian.registry.migrations.0008_low_income_since_for_rules")
    ended, current, orphan, never = (PersonFactory(community=areas.community_a1) for _ in range(4))
    LowIncomePeriod.objects.create(person=ended, status="dibao", start=date(2020, 1, 1), end=date(2023, 6, 30))
    LowIncomePeriod.objects.create(person=current, status="dibao", start=date(2020, 1, 1), end=date(2021, 12, 31))
    LowIncomePeriod.objects.create(person=current, status="tekun", start=date(2022, 1, 1))
    Person.objects.filter(pk=orphan.pk).update(low_income_status="bianyuan", low_income_since=date(2024, 2, 1))
    assert {pk for pk, _r, _d in low_income_drift()} == {ended.pk, current.pk, orphan.pk}
    migration.derive_from_periods(apps, None)
    assert low_income_drift() == []
    got = dict(Person.objects.filter(pk__in=[ended.pk, current.pk, never.pk]).values_list("pk", "low_income_since"))
    assert got == {ended.pk: date(2023, 7, 1), current.pk: date(2022, 1, 1), never.pk: None}
    assert LowIncomePeriod.objects.get(person=orphan).start == date(2024, 2, 1)
