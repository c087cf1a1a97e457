"""The audit trail is append-only: in the model, and in the database itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from canlian.audit.models import AuditEvent
from canlian.audit.services import record


def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE trigger exists on PostgreSQL only (SQLite's test flush deletes rows)")


def test_saving_an_existing_event_raises(db):
    event = record(actor=None, username="someone", action="test.event")
    event.message = "changed"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()


def test_deleting_an_event_raises(db):
    event = record(actor=None, username="someone", action="test.event")
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_queryset_update_is_rejected_by_the_database(db):
    """On SQLite and PostgreSQL alike: the trigger refuses any UPDATE, whatever the ORM does."""
    event = record(actor=None, username="someone", action="test.event", message="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(message="forged")
    event.refresh_from_db()
    assert event.message == "original"


@pytest.mark.postgres
def test_postgres_refuses_to_delete_a_recent_event(db):
    needs_postgres()
    event = record(actor=None, username="someone", action="test.event")
    with pytest.raises(DatabaseError, match="younger than 183 days"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
def test_postgres_deletes_an_event_older_than_the_retention(db):
    needs_postgres()
    old = AuditEvent.objects.create(action="test.old", at=timezone.now() - timedelta(days=200))
    AuditEvent.objects.filter(pk=old.pk).delete()
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
