"""Template filters for money and rates, formatted the way the federation's reports show them."""

from __future__ import annotations

from decimal import Decimal

from django import template

from canlian.common.money import format_percent, format_wanyuan, format_yuan

register = template.Library()


@register.filter
def yuan(value: Decimal | int | None) -> str:
    """11034 → "11,034.00"; None → "—"."""
    return "—" if value is None or value == "" else format_yuan(value)


@register.filter
def wanyuan(value: Decimal | int | None, places: int | None = None) -> str:
    """342000 → "34.2"; with an argument, that many decimals."""
    return "—" if value is None or value == "" else format_wanyuan(value, places)


@register.filter
def pct(value: Decimal | None) -> str:
    """Decimal("100.33") → "100.33%"; None → "—"."""
    return "—" if value is None else format_percent(value)
