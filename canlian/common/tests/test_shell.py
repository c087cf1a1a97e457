import pytest
from django.urls import reverse

from canlian.accounts.choices import Role


@pytest.mark.django_db
def test_every_role_reaches_home_and_sees_only_allowed_menu(users, client_for):
    for role in Role:
        response = client_for(users.a[role]).get(reverse("home"))
        assert response.status_code == 200, role
        body = response.content.decode()
        assert "我的待办" in body
        assert ("审计日志" in body) == (role in {Role.ADMIN, Role.AUDITOR}), role


@pytest.mark.django_db
def test_pages_carry_security_headers_and_no_inline_script(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    body = response.content.decode()
    assert "<script>" not in body and "style=" not in body
    assert "http://" not in body.replace("http://testserver", "") and "https://" not in body


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
