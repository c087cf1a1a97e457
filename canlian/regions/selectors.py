"""Reads of the region tree, always scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region


def _with_counts(qs: QuerySet[Region]) -> QuerySet[Region]:
    return qs.annotate(
        child_count=Count("children", filter=Q(children__is_active=True)),
        inactive_child_count=Count("children", filter=Q(children__is_active=False)),
    )


def region_list(
    *, user, level: str | None = None, parent_code: str | None = None, q: str = "", status: str = ""  # noqa: ANN001
) -> QuerySet[Region]:
    """Regions inside the user's area, filtered; `q` matches a name fragment or a code prefix."""
    qs = Region.objects.visible_to(user).select_related("parent")
    if level:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    return _with_counts(qs).order_by("code")


@dataclass
class RegionNode:
    region: Region
    children: list[RegionNode] = field(default_factory=list)


def region_tree(*, user) -> list[RegionNode]:  # noqa: ANN001
    """The user's part of the tree in one query: roots are the regions whose parent the user cannot see."""
    regions = list(_with_counts(Region.objects.visible_to(user)).order_by("code"))
    nodes = {r.pk: RegionNode(r) for r in regions}
    roots = []
    for region in regions:
        parent = nodes.get(region.parent_id) if region.parent_id else None
        (parent.children if parent else roots).append(nodes[region.pk])
    return roots


def region_get(*, user, code: str) -> Region | None:  # noqa: ANN001
    """One region the user may see, with its parent, or None."""
    return _with_counts(Region.objects.visible_to(user).select_related("parent")).filter(code=code).first()


def community_choices(*, user) -> QuerySet[Region]:  # noqa: ANN001
    """Communities the user may place a person in."""
    return Region.objects.visible_to(user).filter(level=RegionLevel.COMMUNITY, is_active=True).select_related("parent")
