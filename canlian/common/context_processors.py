"""Template context shared by every page: the navigation the user may see."""

from __future__ import annotations

from django.http import HttpRequest

from canlian.common.navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": menu_for(user, request.path)}
