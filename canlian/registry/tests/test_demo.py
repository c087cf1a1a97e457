"""The demo registry passes the services' validation, is deterministic for a seed and looks like a district."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Exists, OuterRef

from canlian.common.certificate import parse_certificate_number
from canlian.common.idcard import parse_id_number
from canlian.registry.choices import ChangeKind, LowIncomeStatus
from canlian.registry.models import BankAccount, Certificate, Household, Person, StatusChange
from canlian.registry.services import certificate_label

pytestmark = [
    pytest.mark.django_db,
    # the demo users' passwords are hashed with Argon2 on every run; these tests are about the registry
    pytest.mark.usefixtures("fast_hasher"),
]


@pytest.fixture
def fast_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(persons: int, seed: int) -> list[tuple[str, str]]:
    with transaction.atomic():
        call_command("seed_demo", persons=persons, seed=seed, force=True, stdout=io.StringIO())
        made = list(Person.objects.order_by("id").values_list("name", "id_number_hash"))
        transaction.set_rollback(True)
    return made


def test_demo_persons_are_valid_and_plausible() -> None:
    out = io.StringIO()
    call_command("seed_demo", persons=600, seed=7, force=True, stdout=out)
    assert "人/秒" in out.getvalue()
    persons = list(Person.objects.all())
    assert len(persons) == 600
    for person in persons:
        ident = parse_id_number(person.decrypt_id_number())
        assert (ident.birth_date, ident.sex) == (person.birth_date, person.sex)
        assert person.area_code == person.community.code
    for cert in Certificate.objects.select_related("person"):
        parsed = parse_certificate_number(
            cert.decrypt_number(), id_number=cert.person.decrypt_id_number(), category=cert.category, grade=cert.grade
        )
        assert parsed.category == cert.category
        cert.full_clean()
    for person in persons[:50]:
        person.full_clean()
    assert Certificate.objects.filter(is_current=True).count() == 600
    categories = Counter(p.category for p in persons)
    assert categories.most_common(1)[0][0] == 4  # 肢体 most
    dibao = sum(p.low_income_status == LowIncomeStatus.DIBAO for p in persons)
    assert 0.12 * 600 < dibao < 0.28 * 600
    assert any(p.life_status == "deceased" for p in persons)
    assert any(p.certificate_status == "expired" for p in persons)
    assert min(p.age for p in persons) < 7 and max(p.age for p in persons) >= 80
    households = Household.objects.count()
    multi = Household.objects.multi_disabled().count()
    assert 0.03 < multi / households < 0.15
    adults_with_accounts = BankAccount.objects.filter(is_default=True).values("person").distinct().count()
    assert adults_with_accounts > 0.6 * 600
    assert not any(str(a.decrypt_number()) in a.account_masked for a in BankAccount.objects.all()[:20])
    # every person has the 登记 entry a registration writes, naming the first certificate
    registered = {c.person_id: c for c in StatusChange.objects.filter(kind=ChangeKind.REGISTERED)}
    assert len(registered) == StatusChange.objects.filter(kind=ChangeKind.REGISTERED).count() == 600
    first: dict[int, Certificate] = {}
    for cert in Certificate.objects.select_related("person__community").order_by("-issue_date"):
        first[cert.person_id] = cert  # the earliest last
    for person_id, cert in first.items():
        label = certificate_label(cert.category, cert.grade)
        assert registered[person_id].effective_date == cert.issue_date
        assert registered[person_id].new_value == f"{cert.person.community.name}；{label}，{cert.number_masked}"
    # a 低保 period may have begun before the registration; the certificate and life entries follow it
    earlier = StatusChange.objects.filter(
        person_id=OuterRef("person_id"), kind=ChangeKind.REGISTERED, effective_date__gt=OuterRef("effective_date")
    )
    later_kinds = [ChangeKind.CERTIFICATE_REASSESS, ChangeKind.CERTIFICATE_CANCEL, ChangeKind.LIFE]
    assert not StatusChange.objects.filter(kind__in=later_kinds).filter(Exists(earlier)).exists()


def test_demo_is_deterministic_for_a_seed() -> None:
    first = seed(120, 3)
    assert first == seed(120, 3)
    assert first != seed(120, 4)
