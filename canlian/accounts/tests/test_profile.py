"""个人设置: the second factor (TOTP) from enabling to logging in with it, and API tokens."""

import base64
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from canlian.accounts.choices import Role
from canlian.accounts.models import ApiToken
from canlian.accounts.tests.factories import PASSWORD
from canlian.accounts.tests.helpers import logged_in_user_id, post_login
from canlian.audit.models import AuditEvent

START = datetime.datetime(2025, 6, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def code(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


@pytest.fixture
def officer(users):
    return users[Role.DISTRICT_OFFICER]


def enable_totp(client):
    client.post(reverse("accounts:totp_start"))
    return TOTPDevice.objects.get(confirmed=False)


def test_profile_page(officer, client_for):
    page = client_for(officer).get(reverse("accounts:profile")).content.decode()
    assert "修改密码" in page and "两步验证" in page and "未启用" in page and "尚未创建 API 令牌" in page


def test_enable_totp_shows_qr_and_secret(officer, client_for):
    client = client_for(officer)
    response = client.post(reverse("accounts:totp_start"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:totp_setup")
    device = TOTPDevice.objects.get(user=officer)
    assert not device.confirmed
    page = client.get(reverse("accounts:totp_setup"))
    assert "no-store" in page["Cache-Control"]
    qr = page.context["qr"]
    assert qr.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(qr.split(",", 1)[1]).decode()
    assert svg.startswith("<svg") and "<path" in svg
    secret = page.context["secret"].replace(" ", "")
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    assert f'src="{qr}"' in page.content.decode()
    # an unconfirmed device protects nothing yet
    assert post_login(Client(), officer.username).status_code == 302


def test_confirm_totp_with_a_code(officer, client_for, time_machine):
    time_machine.move_to(START, tick=False)
    client = client_for(officer)
    device = enable_totp(client)
    response = client.post(reverse("accounts:totp_setup"), {"token": "000000" if code(device) != "000000" else "1"})
    assert "动态口令不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    response = client.post(reverse("accounts:totp_setup"), {"token": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert "已启用" in client.get(reverse("accounts:profile")).content.decode()
    assert list(AuditEvent.objects.filter(action__startswith="auth.totp").values_list("action", flat=True)
                .order_by("id")) == ["auth.totp_start", "auth.totp_enable"]
    # once enabled, starting again is refused until it is switched off
    response = client.post(reverse("accounts:totp_start"), follow=True)
    assert "已启用两步验证" in response.content.decode()


def test_login_with_totp_end_to_end(officer, client_for, time_machine):
    time_machine.move_to(START, tick=False)
    device = enable_totp(client_for(officer))
    client_for(officer).post(reverse("accounts:totp_setup"), {"token": code(device)})
    time_machine.shift(30)  # a code is accepted once: log in with the next one

    client = Client()
    response = post_login(client, officer.username)
    assert response.status_code == 200 and logged_in_user_id(client) is None
    assert "请输入动态口令" in response.content.decode()

    response = post_login(client, officer.username, otp="12345x")
    assert response.status_code == 200 and "动态口令错误" in response.content.decode()
    failed = AuditEvent.objects.filter(action="auth.login_failed", actor_username=officer.username).get()
    assert failed.message == "动态口令错误"

    device.refresh_from_db()
    time_machine.shift(60)  # past django-otp's back-off after the wrong code
    response = post_login(client, officer.username, otp=code(device))
    assert response.status_code == 302 and logged_in_user_id(client) == str(officer.pk)
    assert client.session.get("otp_device_id") == device.persistent_id
    assert client.get("/").status_code == 200


def test_wrong_codes_count_towards_the_lock_out(officer, time_machine):
    time_machine.move_to(START, tick=False)
    device = TOTPDevice.objects.create(user=officer, name="手机", confirmed=True)
    for i in range(5):
        response = post_login(Client(), officer.username, otp="99999x", ip=f"192.0.2.{i + 1}")
    assert response.status_code == 429
    time_machine.shift(60)
    assert post_login(Client(), officer.username, otp=code(device), ip="192.0.2.9").status_code == 429


def test_disable_totp_needs_the_password(officer, client_for):
    TOTPDevice.objects.create(user=officer, name="手机", confirmed=True)
    client = client_for(officer)
    response = client.post(reverse("accounts:totp_disable"), {"password": "Wrong#pass1"}, follow=True)
    assert "当前密码不正确" in response.content.decode()
    assert TOTPDevice.objects.filter(user=officer).exists()
    response = client.post(reverse("accounts:totp_disable"), {"password": PASSWORD}, follow=True)
    assert "两步验证已停用" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert AuditEvent.objects.filter(action="auth.totp_disable", actor_id=officer.pk).exists()
    assert post_login(Client(), officer.username).status_code == 302


def test_api_token_shown_once_then_revoked(officer, client_for):
    client = client_for(officer)
    response = client.post(reverse("accounts:token_create"), {"name": "区数据中心同步"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    plain = response.context["plain"]
    assert plain in response.content.decode()
    token = ApiToken.objects.get(user=officer)
    api = Client()
    me = api.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert me.status_code == 200 and me.json()["username"] == officer.username
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "区数据中心同步" in profile and token.prefix in profile and plain not in profile
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]), follow=True)
    assert "已吊销" in response.content.decode()
    assert api.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 401


def test_token_of_someone_else_cannot_be_revoked(officer, users, client_for):
    client_for(officer).post(reverse("accounts:token_create"), {"name": "同步"})
    token = ApiToken.objects.get(user=officer)
    assert client_for(users[Role.FINANCE]).post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_needs_a_name(officer, client_for):
    response = client_for(officer).post(reverse("accounts:token_create"), {"name": " "}, follow=True)
    assert "请填写令牌用途" in response.content.decode()
    assert not ApiToken.objects.exists()
