
import pytest

from canlian.accounts.choices import Role
from canlian.accounts.models import User
from canlian.accounts.tests.factories import PASSWORD
from tests.browser import login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_creates_coordinator_who_must_change_password(page, users, areas) -> None:
    admin = users[Role.ADMIN]
    login(page, admin.username, PASSWORD)
    page.wait_for_url(page.base_url + "/")
    page.click("nav.mainnav >> text=用户管理")
    page.wait_for_url("**/accounts/users/")
    page.click("text=新建用户")
    page.fill("#id_username", "wufang")
    page.fill("#id_full_name", "吴芳")
    page.fill("#id_phone", "13955200000")
    page.select_option("#id_role", Role.COMMUNITY_COORDINATOR.value)
    page.select_option("#id_area", label="甲街道 / 甲二社区（社区/村）")
    screenshot(page, "user-create-form")
    page.click("form.stacked button[type=submit]")
    temporary = page.locator("#temporary-password").inner_text().strip()
    assert len(temporary) == 12
    assert "只显示这一次" in page.content()
    screenshot(page, "user-created-password")
    user = User.objects.get(username="wufang")
    assert user.area == areas.community_a2 and user.must_change_password

    page.click(".topbar button[type=submit]")  # 退出
    page.wait_for_url("**/accounts/login/")
    login(page, "wufang", temporary)
    page.wait_for_url("**/accounts/password/")
    assert "须先设置新密码" in page.content()
    page.goto(page.base_url + "/")  # every page leads back to the change form
    page.wait_for_url("**/accounts/password/")
    page.fill("#id_old_password", temporary)
    page.fill("#id_new_password1", "Shequ#2025ok")
    page.fill("#id_new_password2", "Shequ#2025ok")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(page.base_url + "/")
    assert page.locator("h1").inner_text() == "吴芳，您好"
    assert page.locator(".who-role").inner_text() == "社区专职委员"
    assert "用户管理" not in page.locator("nav.mainnav").inner_text()
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Shequ#2025ok")
