"""Domain errors carrying their HTTP status, and the one handler that renders them per face."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

log = logging.getLogger("opendialer")


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


class PayloadTooLarge(DomainError):
    status_code = 413


# A face's envelope: (status, message) -> JSON body.
Envelope = Callable[[int, str], dict[str, Any]]


def status_message(status: int, message: str) -> dict[str, Any]:
    """The dialler's envelope, also used by the management API: {"status", "message"}."""
    return {"status": status, "message": message}


class Faces:
    """Maps path prefixes to the error envelope of the face that owns them."""

    def __init__(self, default: Envelope = status_message) -> None:
        self.default = default
        self.prefixes: list[tuple[str, Envelope]] = []

    def register(self, prefix: str, envelope: Envelope) -> None:
        self.prefixes.append((prefix, envelope))
        self.prefixes.sort(key=lambda item: len(item[0]), reverse=True)

    def envelope_for(self, path: str) -> Envelope:
        for prefix, envelope in self.prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                return envelope
        return self.default

    def render(
        self, path: str, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        body = orjson.dumps(self.envelope_for(path)(status, message))
        return Response(body, status_code=status, media_type="application/json", headers=headers)


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """One sentence per problem, each naming the field the client sent."""
    parts: list[str] = []
    for error in errors:
        loc = [p for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
        kind = error.get("type", "")
        if kind == "json_invalid":
            parts.append(f"the request body is not valid JSON ({error.get('msg', '')})")
            continue
        field = _field_path(loc) if loc else "request body"
        if kind == "missing":
            parts.append(f"{field} is required")
        elif kind == "extra_forbidden":
            parts.append(f"{field} is not a known field")
        else:
            parts.append(f"{field}: {error.get('msg', 'is invalid')}")
    return "; ".join(parts) or "the request is invalid"


def _field_path(loc: Sequence[Any]) -> str:
    """("records", 3, "direction") -> "records[3].direction": indexes as a client writes them."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def install_error_handlers(app: FastAPI, faces: Faces) -> None:
    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return faces.render(request.url.path, exc.status_code, exc.message, exc.headers)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return faces.render(request.url.path, 400, describe_validation_errors(exc.errors()))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such path: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        return faces.render(request.url.path, exc.status_code, message, exc.headers)

    async def integrity_error(request: Request, exc: Exception) -> Response:
        # Checks run before every write, so this is a race: another request wrote the same key
        # between our check and our write. The transaction is rolled back; a retry is safe.
        log.info("integrity error on %s: %s", request.url.path, exc)
        return faces.render(
            request.url.path,
            409,
            "the change conflicts with one made at the same moment; nothing was written, retry it",
        )

    async def unexpected(request: Request, exc: Exception) -> Response:
        request_id = uuid.uuid4().hex
        log.exception("unhandled error, request id %s", request_id, exc_info=exc)
        return faces.render(request.url.path, 500, f"internal error; quote request id {request_id}")

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(Exception, unexpected)
