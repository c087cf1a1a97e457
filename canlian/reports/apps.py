from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "canlian.reports"
    label = "reports"
    verbose_name = _("统计与年度总结")

    def ready(self) -> None:
        from canlian.common import report_sections
        from canlian.common.navigation import register, register_home
        from canlian.reports import outline

        for key, heading, order, numbered in outline.SECTIONS:
            report_sections.register_section(key, str(heading), order=order, numbered=numbered)
        report_sections.register_pending(*outline.PENDING)
        register(_("统计分析"), "reports:dashboard", action="report.view", order=10)
        register_home("canlian.reports.views.home_dashboard", roles=("leader",))
