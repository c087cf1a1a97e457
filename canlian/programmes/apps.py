from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "canlian.programmes"
    label = "programmes"
    verbose_name = _("项目")

    def ready(self) -> None:
        from canlian.common.navigation import register
        from canlian.common.report_sections import register_lines
        from canlian.programmes import imports  # noqa: F401  (registers the "enrolments" import)
        from canlian.programmes.report_lines import LINES

        register(_("项目"), "programmes:list", action="programme.view", order=30)
        register(_("筛查"), "programmes:screening_list", action="screening.view", order=31)
        register_lines(*LINES)
