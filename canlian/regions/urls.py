from django.urls import path

from canlian.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.region_list_view, name="list"),
    path("<str:code>/", views.region_detail, name="detail"),
    path("<str:code>/new/", views.region_create_view, name="create"),
    path("<str:code>/edit/", views.region_edit_view, name="edit"),
    path("<str:code>/deactivate/", views.region_deactivate_view, name="deactivate"),
    path("<str:code>/reactivate/", views.region_reactivate_view, name="reactivate"),
]
