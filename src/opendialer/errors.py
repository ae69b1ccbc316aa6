"""Domain errors: what a service raises when a request cannot be done; each carries the HTTP
status the web layer answers it with."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers


class Invalid(DomainError):
    status_code = 400


class Unauthorized(DomainError):
    status_code = 401

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class TryLater(DomainError):
    """The request was not done now and may be sent again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})


class TooManyRequests(TryLater):
    status_code = 429


class Busy(TryLater):
    status_code = 503
