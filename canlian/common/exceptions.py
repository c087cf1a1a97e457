"""The one exception that services raise for a broken business rule."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied


class DomainError(Exception):
    """A business rule refused the action; `message` tells the user what to do (Chinese by default).

    Views turn it into a form error or a message, the API into HTTP 400/403/409, commands into an error line.
    """

    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.code = code


class PermissionDenied(DomainError, DjangoPermissionDenied):
    """The acting user's role or area does not allow this action (Django answers 403 with the message)."""

    status = 403

    def __init__(self, message: str, *, code: str = "forbidden") -> None:
        super().__init__(message, code=code)


class Conflict(DomainError):
    """The record changed under the user (another approver was first, a duplicate exists)."""

    status = 409

    def __init__(self, message: str, *, code: str = "conflict") -> None:
        super().__init__(message, code=code)
