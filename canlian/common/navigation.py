"""The main menu: each app registers its entries with the permission action that reveals them.

Only modules that exist register, and each entry shows only to roles whose matrix allows its action,
so a street officer never sees a link that would answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    action: str
    order: int


_ENTRIES: list[NavEntry] = []


def register(label: str, url_name: str, *, action: str, order: int) -> None:
    """Called from an app's AppConfig.ready(); registering twice is harmless."""
    entry = NavEntry(label=label, url_name=url_name, action=action, order=order)
    if entry not in _ENTRIES:
        _ENTRIES.append(entry)
        _ENTRIES.sort(key=lambda e: e.order)


def menu_for(user, current_path: str) -> list[dict[str, object]]:  # noqa: ANN001
    from canlian.accounts.permissions import can

    items = []
    for entry in _ENTRIES:
        if not can(user, entry.action):
            continue
        url = reverse(entry.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": entry.label, "url": url, "active": active})
    return items


_HOMES: dict[str, str] = {}


def register_home(view_path: str, *, roles: tuple[str, ...]) -> None:
    """An app offers its page as the home page of some roles (the leaders' dashboard). The page is rendered
    at "/" itself, not redirected to, and must still show the user's 我的待办."""
    for role in roles:
        _HOMES[role] = view_path


def home_view_for(user):  # noqa: ANN001, ANN201
    """The view registered as this user's home page, or None for the common home page."""
    from django.utils.module_loading import import_string

    path = _HOMES.get(getattr(user, "role", ""))
    return import_string(path) if path else None
