from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "canlian.registry"
    label = "registry"
    verbose_name = _("残疾人档案")

    def ready(self) -> None:
        from canlian.common.navigation import register
        from canlian.registry import household_imports, imports  # noqa: F401  (registers the registry's import kinds)
        from canlian.registry.exports import register_exports

        register_exports()
        register(_("残疾人档案"), "registry:person_list", action="person.view", order=10)
        register(_("动态变化待核"), "registry:review_list", action="person.view", order=11)
