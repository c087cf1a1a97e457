from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from canlian.accounts.permissions import requires
from canlian.regions.selectors import region_list


@requires("region.view")
def region_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "regions/list.html", {"regions": region_list(user=request.user)})
