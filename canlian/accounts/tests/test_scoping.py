import pytest

from canlian.accounts.choices import Role
from canlian.accounts.permissions import MATRIX, can, require
from canlian.accounts.scoping import area_prefix, in_scope
from canlian.accounts.tests.factories import UserFactory
from canlian.common.exceptions import PermissionDenied
from canlian.regions.models import Region


@pytest.mark.django_db
def test_area_prefix_per_level(users, areas):
    assert area_prefix(users.a[Role.DISTRICT_OFFICER]) == "340302"
    assert area_prefix(users.a[Role.STREET_OFFICER]) == areas.street_a.code
    assert area_prefix(users.a[Role.COMMUNITY_COORDINATOR]) == areas.community_a1.code
    assert in_scope(users.a[Role.STREET_OFFICER], areas.community_a2.code)
    assert not in_scope(users.a[Role.STREET_OFFICER], areas.community_b1.code)
    assert not in_scope(users.a[Role.COMMUNITY_COORDINATOR], areas.community_a2.code)


@pytest.mark.django_db
def test_account_without_area_or_disabled_sees_nothing(areas):
    orphan = UserFactory(username="orphan", role=Role.STREET_OFFICER, area=None)
    assert area_prefix(orphan) is None
    assert not Region.objects.visible_to(orphan).exists()
    disabled = UserFactory(username="gone", role=Role.DISTRICT_OFFICER, area=areas.district, is_active=False)
    assert area_prefix(disabled) is None
    assert not can(disabled, "home.view")


@pytest.mark.django_db
def test_regions_visible_to_street_officer_are_their_street_only(users, areas):
    codes = set(Region.objects.visible_to(users.a[Role.STREET_OFFICER]).values_list("code", flat=True))
    assert codes == {areas.street_a.code, areas.community_a1.code, areas.community_a2.code}


@pytest.mark.django_db
def test_matrix_is_enforced_and_unknown_actions_are_refused(users):
    auditor = users.a[Role.AUDITOR]
    assert can(auditor, "audit.view")
    assert not can(users.a[Role.COMMUNITY_COORDINATOR], "audit.view")
    with pytest.raises(PermissionDenied, match="无权"):
        require(users.a[Role.COMMUNITY_COORDINATOR], "audit.view")
    with pytest.raises(KeyError):
        can(auditor, "no.such.action")
    assert all(isinstance(roles, frozenset) for _meaning, roles in MATRIX.values())
