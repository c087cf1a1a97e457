from django.urls import path

from canlian.applications import views

app_name = "applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("inbox/", views.inbox, name="inbox"),
    path("overdue/", views.overdue, name="overdue"),
    path("new/", views.create, name="create"),
    path("batch/", views.batch, name="batch"),
    path("print/", views.print_many, name="print_many"),
    path("follow-up-rates/", views.rates, name="rates"),
    path("holidays/", views.holidays, name="holidays"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/print/", views.print_one, name="print"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
