"""Region services: code rules, area, role, audit."""

from __future__ import annotations

import pytest

from canlian.accounts.choices import Role
from canlian.accounts.tests.factories import UserFactory
from canlian.audit.models import AuditEvent
from canlian.common.exceptions import Conflict, DomainError, PermissionDenied
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region
from canlian.regions.services import region_create, region_deactivate, region_reactivate, region_update
from canlian.regions.tests.factories import district


@pytest.fixture
def officer(users):
    return users.a[Role.DISTRICT_OFFICER]


def test_create_street_and_community(areas, officer):
    street = region_create(actor=officer, parent=areas.district, code="340302903", name=" 丙街道 ")
    assert (street.level, street.parent, street.name) == (RegionLevel.STREET, areas.district, "丙街道")
    community = region_create(actor=officer, parent=street, code="３４０３０２９０３００１", name="丙一社区")
    assert community.code == "340302903001" and community.level == RegionLevel.COMMUNITY
    event = AuditEvent.objects.get(action="region.create", object_id=str(community.pk))
    assert event.after == {"code": "340302903001", "name": "丙一社区", "level": "community",
                           "parent": street.pk, "is_active": True}
    assert event.actor_username == officer.username


@pytest.mark.parametrize(("parent", "code", "reason"), [
    ("district", "34030290", "街道/乡镇的区划代码应为 9 位数字"),
    ("district", "3403029031", "应为 9 位数字"),
    ("district", "34030290A", "应为 9 位数字"),
    ("district", "340303901", "应以上级代码 340302 开头"),
    ("district", "340302000", "最后 3 位不能是 000"),
    ("street_a", "340302901", "社区/村的区划代码应为 12 位数字"),
    ("street_a", "340302902001", "应以上级代码 340302901 开头"),
    ("district", "", "区划代码为空"),
])
def test_code_rules(areas, officer, parent, code, reason):
    with pytest.raises(DomainError, match=reason) as error:
        region_create(actor=officer, parent=getattr(areas, parent), code=code, name="某地")
    assert error.value.field == "code"


def test_name_is_required_and_bounded(areas, officer):
    with pytest.raises(DomainError, match="名称为空"):
        region_create(actor=officer, parent=areas.district, code="340302903", name="  ")
    with pytest.raises(DomainError, match="名称最长 64 个字"):
        region_create(actor=officer, parent=areas.district, code="340302903", name="长" * 65)


def test_code_is_unique(areas, officer):
    with pytest.raises(Conflict, match="已被“甲街道”使用"):
        region_create(actor=officer, parent=areas.district, code="340302901", name="重复")


def test_no_child_under_a_community_or_an_inactive_parent(areas, officer):
    with pytest.raises(DomainError, match="社区/村下不能再设下级区划"):
        region_create(actor=officer, parent=areas.community_a1, code="340302901001001", name="小区")
    Region.objects.filter(pk=areas.street_b.pk).update(is_active=False)
    areas.street_b.refresh_from_db()
    with pytest.raises(DomainError, match="已停用"):
        region_create(actor=officer, parent=areas.street_b, code="340302902009", name="乙九社区")


def test_only_region_managers_in_their_area(areas, users):
    for role in (Role.STREET_OFFICER, Role.LEADER, Role.AUDITOR, Role.COMMUNITY_COORDINATOR, Role.FINANCE):
        with pytest.raises(PermissionDenied):
            region_create(actor=users.a[role], parent=areas.street_a, code="340302901009", name="甲九社区")
    other_district = UserFactory(username="other_district", role=Role.DISTRICT_OFFICER, area=district("340303"))
    with pytest.raises(PermissionDenied, match="只能在本人负责的区域内新建"):
        region_create(actor=other_district, parent=areas.district, code="340302903", name="丙街道")
    with pytest.raises(PermissionDenied, match="不在您负责的区域内"):
        region_update(actor=other_district, region=areas.street_a, name="改名")
    assert region_create(actor=users.a[Role.ADMIN], parent=areas.street_a, code="340302901009", name="甲九社区")


def test_update_renames_and_audits_old_and_new(areas, officer):
    region_update(actor=officer, region=areas.community_a1, name="甲一新社区")
    areas.community_a1.refresh_from_db()
    assert areas.community_a1.name == "甲一新社区"
    event = AuditEvent.objects.get(action="region.update")
    assert (event.before, event.after) == ({"name": "甲一社区"}, {"name": "甲一新社区"})
    region_update(actor=officer, region=areas.community_a1, name="甲一新社区")
    assert AuditEvent.objects.filter(action="region.update").count() == 1  # no change, no event


def test_districts_are_not_edited_here(areas, officer):
    with pytest.raises(DomainError, match="区/县由系统预置"):
        region_update(actor=officer, region=areas.district, name="新区")
    with pytest.raises(DomainError, match="区/县由系统预置"):
        region_deactivate(actor=officer, region=areas.district)


def test_deactivate_refuses_while_children_or_accounts_remain(areas, users, officer):
    with pytest.raises(DomainError, match="还有 2 个启用的下级区划"):
        region_deactivate(actor=officer, region=areas.street_a)
    with pytest.raises(DomainError, match="还有 1 个启用的账号属于“甲一社区”"):
        region_deactivate(actor=officer, region=areas.community_a1)
    region_deactivate(actor=officer, region=areas.community_a2)
    areas.community_a2.refresh_from_db()
    assert not areas.community_a2.is_active
    with pytest.raises(Conflict, match="已是停用状态"):
        region_deactivate(actor=officer, region=areas.community_a2)
    event = AuditEvent.objects.get(action="region.deactivate")
    assert (event.before, event.after) == ({"is_active": True}, {"is_active": False})


def test_reactivate_needs_an_active_parent(areas, officer):
    region_deactivate(actor=officer, region=areas.community_a2)
    Region.objects.filter(pk=areas.street_a.pk).update(is_active=False)
    with pytest.raises(DomainError, match="请先启用上级"):
        region_reactivate(actor=officer, region=areas.community_a2)
    Region.objects.filter(pk=areas.street_a.pk).update(is_active=True)
    region_reactivate(actor=officer, region=areas.community_a2)
    areas.community_a2.refresh_from_db()
    assert areas.community_a2.is_active
    assert AuditEvent.objects.filter(action="region.reactivate").count() == 1
