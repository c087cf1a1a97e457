from django.urls import path

from canlian.programmes import views

app_name = "programmes"
urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_edit, name="create"),
    path("<str:code>/", views.programme_detail, name="detail"),
    path("<str:code>/edit/", views.programme_edit, name="edit"),
    path("<str:code>/targets/", views.targets_edit, name="targets"),
    path("<str:code>/budgets/", views.budgets_edit, name="budgets"),
]
