from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "canlian.applications"
    label = "applications"
    verbose_name = _("申请办理")

    def ready(self) -> None:
        from canlian.applications import selectors, services
        from canlian.common import inbox
        from canlian.common.navigation import register
        from canlian.programmes import progress, screening

        register(_("申请办理"), "applications:list", action="application.view", order=20)
        register(_("逾期督办"), "applications:overdue", action="application.overdue", order=21)
        register(_("节假日"), "applications:holidays", action="holiday.manage", order=90)
        inbox.register(selectors.inbox_items)
        progress.register(selectors.delivered_counts)
        screening.register_pending(selectors.pending_person_ids)
        screening.register_drafts(services.drafts_start)
