"""`python manage.py export KIND`: the exports the screens offer, registered by the apps that own them.

Like the import kinds (common/imports.py), each app registers its exports in AppConfig.ready(); the command
finds them here without common importing any domain app. An export runs as a named user, through the same
service as the screen, so area scoping, masking and the audit record are the screen's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExportKind:
    name: str  # the command's KIND, e.g. "persons"
    label: str
    params: str  # the KEY=VALUE parameters it takes, for --help and errors
    run: Callable[[Any, dict[str, str]], tuple[bytes, str]]  # (actor, params) -> (content, file name)


_KINDS: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> None:
    _KINDS[kind.name] = kind


def get_kind(name: str) -> ExportKind:
    return _KINDS[name]


def all_kinds() -> list[ExportKind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)
