from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "canlian.regions"
    label = "regions"
    verbose_name = _("行政区划")

    def ready(self) -> None:
        from canlian.common.navigation import register

        register(_("行政区划"), "regions:list", action="region.view", order=80)
