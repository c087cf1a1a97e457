"""Django admin for the registry: read-mostly, masked, for administrators' look-ups and the list benchmark.

Encrypted columns are never shown; writes belong to the services (they audit and keep the timeline).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from canlian.registry.models import Person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "id_number_masked",
        "sex",
        "birth_date",
        "area_code",
        "category",
        "grade",
        "low_income_status",
        "life_status",
    )
    list_filter = ("category", "grade", "low_income_status", "life_status", "cert_status")
    search_fields = ("name",)
    list_select_related = ("community",)
    list_per_page = 50
    show_full_result_count = True
    fields = [f.name for f in Person._meta.fields if f.name not in ("id", "id_number_enc", "id_number_hash")]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Person | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Person | None = None) -> bool:
        return False
