"""The region tree: browse and search it, and (region.manage) create, rename, deactivate streets and communities."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from canlian.accounts.permissions import can, requires
from canlian.accounts.scoping import in_scope
from canlian.common.exceptions import DomainError
from canlian.regions.choices import CHILD_LEVEL, CODE_LENGTH, RegionLevel
from canlian.regions.forms import RegionCreateForm, RegionFilterForm, RegionNameForm
from canlian.regions.models import Region
from canlian.regions.selectors import region_get, region_list, region_tree
from canlian.regions.services import region_create, region_deactivate, region_reactivate, region_update


def _region(request: HttpRequest, code: str) -> Region:
    region = region_get(user=request.user, code=code)
    if region is None:
        raise Http404(_("没有该区划，或不在您负责的区域内"))
    return region


def _can_manage(request: HttpRequest, region: Region) -> bool:
    return can(request.user, "region.manage") and in_scope(request.user, region.code)


@requires("region.view")
def region_list_view(request: HttpRequest) -> HttpResponse:
    """The tree (district → streets → communities); with a filter, a flat list of the matches."""
    form = RegionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    filtered = any(filters.values())
    context = {
        "form": form,
        "filtered": filtered,
        "regions": region_list(user=request.user, **filters)[:500] if filtered else None,
        "roots": None if filtered else region_tree(user=request.user),
        "can_manage": can(request.user, "region.manage"),
    }
    return render(request, "regions/list.html", context)


@requires("region.view")
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(request, code)
    child_level = CHILD_LEVEL.get(RegionLevel(region.level))
    return render(request, "regions/detail.html", {
        "region": region,
        "children": region_list(user=request.user, parent_code=region.code),
        "child_level": child_level.label if child_level else "",
        "can_manage": _can_manage(request, region),
        "is_district": region.level == RegionLevel.DISTRICT,
    })


@requires("region.manage")
def region_create_view(request: HttpRequest, code: str) -> HttpResponse:
    """A new child (street under a district, community under a street) of the region `code`."""
    parent = _region(request, code)
    level = CHILD_LEVEL.get(RegionLevel(parent.level))
    if level is None:
        raise Http404(_("社区/村下不能再设下级区划"))
    form = RegionCreateForm(request.POST or None, initial={"code": parent.code})
    if request.method == "POST" and form.is_valid():
        try:
            region = region_create(actor=request.user, parent=parent, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("已新建%(level)s“%(name)s”") % {"level": level.label, "name": region.name})
            return redirect("regions:detail", code=parent.code)
    return render(request, "regions/form.html", {
        "form": form, "parent": parent, "level": level, "code_length": CODE_LENGTH[level],
    })


@requires("region.manage")
def region_edit_view(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(request, code)
    form = RegionNameForm(request.POST or None, initial={"name": region.name})
    if request.method == "POST" and form.is_valid():
        try:
            region_update(actor=request.user, region=region, name=form.cleaned_data["name"])
        except DomainError as error:
            form.add_error("name" if error.field == "name" else None, error.message)
        else:
            messages.success(request, _("已保存"))
            return redirect("regions:detail", code=region.code)
    return render(request, "regions/form.html", {"form": form, "region": region})


@require_POST
@requires("region.manage")
def region_deactivate_view(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(request, code)
    try:
        region_deactivate(actor=request.user, region=region)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已停用“%(name)s”") % {"name": region.name})
    return redirect("regions:detail", code=region.code)


@require_POST
@requires("region.manage")
def region_reactivate_view(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(request, code)
    try:
        region_reactivate(actor=request.user, region=region)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已启用“%(name)s”") % {"name": region.name})
    return redirect("regions:detail", code=region.code)
