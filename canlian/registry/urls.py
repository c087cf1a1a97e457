from django.urls import path

from canlian.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("count/", views.person_count, name="person_count"),
    path("export/", views.person_export_view, name="person_export"),
    path("new/", views.person_create_view, name="person_create"),
    path("id-hint/", views.id_hint, name="id_hint"),
    path("<int:pk>/", views.person_detail_view, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit_view, name="person_edit"),
    path("<int:pk>/reveal-id/", views.person_reveal_id_view, name="person_reveal_id"),
    path("<int:pk>/death/", views.person_death_view, name="person_death"),
    path("<int:pk>/move-out/", views.person_move_out_view, name="person_move_out"),
    path("<int:pk>/move-in/", views.person_move_in_view, name="person_move_in"),
    path("<int:pk>/low-income/", views.person_low_income_view, name="person_low_income"),
    path("<int:pk>/reassess/", views.person_reassess_view, name="person_reassess"),
    path("<int:pk>/bank-accounts/new/", views.bank_account_add_view, name="bank_account_add"),
    path("<int:pk>/household/new/", views.household_create_view, name="household_create"),
    path("certificates/<int:pk>/cancel/", views.certificate_cancel_view, name="certificate_cancel"),
    path("bank-accounts/<int:pk>/reveal/", views.bank_account_reveal_view, name="bank_account_reveal"),
    path("bank-accounts/<int:pk>/default/", views.bank_account_default_view, name="bank_account_default"),
    path("bank-accounts/<int:pk>/deactivate/", views.bank_account_deactivate_view, name="bank_account_deactivate"),
    path("reviews/", views.review_list_view, name="review_list"),
    path("reviews/export/", views.review_export_view, name="review_export"),
    path("reviews/<int:pk>/handle/", views.review_handle_view, name="review_handle"),
    path("households/", views.household_list_view, name="household_list"),
    path("households/<int:pk>/", views.household_detail_view, name="household_detail"),
    path("households/<int:pk>/members/", views.household_add_member_view, name="household_add_member"),
    path(
        "households/<int:pk>/members/<int:member_pk>/remove/",
        views.household_remove_member_view,
        name="household_remove_member",
    ),
]
