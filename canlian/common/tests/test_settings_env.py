import pytest
from django.core.exceptions import ImproperlyConfigured

from canlian.common.checks import production_errors
from canlian.env import env_bool, env_int, env_list


def test_env_readers_parse_and_name_the_variable(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_LIST", "a.gov.cn, b.gov.cn,,")
    assert env_bool("X_BOOL") is True
    assert env_int("X_INT", 1) == 42
    assert env_list("X_LIST", []) == ["a.gov.cn", "b.gov.cn"]
    assert env_int("X_MISSING", 7) == 7
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 1)


def test_production_refuses_development_secrets(settings):
    settings.DEBUG = False
    settings.TESTING = False
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    settings.CANLIAN_DATA_KEY = settings.DEV_DATA_KEY
    settings.ALLOWED_HOSTS = []
    problems = " ".join(production_errors())
    assert "SECRET_KEY" in problems
    assert "CANLIAN_DATA_KEY" in problems
    assert "ALLOWED_HOSTS" in problems


def test_production_accepts_real_secrets(settings):
    settings.DEBUG = False
    settings.TESTING = False
    settings.SECRET_KEY = "k" * 64
    settings.CANLIAN_DATA_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    settings.ALLOWED_HOSTS = ["canlian.example.gov.cn"]
    assert production_errors() == []
    settings.CANLIAN_DATA_KEY = "not base64!"
    assert production_errors() == ["CANLIAN_DATA_KEY is not valid base64."]
