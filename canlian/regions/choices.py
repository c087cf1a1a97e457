from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    """Levels of the tree; the official code grows by one segment per level (6, 9, 12 digits)."""

    DISTRICT = "district", _("区/县")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")


CODE_LENGTH = {RegionLevel.DISTRICT: 6, RegionLevel.STREET: 9, RegionLevel.COMMUNITY: 12}
CHILD_LEVEL = {RegionLevel.DISTRICT: RegionLevel.STREET, RegionLevel.STREET: RegionLevel.COMMUNITY}
