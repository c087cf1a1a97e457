from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    area_code: str | None
    area_name: str | None


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    """The account the token belongs to, with its role and area."""
    user = request.auth
    return MeOut(
        username=user.username, full_name=user.full_name, role=user.role, role_label=str(user.get_role_display()),
        area_code=user.area.code if user.area_id else None, area_name=user.area.name if user.area_id else None,
    )
