from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "canlian.audit"
    label = "audit"
    verbose_name = _("审计日志")

    def ready(self) -> None:
        from canlian.common.navigation import register

        register(_("审计日志"), "audit:list", action="audit.view", order=95)
