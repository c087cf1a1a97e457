from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from canlian.audit.context import RequestContext, client_ip, current


class RequestContextMiddleware:
    """Makes the client IP available to `audit.services.record` for the length of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        token = current.set(
            RequestContext(ip=client_ip(request.META), user_id=user.pk if user and user.is_authenticated else None)
        )
        try:
            return self.get_response(request)
        finally:
            current.reset(token)
