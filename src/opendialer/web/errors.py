"""The one error handler: domain errors, validation errors, races and the unexpected, each
rendered in the envelope of the face whose path was called."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from opendialer.errors import DomainError
from opendialer.kit.apimodel import describe_validation_errors
from opendialer.web.writes import busy

log = logging.getLogger("opendialer")

# A face's envelope: (status, message) -> JSON body.
Envelope = Callable[[int, str], dict[str, Any]]


def status_message(status: int, message: str) -> dict[str, Any]:
    """The dialler's envelope, also used by the management API: {"status", "message"}."""
    return {"status": status, "message": message}


class Faces:
    """Maps the first segment of a path (/dialerapi) to the error envelope of the face that
    owns the paths under it."""

    def __init__(self, default: Envelope = status_message) -> None:
        self.default = default
        self.prefixes: dict[str, Envelope] = {}

    def register(self, prefix: str, envelope: Envelope) -> None:
        if self.prefixes.setdefault(prefix, envelope) is not envelope:
            raise ValueError(f"paths under {prefix} belong to two faces")

    def envelope_for(self, path: str) -> Envelope:
        segments = path.split("/", 2)
        prefix = "/" + segments[1] if len(segments) > 1 else path
        return self.prefixes.get(prefix, self.default)

    def render(
        self, path: str, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> Response:
        body = orjson.dumps(self.envelope_for(path)(status, message))
        return Response(body, status_code=status, media_type="application/json", headers=headers)


def is_locked(exc: OperationalError) -> bool:
    return "database is locked" in str(exc.orig)


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

    async def database_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, OperationalError)
        if not is_locked(exc):
            return await unexpected(request, exc)
        # SQLite's write lock stayed taken (by another process) for the whole busy timeout.
        log.info("database locked on %s", request.url.path)
        wait = request.app.state.settings.write_wait_seconds
        problem = busy(wait)
        return faces.render(request.url.path, problem.status_code, problem.message, problem.headers)

    async def unexpected(request: Request, exc: Exception) -> Response:
        request_id = uuid.uuid4().hex
        log.exception("unhandled error, request id %s", request_id, exc_info=exc)
        return faces.render(request.url.path, 500, f"internal error; quote request id {request_id}")

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(OperationalError, database_error)
    app.add_exception_handler(Exception, unexpected)
