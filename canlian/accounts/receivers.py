"""Audit of authentication events.

Django and axes announce log-ins, log-outs, failures and lock-outs only through signals, so these
receivers are the one place where signals are used: they record, they decide nothing.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from canlian.audit.choices import AuditResult
from canlian.audit.context import client_ip
from canlian.audit.services import record


def _ip(request) -> str | None:  # noqa: ANN001
    return client_ip(request.META) if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs: object) -> None:  # noqa: ANN001
    record(actor=user, action="auth.login", obj=user, ip=_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs: object) -> None:  # noqa: ANN001
    if user is not None:
        record(actor=user, action="auth.logout", obj=user, ip=_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs: object) -> None:  # noqa: ANN001
    if request is not None and getattr(request, "canlian_refused_locked", False):
        message = "账号或 IP 处于锁定期，拒绝登录"
    elif "otp_token" in credentials:
        message = "动态口令错误"
    else:
        message = "用户名或密码错误"
    record(
        actor=None, username=str(credentials.get("username", ""))[:150], action="auth.login_failed",
        result=AuditResult.FAILURE, ip=_ip(request), message=message,
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs: object) -> None:  # noqa: ANN001
    record(
        actor=None, username=str(username or "")[:150], action="auth.lockout", result=AuditResult.DENIED,
        ip=ip_address, message="连续登录失败，账号或 IP 已被锁定",
    )
