from django.urls import path

from canlian.programmes import rule_views, screening_views, views

app_name = "programmes"
urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_edit, name="create"),
    path("rules/reference/", rule_views.rule_reference, name="rule_reference"),
    path("rules/<int:pk>/publish/", rule_views.rule_publish, name="rule_publish"),
    path("screening/", screening_views.screening_list, name="screening_list"),
    path("screening/<int:pk>/", screening_views.screening_detail, name="screening_detail"),
    path("screening/<int:pk>/export/", screening_views.screening_export, name="screening_export"),
    path("screening/<int:pk>/select/", screening_views.screening_select, name="screening_select"),
    path("enrolments/person/<int:person_pk>/", screening_views.person_enrolments, name="person_enrolments"),
    path("enrolments/<int:pk>/end/", screening_views.enrolment_end, name="enrolment_end"),
    path("<str:code>/", views.programme_detail, name="detail"),
    path("<str:code>/edit/", views.programme_edit, name="edit"),
    path("<str:code>/targets/", views.targets_edit, name="targets"),
    path("<str:code>/budgets/", views.budgets_edit, name="budgets"),
    path("<str:code>/rules/<int:year>/", rule_views.rule_edit, name="rule_edit"),
    path("<str:code>/rules/<int:year>/check/", rule_views.rule_check, name="rule_check"),
    path("<str:code>/rules/<int:year>/test/", rule_views.rule_test_person, name="rule_test_person"),
]
