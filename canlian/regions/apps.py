from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "canlian.regions"
    label = "regions"
    verbose_name = _("行政区划")

    def ready(self) -> None:
        from canlian.common.navigation import register
        from canlian.regions import imports  # noqa: F401  (registers the "regions" import)

        register(_("行政区划"), "regions:list", action="region.view", order=80)
