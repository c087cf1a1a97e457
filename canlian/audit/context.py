"""The request that is being served, for audit records written deep inside services."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None
    user_id: int | None


current: ContextVar[RequestContext | None] = ContextVar("canlian_request", default=None)


def client_ip(meta: dict) -> str | None:
    """REMOTE_ADDR; X-Forwarded-For only when the deployment says a proxy sits in front."""
    from django.conf import settings

    if settings.SECURE_PROXY_SSL_HEADER and meta.get("HTTP_X_FORWARDED_FOR"):
        return meta["HTTP_X_FORWARDED_FOR"].split(",")[0].strip() or None
    return meta.get("REMOTE_ADDR") or None
