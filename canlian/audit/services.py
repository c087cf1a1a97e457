"""`record()`: the one helper through which every service writes the audit trail."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import models

from canlian.audit.choices import AuditResult
from canlian.audit.context import current
from canlian.audit.models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named fields of a model instance as JSON-ready values, for before/after."""
    return {name: _jsonable(getattr(obj, f"{name}_id" if _is_fk(obj, name) else name)) for name in fields}


def _is_fk(obj: models.Model, name: str) -> bool:
    field = obj._meta.get_field(name)
    return field.is_relation and field.many_to_one


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    result: AuditResult = AuditResult.SUCCESS,
    message: str = "",
    ip: str | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one audit event. `actor` may be None (anonymous, e.g. a failed login: pass `username`)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    ctx = current.get()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_username=(actor.get_username() if is_user else username)[:150],
        ip=ip or (ctx.ip if ctx else None),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=str(object_repr)[:200],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        result=result,
        message=str(message),
    )


def record_many(
    *,
    actor: Any,
    action: str,
    objects: list[models.Model],
    before: list[dict[str, Any] | None] | None = None,
    after: list[dict[str, Any] | None] | None = None,
    message: str = "",
    batch_size: int = 1000,
) -> int:
    """Append one audit event per object in a few INSERTs: what `record()` writes, for set-based services.

    `before`/`after`, when given, hold one entry per object in the same order.
    """
    if not objects:
        return 0
    ctx = current.get()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    events = [
        AuditEvent(
            actor=actor if is_user else None,
            actor_username=(actor.get_username() if is_user else "")[:150],
            ip=ctx.ip if ctx else None,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            before=_jsonable(before[i]) if before is not None and before[i] is not None else None,
            after=_jsonable(after[i]) if after is not None and after[i] is not None else None,
            result=AuditResult.SUCCESS,
            message=str(message),
        )
        for i, obj in enumerate(objects)
    ]
    AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    return len(events)
