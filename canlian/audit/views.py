from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from canlian.accounts.permissions import requires
from canlian.audit.models import AuditEvent


@requires("audit.view")
def event_list(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.visible_to(request.user)[:100]
    return render(request, "audit/list.html", {"events": events})
