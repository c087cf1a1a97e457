"""axes' lock-out check, marking the requests it refused so that the audit trail can say why a log-in failed."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """First in AUTHENTICATION_BACKENDS: refuses locked-out accounts and addresses before any password check.

    axes raises the same signal for a wrong password and for a refusal during a lock-out; the flag set
    here lets `receivers._login_failed` record "refused: locked" instead of "wrong password".
    """

    def authenticate(
        self, request: HttpRequest, username: str | None = None, password: str | None = None, **kwargs: object
    ) -> None:
        try:
            return super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            request.canlian_refused_locked = True  # type: ignore[attr-defined]
            raise
