from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from canlian.api import api
from canlian.common import views as common_views

urlpatterns = [
    path("", common_views.home, name="home"),
    path("accounts/", include("canlian.accounts.urls")),
    path("audit/", include("canlian.audit.urls")),
    path("regions/", include("canlian.regions.urls")),
    path("registry/", include("canlian.registry.urls")),
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("django-admin/", admin.site.urls),
]
