"""Template tags that let the registry's person page show payments without importing this app."""

from __future__ import annotations

from django import template

from canlian.accounts.permissions import can
from canlian.payments import selectors

register = template.Library()


@register.inclusion_tag("payments/partials/person_payments.html", takes_context=True)
def person_payments(context: template.Context, person: object) -> dict:
    user = context["request"].user
    allowed = can(user, "payment.view")
    return {"person": person, "rows": selectors.for_person(user, person.pk) if allowed else [], "can_view": allowed}
