"""Base fixtures: the district, two streets with two communities each, and a user of every role.

District roles work at the district; the street officer and the community coordinator exist once in
street A (community A1) and once in street B (community B1), so every access test can ask "and the
other street?".
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from canlian.accounts.choices import DISTRICT_ROLES, Role
from canlian.accounts.models import User
from canlian.accounts.tests.factories import UserFactory
from canlian.regions.models import Region
from canlian.regions.tests.factories import CommunityFactory, StreetFactory, district


@dataclass
class Areas:
    district: Region
    street_a: Region
    street_b: Region
    community_a1: Region
    community_a2: Region
    community_b1: Region


@dataclass
class RoleUsers:
    """`a[role]` and `b[role]`: the same role in street A and street B (identical for district roles)."""

    a: dict[Role, User]
    b: dict[Role, User]

    def __getitem__(self, role: Role) -> User:
        return self.a[role]


@pytest.fixture
def preloaded(db) -> None:
    """The rows that data migrations load. A transactional (browser) test flushes the database after it
    runs, so every fixture that relies on them asks for this one, which restores what is missing."""
    from django.utils import timezone

    from canlian.programmes.catalogue import ensure_catalogue
    from canlian.programmes.default_rules import publish_defaults
    from canlian.programmes.models import Programme, RuleVersion
    from canlian.regions.data import ensure_districts

    if not Region.objects.filter(code="340302").exists():
        ensure_districts(Region)
    if not Programme.objects.filter(code="R1").exists():
        ensure_catalogue(Programme)
    if not RuleVersion.objects.exists():
        publish_defaults(Programme, RuleVersion, timezone.now())
    from canlian.applications.models import Holiday
    from canlian.applications.workdays import ensure_holidays

    if not Holiday.objects.exists():
        ensure_holidays(Holiday)
    from canlian.payments.layouts import ensure_layouts
    from canlian.payments.models import RosterLayout

    if not RosterLayout.objects.exists():
        ensure_layouts(RosterLayout, Programme)


@pytest.fixture
def areas(preloaded) -> Areas:
    d = district()
    street_a = StreetFactory(code="340302901", name="甲街道", parent=d)
    street_b = StreetFactory(code="340302902", name="乙街道", parent=d)
    return Areas(
        district=d,
        street_a=street_a,
        street_b=street_b,
        community_a1=CommunityFactory(code="340302901001", name="甲一社区", parent=street_a),
        community_a2=CommunityFactory(code="340302901002", name="甲二社区", parent=street_a),
        community_b1=CommunityFactory(code="340302902001", name="乙一社区", parent=street_b),
    )


@pytest.fixture
def users(areas: Areas) -> RoleUsers:
    a: dict[Role, User] = {}
    b: dict[Role, User] = {}
    for role in Role:
        if role in DISTRICT_ROLES:
            a[role] = b[role] = UserFactory(username=f"{role.value}", role=role, area=areas.district)
        elif role == Role.STREET_OFFICER:
            a[role] = UserFactory(username="street_a", role=role, area=areas.street_a)
            b[role] = UserFactory(username="street_b", role=role, area=areas.street_b)
        else:
            a[role] = UserFactory(username="coord_a1", role=role, area=areas.community_a1)
            b[role] = UserFactory(username="coord_b1", role=role, area=areas.community_b1)
    return RoleUsers(a=a, b=b)


@pytest.fixture
def client_for():
    """client_for(user) → a Django test client logged in as that user."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _isolated_files_and_cache(settings, tmp_path):
    """Each test gets its own MEDIA_ROOT (uploads, job results) and an empty cache."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hand_delivery(monkeypatch) -> None:
    """An application module test on its own: "deliver" of a cash benefit recorded by hand, to test the
    applications module's own rules for that step (date and amount required, enrolment started), which the
    payments reconciliation relies on. With payments installed a cash benefit passes "deliver" only when the
    bank confirms its batch line (decision 0013); every other test pays through payments.services."""
    from canlian.applications import services

    monkeypatch.setattr(services, "DELIVERY_GUARDS", [])

