"""python manage.py purge_audit --before YYYY-MM-DD: delete audit events older than a day, in chunks.

Refuses any day less than AUDIT_RETENTION_DAYS ago (the Cybersecurity Law keeps logs at least six
months; on PostgreSQL the database refuses such deletes as well) and records its own audit event.
"""

from __future__ import annotations

import datetime
import getpass
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from canlian.audit.models import AuditEvent
from canlian.audit.services import record


class Command(BaseCommand):
    help = "删除某日期之前的审计日志（该日期须早于保存期限 AUDIT_RETENTION_DAYS 天以前）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--before", required=True, help="删除此日期（YYYY-MM-DD，北京时间 0 点）之前的事件")
        parser.add_argument("--chunk", type=int, default=5000, help="每批删除的条数")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            before = datetime.date.fromisoformat(opts["before"])
        except ValueError as error:
            raise CommandError(f"日期格式应为 YYYY-MM-DD，收到“{opts['before']}”") from error
        if opts["chunk"] < 1:
            raise CommandError("--chunk 须为正整数")
        latest = timezone.localdate() - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
        if before > latest:
            raise CommandError(
                f"审计日志至少保存 {settings.AUDIT_RETENTION_DAYS} 天（网络安全法要求不少于六个月）："
                f"--before 不能晚于 {latest.isoformat()}，收到 {before.isoformat()}"
            )
        cutoff = timezone.make_aware(datetime.datetime.combine(before, datetime.time.min))
        deleted = 0
        while True:
            oldest = AuditEvent.objects.filter(at__lt=cutoff).order_by("at", "id")
            ids = list(oldest.values_list("pk", flat=True)[: opts["chunk"]])
            if not ids:
                break
            count, _ = AuditEvent.objects.filter(pk__in=ids).delete()
            deleted += count
            self.stdout.write(f"已删除 {deleted} 条……")
        record(
            actor=None, username=f"cli:{getpass.getuser()}"[:150], action="audit.purge",
            object_type="audit.auditevent", after={"before": before.isoformat(), "deleted": deleted},
            message=f"删除 {before.isoformat()} 之前的审计日志 {deleted} 条",
        )
        self.stdout.write(self.style.SUCCESS(f"完成：删除 {before.isoformat()} 之前的审计日志 {deleted} 条"))
