import pytest

from canlian.accounts.tests.factories import PASSWORD
from tests.browser import login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_shows_home_in_chinese(page, users) -> None:
    officer = users.a["district_officer"]
    officer.full_name = "王静"
    officer.save(update_fields=["full_name"])
    login(page, officer.username, PASSWORD)
    page.wait_for_url(page.base_url + "/")
    assert page.locator("h1").inner_text() == "王静，您好"
    assert "我的待办" in page.content()
    assert page.locator(".who-role").inner_text() == "区残联业务专干"
    shot = screenshot(page, "home-district-officer")
    assert shot.stat().st_size > 10_000
