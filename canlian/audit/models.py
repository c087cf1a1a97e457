"""The audit trail (等保 2.0: time, user, event, result of every user action; kept ≥ 6 months).

Append-only: the model refuses updates and deletes, and the database refuses them too (triggers in
migration 0002: UPDATE always, DELETE of events younger than AUDIT_RETENTION_DAYS on PostgreSQL).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.audit.choices import AuditResult


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> AuditEventQuerySet:  # noqa: ANN001
        """Auditors and administrators read the whole trail; nobody else reads any of it."""
        from canlian.accounts.permissions import can

        return self.all() if can(user, "audit.view") else self.none()


class AuditEvent(models.Model):
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
    )
    actor_username = models.CharField(_("账号"), max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    result = models.CharField(_("结果"), max_length=16, choices=AuditResult.choices, default=AuditResult.SUCCESS)
    message = models.TextField(_("说明"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["at", "id"], name="audit_event_at_id"),  # keyset pages of the browser
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("AuditEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        raise RuntimeError("AuditEvent is append-only")
