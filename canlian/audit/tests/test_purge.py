"""python manage.py purge_audit: only events older than the retention period, in chunks, itself audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from canlian.audit.models import AuditEvent


def test_refuses_a_date_inside_the_retention_period(db, settings):
    too_recent = timezone.localdate() - timedelta(days=settings.AUDIT_RETENTION_DAYS - 1)
    with pytest.raises(CommandError, match="审计日志至少保存 183 天"):
        call_command("purge_audit", "--before", too_recent.isoformat())
    assert not AuditEvent.objects.filter(action="audit.purge").exists()


def test_refuses_a_malformed_date(db):
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        call_command("purge_audit", "--before", "2024/01/01")


def test_deletes_older_events_in_chunks_and_records_itself(db, settings, capsys):
    now = timezone.now()
    for days in (400, 390, 300, 250, 200):
        AuditEvent.objects.create(action="test.old", at=now - timedelta(days=days))
    recent = AuditEvent.objects.create(action="test.recent", at=now - timedelta(days=10))
    before = timezone.localdate() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    call_command("purge_audit", "--before", before.isoformat(), "--chunk", "2")
    assert list(AuditEvent.objects.filter(action__startswith="test.").values_list("pk", flat=True)) == [recent.pk]
    out = capsys.readouterr().out
    assert "已删除 2 条" in out and "已删除 4 条" in out and "删除" in out and "5 条" in out
    purge = AuditEvent.objects.get(action="audit.purge")
    assert purge.after == {"before": before.isoformat(), "deleted": 5}
    assert purge.actor_username.startswith("cli:")
