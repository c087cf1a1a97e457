import json

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from canlian.accounts.choices import Role
from canlian.accounts.models import ApiToken, User
from canlian.accounts.services import (
    api_token_create,
    api_token_revoke,
    generate_temporary_password,
    user_bootstrap_admin,
    user_create,
    user_disable,
    user_enable,
    user_reset_password,
    user_totp_remove,
    user_unlock,
    user_update,
)
from canlian.accounts.tests.factories import PASSWORD, UserFactory
from canlian.accounts.tests.helpers import logged_in_user_id, post_login
from canlian.audit.models import AuditEvent
from canlian.common.exceptions import Conflict, DomainError, PermissionDenied
from canlian.regions.models import Region
from canlian.regions.tests.factories import StreetFactory


def events(action):
    return list(AuditEvent.objects.filter(action=action))


@pytest.fixture
def admin(users):
    return users[Role.ADMIN]


@pytest.fixture
def other_district_street(db):
    return StreetFactory(code="340303001", name="蚌山街道", parent=Region.objects.get(code="340303"))


def test_create_with_generated_password(admin, areas):
    user, temporary = user_create(
        actor=admin, username="wangfang", full_name="王芳", phone="13800000000",
        role=Role.COMMUNITY_COORDINATOR, area=areas.community_a1,
    )
    assert temporary and user.check_password(temporary)
    assert user.must_change_password and user.is_active
    (event,) = events("user.create")
    assert event.actor_id == admin.pk and event.object_id == str(user.pk)
    assert event.after["role"] == "community_coordinator" and event.after["area"] == areas.community_a1.pk
    assert event.after["password"] == "generated" and event.after["must_change_password"] is True
    dumped = json.dumps([event.before, event.after, event.message])
    assert temporary not in dumped and "argon2" not in dumped


def test_create_with_chosen_password(admin, areas):
    user, temporary = user_create(
        actor=admin, username="lisi", full_name="李四", role=Role.STREET_OFFICER, area=areas.street_a,
        password="Street#2025",
    )
    assert temporary is None and user.check_password("Street#2025") and user.must_change_password
    assert events("user.create")[0].after["password"] == "set_by_admin"


def test_create_refuses_weak_password_in_chinese(admin, areas):
    with pytest.raises(DomainError) as exc:
        user_create(actor=admin, username="weak", full_name="弱", role=Role.FINANCE, area=areas.district,
                    password="abcdefgh")
    assert "至少 3 类" in exc.value.message and exc.value.field == "password"
    assert not User.objects.filter(username="weak").exists() and not events("user.create")


@pytest.mark.parametrize(("role", "area_name", "expected"), [
    (Role.STREET_OFFICER, "community_a1", "街道/乡镇"),
    (Role.COMMUNITY_COORDINATOR, "street_a", "社区/村"),
    (Role.DISTRICT_OFFICER, "street_a", "区/县"),
    (Role.ADMIN, "community_a1", "区/县"),
])
def test_area_level_must_fit_role(admin, areas, role, area_name, expected):
    with pytest.raises(DomainError) as exc:
        user_create(actor=admin, username="x1", full_name="某", role=role, area=getattr(areas, area_name))
    assert f"“{role.label}”须归属于{expected}级区域" in exc.value.message
    assert exc.value.field == "area"


def test_area_required_and_active(admin, areas):
    with pytest.raises(DomainError, match="请选择所属区域"):
        user_create(actor=admin, username="x2", full_name="某", role=Role.FINANCE, area=None)
    areas.street_b.is_active = False
    areas.street_b.save(update_fields=["is_active"])
    with pytest.raises(DomainError, match="已停用"):
        user_create(actor=admin, username="x2", full_name="某", role=Role.STREET_OFFICER, area=areas.street_b)


def test_only_admin_manages_users(users, areas):
    for role in Role:
        if role == Role.ADMIN:
            continue
        with pytest.raises(PermissionDenied):
            user_create(actor=users[role], username=f"n_{role.value}", full_name="某",
                        role=Role.COMMUNITY_COORDINATOR, area=areas.community_a1)
        with pytest.raises(PermissionDenied):
            user_disable(actor=users[role], user=users.b[Role.COMMUNITY_COORDINATOR])
    assert not events("user.create") and not events("user.disable")


def test_admin_cannot_reach_another_district(admin, other_district_street):
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        user_create(actor=admin, username="far", full_name="远", role=Role.STREET_OFFICER, area=other_district_street)
    stranger = UserFactory(username="stranger", role=Role.STREET_OFFICER, area=other_district_street)
    for call in (
        lambda: user_update(actor=admin, user=stranger, full_name="改", phone="", role=stranger.role,
                            area=stranger.area),
        lambda: user_disable(actor=admin, user=stranger),
        lambda: user_reset_password(actor=admin, user=stranger),
        lambda: user_unlock(actor=admin, user=stranger),
    ):
        with pytest.raises(PermissionDenied, match="不在您的管辖区域内"):
            call()
    stranger.refresh_from_db()
    assert stranger.full_name != "改" and stranger.is_active


def test_username_unique_ignoring_case(admin, areas):
    user_create(actor=admin, username="ZhangSan", full_name="张三", role=Role.FINANCE, area=areas.district)
    with pytest.raises(Conflict, match="已被使用"):
        user_create(actor=admin, username="zhangsan", full_name="张三", role=Role.FINANCE, area=areas.district)


def test_skipping_first_change_needs_a_password(admin, areas):
    with pytest.raises(DomainError, match="须指定密码"):
        user_create(actor=admin, username="demo", full_name="演", role=Role.FINANCE, area=areas.district,
                    must_change_password=False)
    user, _ = user_create(actor=admin, username="demo", full_name="演", role=Role.FINANCE, area=areas.district,
                          password="Demo#2024x", must_change_password=False)
    assert not user.must_change_password
    assert events("user.create")[0].after["must_change_password"] is False


def test_update_audits_only_what_changed(admin, users, areas):
    target = users.a[Role.COMMUNITY_COORDINATOR]
    user_update(actor=admin, user=target, full_name="新名字", phone=target.phone, role=Role.STREET_OFFICER,
                area=areas.street_a)
    target.refresh_from_db()
    assert (target.full_name, target.role, target.area_id) == ("新名字", Role.STREET_OFFICER, areas.street_a.pk)
    (event,) = events("user.update")
    assert set(event.before) == {"full_name", "role", "area"}
    assert event.before["role"] == "community_coordinator" and event.after["role"] == "street_officer"
    assert event.before["area"] == areas.community_a1.pk and event.after["area"] == areas.street_a.pk
    user_update(actor=admin, user=target, full_name="新名字", phone=target.phone, role=target.role, area=target.area)
    assert len(events("user.update")) == 1  # nothing changed, nothing recorded


def test_update_checks_role_and_area_and_self(admin, users, areas):
    target = users.a[Role.COMMUNITY_COORDINATOR]
    with pytest.raises(DomainError, match="须归属于"):
        user_update(actor=admin, user=target, full_name="x", phone="", role=Role.STREET_OFFICER, area=target.area)
    with pytest.raises(PermissionDenied, match="不能修改自己的角色"):
        user_update(actor=admin, user=admin, full_name="x", phone="", role=Role.FINANCE, area=admin.area)
    user_update(actor=admin, user=admin, full_name="管理员甲", phone="0552-1234567", role=admin.role, area=admin.area)
    admin.refresh_from_db()
    assert admin.full_name == "管理员甲"


def test_disable_and_enable(admin, users):
    target = users.a[Role.STREET_OFFICER]
    client = Client()
    client.force_login(target)
    _token, plain = api_token_create(actor=target, name="同步")
    user_disable(actor=admin, user=target, reason="调离")
    target.refresh_from_db()
    assert not target.is_active
    assert client.get("/").status_code == 302  # the open session ended
    assert Client().get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 401
    (event,) = events("user.disable")
    assert event.before == {"is_active": True} and event.after == {"is_active": False} and event.message == "调离"
    with pytest.raises(Conflict):
        user_disable(actor=admin, user=target)
    user_enable(actor=admin, user=target)
    target.refresh_from_db()
    assert target.is_active and events("user.enable")
    with pytest.raises(Conflict):
        user_enable(actor=admin, user=target)


def test_admin_cannot_disable_self(admin):
    with pytest.raises(PermissionDenied, match="不能停用自己的账号"):
        user_disable(actor=admin, user=admin)
    admin.refresh_from_db()
    assert admin.is_active


def test_reset_password_forces_change_and_lifts_lockout(admin, users):
    target = users.a[Role.COMMUNITY_COORDINATOR]
    for i in range(5):
        post_login(Client(), target.username, "wrong-Pass1", ip=f"192.0.2.{i + 1}")
    assert post_login(Client(), target.username, ip="192.0.2.99").status_code == 429
    password = user_reset_password(actor=admin, user=target)
    target.refresh_from_db()
    assert target.check_password(password) and not target.check_password(PASSWORD)
    assert target.must_change_password
    assert not AccessAttempt.objects.filter(username=target.username).exists()
    (event,) = events("user.reset_password")
    assert password not in json.dumps([event.before, event.after, event.message])
    assert event.message == "已清除 6 次登录失败记录"  # 5 wrong passwords and the refused 6th attempt
    client = Client()
    assert post_login(client, target.username, password, ip="192.0.2.99").status_code == 302
    assert logged_in_user_id(client) == str(target.pk)


def test_unlock_clears_the_accounts_failures(admin, users):
    target = users.a[Role.FINANCE]
    for i in range(5):
        post_login(Client(), target.username, "wrong-Pass1", ip=f"192.0.2.{i + 1}")
    assert post_login(Client(), target.username, ip="192.0.2.50").status_code == 429
    assert user_unlock(actor=admin, user=target) == 6
    assert events("user.unlock")[0].object_id == str(target.pk)
    assert post_login(Client(), target.username, ip="192.0.2.50").status_code == 302


def test_admin_removes_a_lost_authenticator(admin, users):
    target = users.a[Role.LEADER]
    TOTPDevice.objects.create(user=target, name="手机", confirmed=True)
    user_totp_remove(actor=admin, user=target)
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert events("user.totp_remove")
    with pytest.raises(Conflict, match="未启用两步验证"):
        user_totp_remove(actor=admin, user=target)


def test_temporary_passwords_pass_the_policy(db):
    seen = set()
    owner = User(username="zhangsan", full_name="张三")
    for _ in range(200):
        password = generate_temporary_password(user=owner)
        validate_password(password, user=owner)
        assert not set(password) & set("0O1lI")
        seen.add(password)
    assert len(seen) == 200


def test_bootstrap_admin_only_while_none_exists(areas):
    first = user_bootstrap_admin(username="root", full_name="首位管理员", area=areas.district, password="First#admin1")
    assert first.role == Role.ADMIN and first.must_change_password and first.check_password("First#admin1")
    (event,) = events("user.bootstrap_admin")
    assert event.actor_username == "system" and event.actor_id is None
    with pytest.raises(Conflict, match="系统已有管理员"):
        user_bootstrap_admin(username="root2", full_name="第二位", area=areas.district, password="First#admin1")


def test_bootstrap_admin_needs_a_district(areas):
    with pytest.raises(DomainError, match="须归属于区/县级区域"):
        user_bootstrap_admin(username="root", full_name="首位", area=areas.street_a, password="First#admin1")


def test_api_token_revoke_only_own_and_once(users):
    owner, other = users[Role.DISTRICT_OFFICER], users[Role.FINANCE]
    token, plain = api_token_create(actor=owner, name="数据同步")
    assert ApiToken.objects.get(pk=token.pk).key_hash != plain
    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=other, token=token)
    api_token_revoke(actor=owner, token=token)
    with pytest.raises(Conflict, match="已吊销"):
        api_token_revoke(actor=owner, token=token)
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="api_token.").order_by("id")] == [
        "api_token.create", "api_token.revoke",
    ]
