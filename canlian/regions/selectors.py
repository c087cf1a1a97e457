"""Reads of the region tree, always scoped to the user."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region


def region_list(*, user, level: str | None = None, parent_code: str | None = None, q: str = "") -> QuerySet[Region]:  # noqa: ANN001
    qs = Region.objects.visible_to(user).select_related("parent")
    if level:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs.annotate(child_count=Count("children")).order_by("code")


def community_choices(*, user) -> QuerySet[Region]:  # noqa: ANN001
    """Communities the user may place a person in."""
    return Region.objects.visible_to(user).filter(level=RegionLevel.COMMUNITY, is_active=True).select_related("parent")
