"""我的待办: apps register providers of the user's pending work; the home page lists them.

Until the applications module exists nothing is registered and the inbox says so honestly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class InboxItem:
    label: str
    url: str
    count: int
    overdue: int = 0


Provider = Callable[[object], list[InboxItem]]
_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def items_for(user) -> list[InboxItem]:  # noqa: ANN001
    items: list[InboxItem] = []
    for provider in _PROVIDERS:
        items.extend(provider(user))
    return items
