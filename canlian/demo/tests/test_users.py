import io
import random

from canlian.accounts.choices import Role
from canlian.accounts.models import User
from canlian.audit.models import AuditEvent
from canlian.demo import regions, users
from canlian.demo.context import DemoContext


def build_users():
    ctx = DemoContext(rng=random.Random(1), year=2024, persons=0, stdout=io.StringIO())
    regions.build(ctx)
    users.build(ctx)
    return ctx


def test_demo_users_are_created_through_the_services(db):
    ctx = build_users()
    created = {u.username: u for u in User.objects.all()}
    assert set(created) == {d[0] for d in users.DEMO_USERS} == set(ctx.data["users"])
    for username, full_name, role, _where in users.DEMO_USERS:
        user = created[username]
        assert (user.full_name, user.role, user.must_change_password) == (full_name, role, False)
        assert user.check_password(users.DEMO_PASSWORD)
    assert created["jiedao"].area.level == "street" and created["weiyuan2"].area.level == "community"
    assert AuditEvent.objects.filter(action="user.bootstrap_admin", object_id=str(created["admin"].pk)).exists()
    audited = AuditEvent.objects.filter(action="user.create", actor_username="admin")
    assert audited.count() == len(users.DEMO_USERS) - 1
    assert all(e.after["must_change_password"] is False for e in audited)


def test_demo_users_build_twice_keeps_accounts(db):
    build_users()
    build_users()
    assert User.objects.count() == len(users.DEMO_USERS)
    assert User.objects.filter(role=Role.ADMIN).count() == 1


def test_every_demo_user_logs_in_through_the_login_page_and_reaches_home(db, client, preloaded):
    build_users()
    for username, _full_name, role, _where in users.DEMO_USERS:
        response = client.post(
            "/accounts/login/", {"username": username, "password": users.DEMO_PASSWORD}, follow=True
        )
        assert response.status_code == 200, username
        assert response.request["PATH_INFO"] == "/", (username, response.request["PATH_INFO"])
        assert "我的待办" in response.content.decode(), username
        assert response.context["user"].role == role
        client.post("/accounts/logout/")
