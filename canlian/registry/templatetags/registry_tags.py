"""Choice labels for the person list: looked up in a dict made once per language, because
`get_FOO_display()` rebuilds the field's choices and translates the label on every call (50 rows × 6 columns)."""

from __future__ import annotations

from functools import cache

from django import template
from django.utils.translation import get_language

from canlian.registry.choices import EffectiveCertificateStatus
from canlian.registry.models import Person

register = template.Library()


@cache
def _labels(language: str, field: str) -> dict[object, str]:
    if field == "certificate_status":
        return {c.value: str(c.label) for c in EffectiveCertificateStatus}
    return {value: str(label) for value, label in Person._meta.get_field(field).flatchoices}


@register.filter
def label(person: Person, field: str) -> str:
    """`{{ person|label:"category" }}`: the display label of the person's value for `field` ("" when empty)."""
    value = person.certificate_status if field == "certificate_status" else getattr(person, field)
    if value in (None, ""):
        return ""
    return _labels(get_language() or "", field).get(value, str(value))
