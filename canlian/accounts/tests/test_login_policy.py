"""等保 login policy through the real pages: lock-out, audit of every log-in event, idle time-out,
password policy, forced change, inactive accounts, and the admin site."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from canlian.accounts.choices import Role
from canlian.accounts.services import user_reset_password
from canlian.accounts.tests.factories import PASSWORD, UserFactory
from canlian.accounts.tests.helpers import logged_in_user_id, post_login
from canlian.audit.models import AuditEvent

START = datetime.datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
HOME = "/"


def actions_for(username):
    return list(AuditEvent.objects.filter(actor_username=username).order_by("id").values_list("action", flat=True))


def test_settings_match_the_policy():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert datetime.timedelta(minutes=5) == settings.AXES_COOLOFF_TIME
    assert settings.IDLE_TIMEOUT == settings.SESSION_COOKIE_AGE == 600
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_account_locked_after_five_wrong_passwords(users):
    user = users[Role.DISTRICT_OFFICER]
    for attempt in range(1, 6):
        # a different address each time: only the account's own count can lock it
        response = post_login(Client(), user.username, "Wrong#pass1", ip=f"192.0.2.{attempt}")
        if attempt < 5:
            assert response.status_code == 200
            assert "用户名或密码错误" in response.content.decode()
    assert response.status_code == 429
    client = Client()
    response = post_login(client, user.username, PASSWORD, ip="192.0.2.77")
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode() and "5 分钟" in response.content.decode()
    assert logged_in_user_id(client) is None
    failed = AuditEvent.objects.filter(action="auth.login_failed", actor_username=user.username).order_by("id")
    assert failed.count() == 6
    assert [e.message for e in failed][-2:] == ["用户名或密码错误", "账号或 IP 处于锁定期，拒绝登录"]
    assert AuditEvent.objects.filter(action="auth.lockout", actor_username=user.username).exists()
    assert not AuditEvent.objects.filter(action="auth.login", actor_username=user.username).exists()
    # another account from the same addresses is not affected by this account's lock
    assert post_login(Client(), users[Role.FINANCE].username, ip="192.0.2.78").status_code == 302


def test_address_locked_across_usernames(users):
    ip = "198.51.100.7"
    for name in ("nobody1", "nobody2", users[Role.LEADER].username, "nobody3", users[Role.FINANCE].username):
        post_login(Client(), name, "Wrong#pass1", ip=ip)
    victim = users[Role.AUDITOR]
    assert post_login(Client(), victim.username, ip=ip).status_code == 429
    client = Client()
    assert post_login(client, victim.username, ip="198.51.100.8").status_code == 302
    assert logged_in_user_id(client) == str(victim.pk)
    lockouts = AuditEvent.objects.filter(action="auth.lockout")
    assert lockouts.exists() and all(e.ip == ip for e in lockouts)


def test_own_success_forgets_own_typos_only(users):
    """An insider cannot clear the count of guesses at a colleague's password by logging in between them."""
    victim, insider = users[Role.FINANCE], users[Role.DISTRICT_OFFICER]
    ip = "198.51.100.20"
    for _ in range(3):
        post_login(Client(), victim.username, "Guess#pass1", ip=ip)
    assert post_login(Client(), insider.username, ip=ip).status_code == 302
    assert post_login(Client(), victim.username, "Guess#pass1", ip=ip).status_code == 200
    assert post_login(Client(), victim.username, "Guess#pass1", ip=ip).status_code == 429
    assert post_login(Client(), victim.username, ip="198.51.100.21").status_code == 429


def test_successful_login_forgets_earlier_typos(users):
    user = users[Role.FINANCE]
    for _ in range(4):
        post_login(Client(), user.username, "Typo#pass1")
    assert post_login(Client(), user.username).status_code == 302
    for _ in range(4):
        assert post_login(Client(), user.username, "Typo#pass1").status_code == 200
    assert post_login(Client(), user.username).status_code == 302


def test_unlocked_after_the_cool_off(users, time_machine):
    time_machine.move_to(START, tick=False)
    user = users[Role.LEADER]
    for i in range(5):
        post_login(Client(), user.username, "Wrong#pass1", ip=f"192.0.2.{i + 1}")
    time_machine.shift(datetime.timedelta(minutes=4, seconds=50))
    assert post_login(Client(), user.username, ip="192.0.2.9").status_code == 429
    # each attempt during the lock-out starts the cool-off again
    time_machine.shift(datetime.timedelta(minutes=5, seconds=1))
    client = Client()
    assert post_login(client, user.username, ip="192.0.2.9").status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_admin_reset_lifts_the_lock_out(users):
    user = users.a[Role.STREET_OFFICER]
    for i in range(5):
        post_login(Client(), user.username, "Wrong#pass1", ip=f"192.0.2.{i + 1}")
    admin_client = Client()
    admin_client.force_login(users[Role.ADMIN])
    detail = admin_client.get(reverse("accounts:user_detail", args=[user.pk])).content.decode()
    assert "已锁定" in detail and "解除锁定" in detail
    assert admin_client.post(reverse("accounts:user_unlock", args=[user.pk])).status_code == 302
    assert "已锁定" not in admin_client.get(reverse("accounts:user_detail", args=[user.pk])).content.decode()
    assert post_login(Client(), user.username, ip="192.0.2.1").status_code == 302


def test_login_and_logout_are_audited(users):
    user = users[Role.FINANCE]
    client = Client()
    assert post_login(client, user.username, ip="203.0.113.5").status_code == 302
    assert client.post(reverse("accounts:logout"), REMOTE_ADDR="203.0.113.5").status_code == 302
    assert logged_in_user_id(client) is None
    events = AuditEvent.objects.filter(actor_username=user.username).order_by("id")
    assert [e.action for e in events] == ["auth.login", "auth.logout"]
    assert all(e.ip == "203.0.113.5" and e.actor_id == user.pk for e in events)


def test_failed_login_of_unknown_name_is_audited(db):
    post_login(Client(), "ghost", "Wrong#pass1", ip="203.0.113.9")
    (event,) = AuditEvent.objects.filter(action="auth.login_failed")
    assert (event.actor_username, event.ip, event.result, event.actor_id) == ("ghost", "203.0.113.9", "failure", None)


def test_idle_session_is_logged_out(users, time_machine):
    time_machine.move_to(START, tick=False)
    user = users[Role.DISTRICT_OFFICER]
    client = Client()
    post_login(client, user.username)
    assert client.get(HOME).status_code == 200
    for _ in range(3):  # activity keeps the session alive well past 600 s in total
        time_machine.shift(590)
        assert client.get(HOME).status_code == 200
    time_machine.shift(settings.IDLE_TIMEOUT + 1)
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("password", "message"), [
    ("Ab#1xyz", "密码太短：至少需要 8 个字符"),
    ("abcdefgh12", "至少 3 类"),
    ("ABCDEFGH!!", "至少 3 类"),
    ("Password1", "太常见"),
    ("District_officer1", "太相似"),
])
def test_password_policy_in_chinese(users, client_for, password, message):
    client = client_for(users[Role.DISTRICT_OFFICER])
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": password, "new_password2": password,
    })
    assert response.status_code == 200
    assert message in str(response.context["form"].errors)
    users[Role.DISTRICT_OFFICER].refresh_from_db()
    assert users[Role.DISTRICT_OFFICER].check_password(PASSWORD)


def test_password_change_needs_the_current_password_and_a_new_one(users, client_for):
    user = users[Role.DISTRICT_OFFICER]
    client = client_for(user)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": "Not#mine123", "new_password1": "New#pass2025", "new_password2": "New#pass2025",
    })
    assert "旧密码不正确" in str(response.context["form"].errors)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD,
    })
    assert "不能与当前密码相同" in str(response.context["form"].errors)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "New#pass2025", "new_password2": "New#pass2025",
    })
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200  # the session survives one's own change
    user.refresh_from_db()
    assert user.check_password("New#pass2025") and user.password_changed_at is not None
    assert "auth.password_change" in actions_for(user.username)


PROTECTED_PAGES = ["/", "/accounts/profile/", "/accounts/users/", "/regions/", "/audit/", "/django-admin/"]


def _assert_forced_to_change(client):
    for path in PROTECTED_PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("accounts:password_change"), path


def test_forced_change_on_first_login(areas):
    user = UserFactory(username="newbie", role=Role.ADMIN, area=areas.district, must_change_password=True)
    client = Client()
    assert post_login(client, user.username).status_code == 302
    _assert_forced_to_change(client)
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert "须先设置新密码" in page
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "Mine#2025ab", "new_password2": "Mine#2025ab",
    })
    assert response.status_code == 302 and response["Location"] == reverse("home")
    for path in PROTECTED_PAGES[:-1]:
        assert client.get(path).status_code == 200, path


def test_forced_change_after_admin_reset(users):
    user = users[Role.AUDITOR]
    client = Client()
    post_login(client, user.username)
    assert client.get(HOME).status_code == 200
    temporary = user_reset_password(actor=users[Role.ADMIN], user=user)
    assert client.get(HOME).status_code == 302  # the old session ended with the old password
    assert post_login(client, user.username, PASSWORD).status_code == 200  # old password no longer works
    assert post_login(client, user.username, temporary).status_code == 302
    _assert_forced_to_change(client)
    client.post(reverse("accounts:password_change"), {
        "old_password": temporary, "new_password1": "Audit#2025x", "new_password2": "Audit#2025x",
    })
    assert client.get(HOME).status_code == 200


def test_inactive_account_cannot_log_in(users):
    user = users[Role.LEADER]
    user.is_active = False
    user.save(update_fields=["is_active"])
    client = Client()
    response = post_login(client, user.username)
    assert response.status_code == 200 and logged_in_user_id(client) is None
    assert "用户名或密码错误" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_username=user.username).exists()


def test_admin_site_logs_in_through_our_page(users):
    user = users[Role.ADMIN]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    response = client.get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=/django-admin/"
    # posting credentials to the admin's own login form logs nobody in
    response = client.post("/django-admin/login/", {"username": user.username, "password": PASSWORD})
    assert logged_in_user_id(client) is None
    assert client.get("/django-admin/").status_code == 302
    assert client.get("/django-admin/password_change/")["Location"].startswith(reverse("accounts:password_change"))
    assert post_login(client, user.username).status_code == 302
    assert client.get("/django-admin/").status_code == 200
