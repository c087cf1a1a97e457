"""Users of Canlian: one account per person (等保: unique accounts), a role and an area."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from canlian.accounts.choices import Role


class UserQuerySet(models.QuerySet):
    def visible_to(self, user) -> UserQuerySet:  # noqa: ANN001
        """Accounts the user may see: those whose area lies inside the user's own area."""
        from canlian.accounts.scoping import area_prefix

        prefix = area_prefix(user)
        if prefix is None:
            return self.none()
        return self.filter(area__code__startswith=prefix) if prefix else self.all()


class CanlianUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A staff account. The role bounds what the user may do, the area what they may see."""

    full_name = models.CharField(_("姓名"), max_length=64)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.COMMUNITY_COORDINATOR)
    area = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区域"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="users",
    )
    must_change_password = models.BooleanField(_("须修改密码"), default=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    objects = CanlianUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name or self.username}（{self.get_role_display()}）"

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=64)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
