from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "canlian.common"
    label = "common"
    verbose_name = _("公共")

    def ready(self) -> None:
        from canlian.common import checks  # noqa: F401  (registers the system checks)
        from canlian.common.navigation import register

        register(_("数据导入"), "imports:index", action="import.view", order=85)
        register(_("后台任务"), "jobs:list", action="job.view", order=97)
