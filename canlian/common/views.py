from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from canlian.accounts.permissions import requires
from canlian.common.inbox import items_for


@requires("home.view")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "common/home.html", {"inbox": items_for(request.user)})
