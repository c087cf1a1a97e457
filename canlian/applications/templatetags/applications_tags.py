"""Template tags that let the registry's person page show applications without importing this app."""

from __future__ import annotations

from django import template

from canlian.accounts.permissions import can
from canlian.applications import selectors

register = template.Library()


@register.inclusion_tag("applications/partials/person_applications.html", takes_context=True)
def person_applications(context: template.Context, person: object) -> dict:
    user = context["request"].user
    return {"person": person, "rows": selectors.for_person(user, person.pk) if can(user, "application.view") else [],
            "can_view": can(user, "application.view"), "can_create": can(user, "application.create")}
