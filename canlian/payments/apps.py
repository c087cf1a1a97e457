from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "canlian.payments"
    label = "payments"
    verbose_name = _("资金发放")

    def ready(self) -> None:
        from canlian.applications.services import DELIVERY_GUARDS
        from canlian.common import figures
        from canlian.common.navigation import register
        from canlian.payments import selectors, services
        from canlian.payments.exports import register_exports

        register(_("资金发放"), "payments:list", action="payment.view", order=25)
        register(_("名单格式"), "payments:layouts", action="payment.layout", order=91)
        figures.register(totals=selectors.payment_totals, persons=selectors.payment_persons)
        register_exports()
        if services.delivery_guard not in DELIVERY_GUARDS:
            DELIVERY_GUARDS.append(services.delivery_guard)
