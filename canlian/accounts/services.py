"""Writes to accounts. Every change is audited; passwords are validated against the 等保 policy.

User management is an administrator's job (`user.manage`) and stays inside the administrator's own
area; the role decides which level of area an account may belong to (ROLE_AREA_LEVEL), so a street
officer is always attached to a street and a community coordinator to a community. Passwords never
appear in the audit trail: only the fact that one was set, generated or reset.
"""

from __future__ import annotations

import hashlib
import secrets

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from canlian.accounts.choices import ROLE_AREA_LEVEL, Role
from canlian.accounts.models import ApiToken, User
from canlian.accounts.permissions import require
from canlian.accounts.scoping import in_scope
from canlian.audit.services import record, snapshot
from canlian.common.exceptions import Conflict, DomainError, PermissionDenied
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region

# What the audit trail shows of an account before and after a change (never the password hash).
USER_FIELDS = ("username", "full_name", "phone", "role", "area", "is_active", "must_change_password")

# Temporary passwords avoid characters that are easily confused when read out over the phone
# (0/O, 1/l/I) and always contain all four classes, so they pass the password policy.
_PASSWORD_CLASSES = ("abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "#%+=?@!")
TEMPORARY_PASSWORD_LENGTH = 12


def generate_temporary_password(length: int = TEMPORARY_PASSWORD_LENGTH, *, user: User | None = None) -> str:
    """A random password with every character class, for a new account or a reset (shown once).

    Drawn again until it passes the whole password policy for `user`: a random draw can, rarely, resemble
    the user name closely enough for the similarity rule to refuse it.
    """
    rng = secrets.SystemRandom()
    alphabet = "".join(_PASSWORD_CLASSES)
    while True:
        chars = [rng.choice(group) for group in _PASSWORD_CLASSES]
        chars += [rng.choice(alphabet) for _ in range(length - len(chars))]
        rng.shuffle(chars)
        password = "".join(chars)
        try:
            validate_password(password, user=user)
        except ValidationError:
            continue
        return password


def _validation_message(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise DomainError(_validation_message(exc), field="password", code="password_policy") from exc


def _check_area(*, actor: User | None, role: str, area: Region | None) -> None:
    """The area must exist, be in use, lie in the actor's area and be of the level the role works at."""
    if area is None:
        raise DomainError(_("请选择所属区域。"), field="area")
    if not area.is_active:
        raise DomainError(_("区域“%(area)s”已停用，不能再分配账号。") % {"area": area.name}, field="area")
    if actor is not None and not in_scope(actor, area.code):
        raise PermissionDenied(_("区域“%(area)s”不在您的管辖范围内。") % {"area": area.name})
    expected = ROLE_AREA_LEVEL[Role(role)]
    if area.level != expected:
        raise DomainError(
            _("“%(role)s”须归属于%(expected)s级区域，所选的“%(area)s”是%(actual)s级。")
            % {
                "role": Role(role).label,
                "expected": RegionLevel(expected).label,
                "area": area.name,
                "actual": RegionLevel(area.level).label,
            },
            field="area",
        )


def _check_target(actor: User, target: User) -> None:
    """`user.manage`, and the account must belong to the actor's area."""
    require(actor, "user.manage")
    if not in_scope(actor, target.area.code if target.area_id else None):
        raise PermissionDenied(_("账号“%(username)s”不在您的管辖区域内。") % {"username": target.username})


def login_failures_clear(*, username: str) -> int:
    """Forget the account's failed log-ins (lifting its lock-out); returns how many failures there were.

    Called after a successful log-in, a reset and an unlock. Only the account's own records go: axes'
    AXES_RESET_ON_SUCCESS would also clear every failure from the same address, so anyone with an account
    could log in between guesses at a colleague's password and never reach the lock-out. Not audited by
    itself: the log-in, reset or unlock that calls it is.
    """
    failures = AccessAttempt.objects.filter(username=username).aggregate(n=Sum("failures_since_start"))["n"] or 0
    axes_reset(username=username)
    return failures


def _check_username(username: str) -> str:
    username = username.strip()
    if not username:
        raise DomainError(_("请填写用户名。"), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("用户名“%(username)s”已被使用，请换一个。") % {"username": username})
    return username


def _full_clean(obj: models.Model) -> None:
    """full_clean() as a DomainError, so views and the API show the model's own message."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        field = next(iter(exc.message_dict), None) if hasattr(exc, "error_dict") else None
        raise DomainError(_validation_message(exc), field=field) from exc


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    full_name: str,
    role: str,
    area: Region | None,
    phone: str = "",
    password: str | None = None,
    must_change_password: bool = True,
) -> tuple[User, str | None]:
    """Open an account; returns it and the generated temporary password (None when `password` was given).

    The new user must change the password at first log-in. Only the documented demo accounts are
    created with `must_change_password=False`, which needs an explicit password and is audited.
    """
    require(actor, "user.manage")
    _check_area(actor=actor, role=role, area=area)
    if not must_change_password and not password:
        raise DomainError(_("免于首次改密的账号须指定密码。"), field="password")
    user = User(
        username=_check_username(username), full_name=full_name.strip(), phone=phone.strip(), role=role, area=area,
        must_change_password=must_change_password, is_active=True,
    )
    generated = None
    if password:
        _check_password(password, user)
    else:
        password = generated = generate_temporary_password(user=user)
    user.set_password(password)
    _full_clean(user)
    user.save()
    record(
        actor=actor, action="user.create", obj=user,
        after={**snapshot(user, USER_FIELDS), "password": "generated" if generated else "set_by_admin"},
    )
    return user, generated


@transaction.atomic
def user_bootstrap_admin(
    *, username: str, full_name: str, area: Region, password: str, must_change_password: bool = True
) -> User:
    """The first administrator of an installation, made without an acting user.

    Every other account is opened by an administrator through `user_create`; this exists only so that
    there can be a first one (from `manage.py create_admin` or the demo), and is refused afterwards.
    """
    if User.objects.filter(role=Role.ADMIN, is_active=True).exists():
        raise Conflict(_("系统已有管理员：请由管理员在“用户管理”中新建账号。"))
    _check_area(actor=None, role=Role.ADMIN, area=area)
    user = User(
        username=_check_username(username), full_name=full_name.strip(), role=Role.ADMIN, area=area,
        must_change_password=must_change_password,
    )
    _check_password(password, user)
    user.set_password(password)
    _full_clean(user)
    user.save()
    record(
        actor=None, username="system", action="user.bootstrap_admin", obj=user,
        after={**snapshot(user, USER_FIELDS), "password": "set_by_admin"},
    )
    return user


@transaction.atomic
def user_update(
    *, actor: User, user: User, full_name: str, phone: str, role: str, area: Region | None
) -> User:
    """Change name, phone, role or area. An administrator cannot change their own role or area,
    so that the last administrator cannot lock everybody out of user management by mistake."""
    _check_target(actor, user)
    _check_area(actor=actor, role=role, area=area)
    if user.pk == actor.pk and (role != user.role or area != user.area):
        raise PermissionDenied(_("不能修改自己的角色或所属区域，请由其他管理员操作。"))
    before = snapshot(user, USER_FIELDS)
    user.full_name, user.phone, user.role, user.area = full_name.strip(), phone.strip(), role, area
    _full_clean(user)
    after = snapshot(user, USER_FIELDS)
    changed = [name for name in USER_FIELDS if before[name] != after[name]]
    if not changed:
        return user
    user.save(update_fields=changed)
    record(
        actor=actor, action="user.update", obj=user,
        before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
    )
    return user


@transaction.atomic
def user_disable(*, actor: User, user: User, reason: str = "") -> User:
    """Stop an account (staff who left or moved). It keeps its history; its sessions and API tokens stop working."""
    _check_target(actor, user)
    if user.pk == actor.pk:
        raise PermissionDenied(_("不能停用自己的账号。"))
    if not user.is_active:
        raise Conflict(_("账号“%(username)s”已是停用状态。") % {"username": user.username})
    user.is_active = False
    user.save(update_fields=["is_active"])
    record(
        actor=actor, action="user.disable", obj=user, before={"is_active": True}, after={"is_active": False},
        message=reason,
    )
    return user


@transaction.atomic
def user_enable(*, actor: User, user: User) -> User:
    """Re-open a stopped account; its role and area must still fit together."""
    _check_target(actor, user)
    if user.is_active:
        raise Conflict(_("账号“%(username)s”已是启用状态。") % {"username": user.username})
    _check_area(actor=actor, role=user.role, area=user.area)
    user.is_active = True
    user.save(update_fields=["is_active"])
    record(actor=actor, action="user.enable", obj=user, before={"is_active": False}, after={"is_active": True})
    return user


@transaction.atomic
def user_reset_password(*, actor: User, user: User) -> str:
    """Give the account a new temporary password (returned, shown once) and lift its lock-out.

    The user must change it at the next log-in; existing sessions end because the password changed.
    """
    _check_target(actor, user)
    password = generate_temporary_password(user=user)
    before = {"must_change_password": user.must_change_password}
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    cleared = login_failures_clear(username=user.username)
    record(
        actor=actor, action="user.reset_password", obj=user,
        before=before, after={"must_change_password": True, "password": "generated"},
        message=_("已清除 %(n)d 次登录失败记录") % {"n": cleared} if cleared else "",
    )
    return password


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> int:
    """Lift a lock-out before its cool-off ends (the user called and proved who they are); returns the
    number of failed log-ins forgotten."""
    _check_target(actor, user)
    cleared = login_failures_clear(username=user.username)
    record(actor=actor, action="user.unlock", obj=user, message=_("已清除 %(n)d 次登录失败记录") % {"n": cleared})
    return cleared


@transaction.atomic
def user_totp_remove(*, actor: User, user: User) -> int:
    """An administrator removes another user's authenticator (lost phone) so that they can set it up again."""
    _check_target(actor, user)
    count, _deleted = TOTPDevice.objects.filter(user=user).delete()
    if not count:
        raise Conflict(_("账号“%(username)s”未启用两步验证。") % {"username": user.username})
    record(actor=actor, action="user.totp_remove", obj=user, before={"totp": True}, after={"totp": False})
    return count


@transaction.atomic
def user_change_own_password(*, actor: User, new_password: str) -> User:
    """The user sets a new password (first login, after a reset, or by choice); clears the forced change."""
    if actor.check_password(new_password):
        raise DomainError(_("新密码不能与当前密码相同。"), field="new_password1")
    validate_password(new_password, user=actor)
    actor.set_password(new_password)
    actor.must_change_password = False
    actor.password_changed_at = timezone.now()
    actor.full_clean()
    actor.save(update_fields=["password", "must_change_password", "password_changed_at"])
    record(actor=actor, action="auth.password_change", obj=actor)
    return actor


@transaction.atomic
def totp_device_start(*, actor: User) -> TOTPDevice:
    """Begin enabling the second factor: a new, unconfirmed authenticator whose secret the user scans.

    It protects nothing until `totp_device_confirm` proves that the phone shows matching codes.
    """
    if TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
        raise Conflict(_("已启用两步验证；如需更换手机，请先停用再重新启用。"))
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    device = TOTPDevice(user=actor, name=_("身份验证器"), confirmed=False)
    device.full_clean()
    device.save()
    record(actor=actor, action="auth.totp_start", obj=actor)
    return device


@transaction.atomic
def totp_device_confirm(*, actor: User, token: str) -> TOTPDevice:
    """Switch the second factor on once the user typed a code that the new authenticator shows."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-pk").first()
    if device is None:
        raise DomainError(_("请先点击“启用两步验证”并扫描二维码。"))
    if not device.verify_token(token.strip()):
        raise DomainError(_("动态口令不正确：请核对手机时间是否准确，并输入验证器当前显示的 6 位数字。"), field="token")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record(actor=actor, action="auth.totp_enable", obj=actor, before={"totp": False}, after={"totp": True})
    return device


@transaction.atomic
def totp_device_remove(*, actor: User, password: str) -> int:
    """Switch the second factor off; the current password is asked so that an open session alone cannot."""
    if not actor.check_password(password):
        raise DomainError(_("当前密码不正确。"), field="password")
    count, _deleted = TOTPDevice.objects.filter(user=actor).delete()
    if not count:
        raise Conflict(_("您尚未启用两步验证。"))
    record(actor=actor, action="auth.totp_disable", obj=actor, before={"totp": True}, after={"totp": False})
    return count


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Issue a bearer token for the actor; returns the token row and the plain token (shown once)."""
    plain = secrets.token_urlsafe(32)
    token = ApiToken(user=actor, name=name.strip(), key_hash=hash_token(plain), prefix=plain[:8])
    _full_clean(token)
    token.save()
    record(actor=actor, action="api_token.create", obj=token, after={"name": token.name, "prefix": token.prefix})
    return token, plain


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Stop a token at once (leaked, or the program that used it is retired). Revoked tokens stay listed."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("只能吊销自己的令牌"))
    if token.revoked_at is not None:
        raise Conflict(_("该令牌已吊销。"))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor=actor, action="api_token.revoke", obj=token)
    return token


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()
