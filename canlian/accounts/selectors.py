"""Reads of accounts, always through `User.objects.visible_to(user)`."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable

import segno
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from canlian.accounts.choices import ROLE_AREA_LEVEL, Role
from canlian.accounts.models import ApiToken, User
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region


def user_list(
    *, user: User, role: str = "", area: Region | None = None, active: bool | None = None, q: str = ""
) -> QuerySet[User]:
    """Accounts the user may see, filtered; `area` means that area and everything below it."""
    qs = User.objects.visible_to(user).select_related("area", "area__parent")
    if role:
        qs = qs.filter(role=role)
    if area is not None:
        qs = qs.filter(area__code__startswith=area.code)
    if active is not None:
        qs = qs.filter(is_active=active)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    totp = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return qs.annotate(has_totp=Exists(totp)).order_by("area__code", "username")


def locked_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of these accounts axes currently refuses (enough failures inside the cool-off), in one query."""
    threshold = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=threshold)
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"] for row in rows}


def area_choices(*, user: User) -> QuerySet[Region]:
    """Active areas inside the user's own area, with parents loaded for labels, in tree order."""
    return Region.objects.visible_to(user).filter(is_active=True).select_related("parent").order_by("code")


def role_area_hint() -> list[tuple[str, str]]:
    """(role label, level) pairs shown beside the form so nobody has to guess which area fits a role."""
    return [(str(role.label), str(RegionLevel(ROLE_AREA_LEVEL[role]).label)) for role in Role]


def has_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code in a data: URI (the CSP allows data: images, no request leaves)."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=5, border=4, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret in base32, grouped by four characters for typing into an authenticator by hand."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")
