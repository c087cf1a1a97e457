"""Area scoping, decided once: the code prefix of the areas a user may see.

Region codes nest by prefix, so every `visible_to(user)` query is a prefix filter on a region code.
"""

from __future__ import annotations


def area_prefix(user) -> str | None:  # noqa: ANN001
    """"" for everything, a region code for that area and below, None for nothing.

    Administrators see the whole system; every other account sees its own area. An account
    without an area (misconfigured) sees nothing rather than everything.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ""
    if not user.area_id:
        return None
    return user.area.code


def in_scope(user, region_code: str | None) -> bool:  # noqa: ANN001
    """Whether a record located at `region_code` lies inside the user's area."""
    prefix = area_prefix(user)
    if prefix is None or region_code is None:
        return False
    return region_code.startswith(prefix)
