"""Reads of the audit trail for the browser and the export: filters, keyset pages, one event.

Pages are keyset pages on (at, id) descending: the next page starts below the last row shown, the
previous page above the first, so no page ever COUNTs the table or skips OFFSET rows — the trail
grows without bound and page 1 and page 10 000 cost the same.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import asdict, dataclass
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.audit.models import AuditEvent

PAGE_SIZE = 50
CHOICES_CACHE_SECONDS = 300
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICRO = datetime.timedelta(microseconds=1)


@dataclass(frozen=True)
class AuditFilters:
    """The browser's filters; also the export's parameters (plain strings, so a job can carry them)."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    result: str = ""
    date_from: str = ""  # YYYY-MM-DD, local (Asia/Shanghai) day, inclusive
    date_to: str = ""  # YYYY-MM-DD, inclusive

    def as_params(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> AuditFilters:
        known = cls.__dataclass_fields__
        return cls(**{k: str(v) for k, v in params.items() if k in known and v not in (None, "")})


def event_filter(*, user, filters: AuditFilters) -> QuerySet[AuditEvent]:  # noqa: ANN001
    """The events the user may read that match the filters, newest first."""
    qs = AuditEvent.objects.visible_to(user)
    if filters.actor:
        qs = qs.filter(actor_username=filters.actor)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.result:
        qs = qs.filter(result=filters.result)
    if filters.date_from:
        qs = qs.filter(at__gte=_day_start(datetime.date.fromisoformat(filters.date_from)))
    if filters.date_to:
        qs = qs.filter(at__lt=_day_start(datetime.date.fromisoformat(filters.date_to) + datetime.timedelta(days=1)))
    return qs.order_by("-at", "-id")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass
class EventPage:
    events: list[AuditEvent]
    next_cursor: str | None  # older events
    prev_cursor: str | None  # newer events


def cursor_of(event: AuditEvent) -> str:
    """The position (at, id) of an event, as an opaque-looking but exact token: microseconds.id."""
    return f"{(event.at - _EPOCH) // _MICRO}.{event.pk}"


def parse_cursor(token: str) -> tuple[datetime.datetime, int] | None:
    micros, _, pk = token.partition(".")
    if not (micros.lstrip("-").isdigit() and pk.isdigit()):
        return None
    return _EPOCH + int(micros) * _MICRO, int(pk)


def event_page(qs: QuerySet[AuditEvent], *, after: str = "", before: str = "", size: int = PAGE_SIZE) -> EventPage:
    """One keyset page of `qs` (ordered -at, -id): below `after`, above `before`, or the newest."""
    if before and (position := parse_cursor(before)):
        at, pk = position
        rows = list(qs.filter(Q(at__gt=at) | Q(at=at, pk__gt=pk)).order_by("at", "id")[: size + 1])
        more_newer = len(rows) > size
        events = list(reversed(rows[:size]))
        return EventPage(events=events, next_cursor=cursor_of(events[-1]) if events else None,
                         prev_cursor=cursor_of(events[0]) if more_newer and events else None)
    position = parse_cursor(after) if after else None
    if position is not None:
        at, pk = position
        qs = qs.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    rows = list(qs[: size + 1])
    events = rows[:size]
    return EventPage(events=events, next_cursor=cursor_of(events[-1]) if len(rows) > size else None,
                     prev_cursor=cursor_of(events[0]) if position is not None and events else None)


def _distinct(field: str) -> list[str]:
    """The distinct values of a column, cached for a few minutes: a DISTINCT over the whole trail is not free."""
    key = f"audit:distinct:{field}"
    values = cache.get(key)
    if values is None:
        values = sorted(v for v in AuditEvent.objects.order_by().values_list(field, flat=True).distinct() if v)
        cache.set(key, values, CHOICES_CACHE_SECONDS)
    return values


def actions_present() -> list[str]:
    return _distinct("action")


def object_types_present() -> list[str]:
    return _distinct("object_type")


def event_get(*, user, pk: int) -> AuditEvent | None:  # noqa: ANN001
    return AuditEvent.objects.visible_to(user).filter(pk=pk).first()


@dataclass
class FieldChange:
    name: str
    label: str
    old: str
    new: str
    changed: bool


def field_changes(event: AuditEvent) -> list[FieldChange]:
    """before/after as a table: every field of either, old → new, labelled with the model's field names."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    names = list(dict.fromkeys([*before, *after]))
    return [
        FieldChange(
            name=name, label=_field_label(event.object_type, name),
            old=_show(before.get(name)) if name in before else "", new=_show(after.get(name)) if name in after else "",
            changed=(name in before and name in after and before[name] != after[name]),
        )
        for name in names
    ]


def _field_label(object_type: str, name: str) -> str:
    try:
        model = apps.get_model(object_type) if "." in object_type else None
        return str(model._meta.get_field(name).verbose_name) if model else name
    except (LookupError, ValueError, FieldDoesNotExist):
        return name


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
