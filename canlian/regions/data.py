"""The districts and counties of Bengbu (蚌埠市, 340300), preloaded by migration regions.0002."""

from __future__ import annotations

BENGBU: list[tuple[str, str]] = [
    ("340302", "龙子湖区"),
    ("340303", "蚌山区"),
    ("340304", "禹会区"),
    ("340311", "淮上区"),
    ("340321", "怀远县"),
    ("340322", "五河县"),
    ("340323", "固镇县"),
]


def ensure_districts(region_model: type) -> None:
    """Create the preloaded districts that are missing (idempotent; takes the historical model in migrations)."""
    for code, name in BENGBU:
        region_model.objects.update_or_create(code=code, defaults={"name": name, "level": "district", "parent": None})
