from django.urls import path

from canlian.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.region_list_view, name="list"),
]
