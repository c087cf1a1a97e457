"""URLs of the shared pages: background jobs (/jobs/) and imports (/imports/)."""

from django.urls import path

from canlian.common import views

job_patterns = [
    path("", views.job_list, name="list"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/download/", views.job_download, name="download"),
]

import_patterns = [
    path("", views.import_index, name="index"),
    path("runs/<int:pk>/", views.import_run, name="run"),
    path("runs/<int:pk>/confirm/", views.import_run_confirm, name="confirm"),
    path("runs/<int:pk>/discard/", views.import_run_discard, name="discard"),
    path("runs/<int:pk>/errors/", views.import_run_errors, name="errors"),
    path("<slug:kind>/", views.import_upload_view, name="upload"),
    path("<slug:kind>/template/", views.import_template, name="template"),
]
