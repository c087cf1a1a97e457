import re

import polib
import pytest
from django.conf import settings
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


PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdf]|<[^>]+>")


def test_english_translations_keep_every_placeholder_and_tag():
    """A translation that drops or renames a %(name)s placeholder fails at run time (KeyError) or loses data."""
    catalogue = polib.pofile(str(settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    wrong = []
    for entry in catalogue.translated_entries():
        pairs = [(entry.msgid, entry.msgstr)] if not entry.msgid_plural else [
            (entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        for source, text in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                wrong.append(entry.msgid)
    assert wrong == []


def test_no_template_translate_literal_contains_escaped_double_quotes():
    """makemessages cuts `{% translate "…\\"…" %}` at the escaped quote, so such a string can never be translated."""
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for path in (settings.BASE_DIR / "templates").rglob("*.html")
        if re.search(r'\{%\s*trans(?:late)?\s+"[^"]*\\"', path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
