import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_login_page_is_chinese_by_default_and_english_on_request(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert "区残联服务管理系统" in body and 'lang="zh-hans"' in body
    english = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in english
    assert "区残联服务管理系统" not in english


@pytest.mark.django_db
def test_language_switch_persists_in_the_session(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert 'lang="en"' in client.get(reverse("accounts:login")).content.decode()
