from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from canlian.api import api
from canlian.common import views as common_views
from canlian.common.urls import import_patterns, job_patterns

urlpatterns = [
    path("", common_views.home, name="home"),
    path("accounts/", include("canlian.accounts.urls")),
    path("audit/", include("canlian.audit.urls")),
    path("regions/", include("canlian.regions.urls")),
    path("programmes/", include("canlian.programmes.urls")),
    path("jobs/", include((job_patterns, "jobs"))),
    path("imports/", include((import_patterns, "imports"))),
    path("registry/", include("canlian.registry.urls")),
    path("applications/", include("canlian.applications.urls")),
    path("reports/", include("canlian.reports.urls")),
    path("payments/", include("canlian.payments.urls")),
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    # The admin site logs in through our own login page, so the second factor, the lock-out and the audit
    # apply there too, and passwords change only through our view (policy, audit, no reuse).
    path("django-admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("django-admin/password_change/", RedirectView.as_view(pattern_name="accounts:password_change")),
    path("django-admin/", admin.site.urls),
]
