from django.urls import path

from canlian.payments import views

app_name = "payments"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("new/", views.build, name="build"),
    path("layouts/", views.layouts, name="layouts"),
    path("layouts/new/", views.layout_edit, name="layout_new"),
    path("layouts/<int:pk>/", views.layout_edit, name="layout_edit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/export/", views.export, name="export"),
    path("<int:pk>/return/", views.reconcile, name="reconcile"),
    path("<int:pk>/reissue/", views.reissue, name="reissue"),
    path("findings/<int:pk>/resolve/", views.finding_resolve, name="finding_resolve"),
    path("lines/<int:pk>/exclude/", views.line_exclude, name="line_exclude"),
    path("lines/<int:pk>/reverse/", views.line_reverse, name="line_reverse"),
]
