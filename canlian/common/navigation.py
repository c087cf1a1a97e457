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
