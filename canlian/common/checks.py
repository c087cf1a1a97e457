"""System checks that refuse an unsafe production start.

`manage.py runserver`, `migrate` and every other command run these; the WSGI entry point calls
`production_errors()` itself, so a production server never starts with a public secret.
"""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.core import checks


def production_errors() -> list[str]:
    """Reasons why these settings must not serve a production federation (empty when fine)."""
    if settings.DEBUG or getattr(settings, "TESTING", False):
        return []
    problems: list[str] = []
    if not settings.SECRET_KEY or settings.SECRET_KEY == settings.DEV_SECRET_KEY or len(settings.SECRET_KEY) < 50:
        problems.append("SECRET_KEY is missing, too short (< 50 characters) or the public development default.")
    key = settings.CANLIAN_DATA_KEY
    if not key or key == settings.DEV_DATA_KEY:
        problems.append("CANLIAN_DATA_KEY is missing or the public development default.")
    else:
        try:
            if len(base64.b64decode(key, validate=True)) != 32:
                problems.append("CANLIAN_DATA_KEY must be 32 bytes, base64-encoded.")
        except (binascii.Error, ValueError):
            problems.append("CANLIAN_DATA_KEY is not valid base64.")
    if not settings.ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS is empty.")
    return problems


@checks.register(checks.Tags.security)
def check_production_secrets(app_configs: object, **kwargs: object) -> list[checks.CheckMessage]:
    return [checks.Error(problem, id="canlian.E001") for problem in production_errors()]
