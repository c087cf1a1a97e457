"""Roster layouts are data an administrator or finance edits in the admin; saving goes through the service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from canlian.payments.models import RosterLayout
from canlian.payments.services import layout_save


@admin.register(RosterLayout)
class RosterLayoutAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "bank_name", "programme", "file_format", "is_active")
    list_filter = ("kind", "is_active")

    def save_model(self, request: HttpRequest, obj: RosterLayout, form: Any, change: bool) -> None:
        layout_save(actor=request.user, layout=obj)

    def has_delete_permission(self, request: HttpRequest, obj: RosterLayout | None = None) -> bool:
        return False
