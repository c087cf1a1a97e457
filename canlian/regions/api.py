from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from canlian.accounts.permissions import require
from canlian.regions.selectors import region_list

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    is_active: bool


@router.get("/", response=list[RegionOut])
def list_regions(request: HttpRequest, level: str | None = None, parent_code: str | None = None, q: str = ""):  # noqa: ANN201
    """Regions inside the caller's area."""
    require(request.auth, "region.view")
    return [
        RegionOut(code=r.code, name=r.name, level=r.level, parent_code=r.parent.code if r.parent_id else None,
                  is_active=r.is_active)
        for r in region_list(user=request.auth, level=level, parent_code=parent_code, q=q)
    ]
