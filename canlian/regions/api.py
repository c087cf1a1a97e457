"""/api/v1/regions/: list, create, rename and deactivate through the same selectors and services as the UI."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from canlian.accounts.permissions import require
from canlian.regions.models import Region
from canlian.regions.selectors import region_get, region_list
from canlian.regions.services import region_create, region_deactivate, region_update

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    is_active: bool

    @staticmethod
    def of(region: Region) -> RegionOut:
        return RegionOut(code=region.code, name=region.name, level=region.level,
                         parent_code=region.parent.code if region.parent_id else None, is_active=region.is_active)


class RegionIn(Schema):
    parent_code: str
    code: str
    name: str


class RegionPatch(Schema):
    name: str


def _visible(request: HttpRequest, code: str) -> Region:
    region = region_get(user=request.auth, code=code)
    if region is None:
        raise Http404("没有该区划，或不在您负责的区域内")
    return region


@router.get("/", response=list[RegionOut])
def list_regions(request: HttpRequest, level: str | None = None, parent_code: str | None = None, q: str = ""):  # noqa: ANN201
    """Regions inside the caller's area."""
    require(request.auth, "region.view")
    return [RegionOut.of(r) for r in region_list(user=request.auth, level=level, parent_code=parent_code, q=q)]


@router.get("/{code}", response=RegionOut)
def get_region(request: HttpRequest, code: str) -> RegionOut:
    require(request.auth, "region.view")
    return RegionOut.of(_visible(request, code))


@router.post("/", response={201: RegionOut})
def create_region(request: HttpRequest, payload: RegionIn) -> Status[RegionOut]:
    """A street under a district or a community under a street (`region.manage`, inside the caller's area)."""
    require(request.auth, "region.manage")
    parent = _visible(request, payload.parent_code)
    region = region_create(actor=request.auth, parent=parent, code=payload.code, name=payload.name)
    return Status(201, RegionOut.of(region))


@router.patch("/{code}", response=RegionOut)
def update_region(request: HttpRequest, code: str, payload: RegionPatch) -> RegionOut:
    """Rename a street or community."""
    require(request.auth, "region.manage")
    return RegionOut.of(region_update(actor=request.auth, region=_visible(request, code), name=payload.name))


@router.post("/{code}/deactivate", response=RegionOut)
def deactivate_region(request: HttpRequest, code: str) -> RegionOut:
    """Stop using a street or community (refused while it has active communities or accounts)."""
    require(request.auth, "region.manage")
    return RegionOut.of(region_deactivate(actor=request.auth, region=_visible(request, code)))
