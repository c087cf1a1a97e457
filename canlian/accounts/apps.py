from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "canlian.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self) -> None:
        from canlian.accounts import receivers  # noqa: F401  (audit of log-ins, log-outs, lock-outs)
        from canlian.common.navigation import register

        register(_("用户管理"), "accounts:user_list", action="user.view", order=90)
