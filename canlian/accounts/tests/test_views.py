import pytest
from django.urls import reverse

from canlian.accounts.choices import Role
from canlian.accounts.models import User
from canlian.accounts.tests.factories import UserFactory
from canlian.audit.models import AuditEvent

LIST = "/accounts/users/"


def usernames(response):
    return {u.username for u in response.context["page"].object_list}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reaches_home(users, client_for, role):
    for user in (users.a[role], users.b[role]):
        response = client_for(user).get("/")
        assert response.status_code == 200
        assert user.display_name in response.content.decode()


@pytest.mark.parametrize("role", [Role.COMMUNITY_COORDINATOR, Role.LEADER, Role.FINANCE, Role.AUDITOR,
                                  Role.DISTRICT_OFFICER])
def test_roles_without_user_view_get_403(users, client_for, role):
    client = client_for(users[role])
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("accounts:user_detail", args=[users[role].pk])).status_code == 403
    assert "用户管理" not in client.get("/").content.decode()


def test_street_officer_sees_own_street_read_only(users, client_for):
    officer = users.a[Role.STREET_OFFICER]
    client = client_for(officer)
    response = client.get(LIST)
    assert response.status_code == 200
    assert usernames(response) == {"street_a", "coord_a1"}
    page = response.content.decode()
    assert "新建用户" not in page and "只读" in page
    mine = users.a[Role.COMMUNITY_COORDINATOR]
    detail = client.get(reverse("accounts:user_detail", args=[mine.pk]))
    assert detail.status_code == 200 and "重置密码" not in detail.content.decode()
    for name in ("user_edit", "user_disable", "user_reset_password", "user_unlock"):
        assert client.post(reverse(f"accounts:{name}", args=[mine.pk])).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403


def test_street_officer_cannot_see_other_street(users, client_for):
    client = client_for(users.a[Role.STREET_OFFICER])
    other = users.b[Role.COMMUNITY_COORDINATOR]
    assert client.get(reverse("accounts:user_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("accounts:user_edit", args=[other.pk])).status_code == 403
    district_user = users[Role.FINANCE]
    assert client.get(reverse("accounts:user_detail", args=[district_user.pk])).status_code == 404
    assert "coord_b1" not in client.get(LIST + "?q=coord").content.decode()


def test_admin_list_filters(users, client_for, areas):
    client = client_for(users[Role.ADMIN])
    everyone = {u.username for u in User.objects.all()}
    assert usernames(client.get(LIST)) == everyone
    assert usernames(client.get(LIST, {"role": Role.STREET_OFFICER})) == {"street_a", "street_b"}
    assert usernames(client.get(LIST, {"area": areas.street_b.pk})) == {"street_b", "coord_b1"}
    assert usernames(client.get(LIST, {"q": "COORD"})) == {"coord_a1", "coord_b1"}
    users.b[Role.STREET_OFFICER].full_name = "赵六"
    users.b[Role.STREET_OFFICER].is_active = False
    users.b[Role.STREET_OFFICER].save()
    assert usernames(client.get(LIST, {"q": "赵"})) == {"street_b"}
    assert usernames(client.get(LIST, {"active": "0"})) == {"street_b"}
    assert "street_b" not in usernames(client.get(LIST, {"active": "1"}))


def test_list_htmx_gets_the_table_only(users, client_for):
    response = client_for(users[Role.ADMIN]).get(LIST, {"role": "finance"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and "<table" in body and "finance" in body


def test_list_queries_do_not_grow_with_users(users, client_for, areas, django_assert_max_num_queries):
    for i in range(60):
        UserFactory(username=f"bulk{i}", role=Role.COMMUNITY_COORDINATOR, area=areas.community_a2)
    client = client_for(users[Role.ADMIN])
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert response.status_code == 200 and len(response.context["page"].object_list) == 50
    assert "第 1 / 2 页" in response.content.decode()
    second = client.get(LIST, {"page": 2})
    assert len(second.context["page"].object_list) == User.objects.count() - 50


def test_admin_creates_user_and_sees_password_once(users, client_for, areas):
    client = client_for(users[Role.ADMIN])
    assert client.get(reverse("accounts:user_create")).status_code == 200
    response = client.post(reverse("accounts:user_create"), {
        "username": "wangfang", "full_name": "王芳", "phone": "13800000000", "role": Role.COMMUNITY_COORDINATOR,
        "area": areas.community_a2.pk, "password_mode": "generate",
    })
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode() and "只显示这一次" in response.content.decode()
    created = User.objects.get(username="wangfang")
    assert created.check_password(password) and created.must_change_password
    detail = client.get(reverse("accounts:user_detail", args=[created.pk])).content.decode()
    assert password not in detail and "user.create" in detail


def test_create_form_shows_service_refusals(users, client_for, areas):
    client = client_for(users[Role.ADMIN])
    response = client.post(reverse("accounts:user_create"), {
        "username": "lisi", "full_name": "李四", "role": Role.STREET_OFFICER, "area": areas.community_a1.pk,
        "password_mode": "set", "password1": "Street#2025", "password2": "Street#2025",
    })
    assert response.status_code == 200
    assert "须归属于街道/乡镇级区域" in str(response.context["form"].errors["area"])
    response = client.post(reverse("accounts:user_create"), {
        "username": "lisi", "full_name": "李四", "role": Role.STREET_OFFICER, "area": areas.street_a.pk,
        "password_mode": "set", "password1": "short", "password2": "short",
    })
    assert "密码" in str(response.context["form"].errors["password1"])
    response = client.post(reverse("accounts:user_create"), {
        "username": "lisi", "full_name": "李四", "role": Role.STREET_OFFICER, "area": areas.street_a.pk,
        "password_mode": "set", "password1": "Street#2025", "password2": "Street#2026",
    })
    assert "不一致" in str(response.context["form"].errors["password2"])
    assert not User.objects.filter(username="lisi").exists()
    response = client.post(reverse("accounts:user_create"), {
        "username": "lisi", "full_name": "李四", "role": Role.STREET_OFFICER, "area": areas.street_a.pk,
        "password_mode": "set", "password1": "Street#2025", "password2": "Street#2025",
    })
    created = User.objects.get(username="lisi")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:user_detail", args=[created.pk])


def test_admin_edits_user(users, client_for, areas):
    client = client_for(users[Role.ADMIN])
    target = users.a[Role.COMMUNITY_COORDINATOR]
    url = reverse("accounts:user_edit", args=[target.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"full_name": "吴新", "phone": "0552-888", "role": Role.COMMUNITY_COORDINATOR,
                                 "area": areas.community_a2.pk})
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.full_name, target.phone, target.area) == ("吴新", "0552-888", areas.community_a2)
    response = client.post(url, {"full_name": "吴新", "phone": "", "role": Role.FINANCE, "area": areas.community_a2.pk})
    assert "须归属于区/县级区域" in response.content.decode()
    target.refresh_from_db()
    assert target.role == Role.COMMUNITY_COORDINATOR


def test_admin_disable_enable_reset_through_pages(users, client_for):
    admin = users[Role.ADMIN]
    client = client_for(admin)
    target = users.b[Role.STREET_OFFICER]
    detail = reverse("accounts:user_detail", args=[target.pk])
    assert client.post(reverse("accounts:user_disable", args=[target.pk])).status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert "已停用" in client.get(detail).content.decode()
    client.post(reverse("accounts:user_enable", args=[target.pk]))
    target.refresh_from_db()
    assert target.is_active
    response = client.post(reverse("accounts:user_reset_password", args=[target.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    target.refresh_from_db()
    assert target.check_password(response.context["password"]) and target.must_change_password
    # refusing to disable oneself is a message, not a crash
    response = client.post(reverse("accounts:user_disable", args=[admin.pk]), follow=True)
    assert "不能停用自己的账号" in response.content.decode()
    assert list(AuditEvent.objects.filter(object_id=str(target.pk), object_type="accounts.user")
                .order_by("id").values_list("action", flat=True)) == [
        "user.disable", "user.enable", "user.reset_password",
    ]


def test_navigation_shows_user_management_to_admin_and_street_officer(users, client_for):
    assert "用户管理" in client_for(users[Role.ADMIN]).get("/").content.decode()
    assert "用户管理" in client_for(users[Role.STREET_OFFICER]).get("/").content.decode()
