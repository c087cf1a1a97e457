from django.urls import path

from canlian.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("generate/", views.generate, name="generate"),
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/<str:fmt>/", views.job_file, name="job_file"),
]
