"""Shared fixtures: a user of each role in two different streets, so access tests are routine."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls in browser tests are
# made outside it, on purpose and one at a time.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.fixtures", "tests.browser"]


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues() -> None:
    """The English catalogue is compiled by the set-up (`make catalogs`); a bare `pytest` run compiles it too."""
    from django.core.management import call_command

    call_command("compile_catalogs", verbosity=0)
