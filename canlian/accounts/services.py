"""Writes to accounts. Every change is audited; passwords are validated against the 等保 policy."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.accounts.models import ApiToken, User
from canlian.audit.services import record
from canlian.common.exceptions import PermissionDenied


@transaction.atomic
def user_change_own_password(*, actor: User, new_password: str) -> User:
    """The user sets a new password (first login, after a reset, or by choice); clears the forced change."""
    validate_password(new_password, user=actor)
    actor.set_password(new_password)
    actor.must_change_password = False
    actor.password_changed_at = timezone.now()
    actor.full_clean()
    actor.save(update_fields=["password", "must_change_password", "password_changed_at"])
    record(actor=actor, action="auth.password_change", obj=actor)
    return actor


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Issue a bearer token for the actor; returns the token row and the plain token (shown once)."""
    plain = secrets.token_urlsafe(32)
    token = ApiToken(user=actor, name=name, key_hash=hash_token(plain), prefix=plain[:8])
    token.full_clean()
    token.save()
    record(actor=actor, action="api_token.create", obj=token, after={"name": name, "prefix": token.prefix})
    return token, plain


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("只能吊销自己的令牌"))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor=actor, action="api_token.revoke", obj=token)
    return token


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()
