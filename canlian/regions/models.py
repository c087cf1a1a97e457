"""The district → street/town → community/village tree.

Official statistical codes nest by prefix (340302 → 340302001 → 340302001001), so "this area and
everything below it" is a prefix match on `code`; area scoping everywhere relies on that.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from canlian.common.models import TimeStampedModel
from canlian.regions.choices import CHILD_LEVEL, CODE_LENGTH, RegionLevel


class RegionQuerySet(models.QuerySet):
    def visible_to(self, user) -> RegionQuerySet:  # noqa: ANN001
        """Areas the user may see: their own area and everything below it (all for administrators)."""
        from canlian.accounts.scoping import area_prefix

        prefix = area_prefix(user)
        if prefix is None:
            return self.none()
        return self.filter(code__startswith=prefix) if prefix else self.all()

    def streets(self) -> RegionQuerySet:
        return self.filter(level=RegionLevel.STREET)

    def communities(self) -> RegionQuerySet:
        return self.filter(level=RegionLevel.COMMUNITY)


class Region(TimeStampedModel):
    """One node of the administrative tree; persons live in communities, users work in any node."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(level="district") & models.Q(parent__isnull=True))
                | (~models.Q(level="district") & models.Q(parent__isnull=False)),
                name="region_parent_matches_level",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        names = [self.name]
        node = self.parent
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " ".join(reversed(names))

    def clean(self) -> None:
        expected = CODE_LENGTH.get(RegionLevel(self.level)) if self.level else None
        if expected and (len(self.code) != expected or not self.code.isdigit()):
            raise ValidationError({"code": _("%(level)s的区划代码应为 %(n)d 位数字") % {
                "level": RegionLevel(self.level).label, "n": expected}})
        if self.parent_id is not None:
            parent = self.parent
            if CHILD_LEVEL.get(RegionLevel(parent.level)) != self.level:
                raise ValidationError({"parent": _("上级区划的级别与本级不符")})
            if not self.code.startswith(parent.code):
                raise ValidationError({"code": _("区划代码应以上级代码 %(code)s 开头") % {"code": parent.code}})
