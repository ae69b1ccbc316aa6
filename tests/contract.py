"""Every response the suite receives, checked against the app's own /openapi.json: its status
is one the operation documents, its content type one the document lists for that status, and
its body matches that status's schema. Schemathesis's validator does the checking (compiled
JSON Schema, fast enough to check a five-megabyte contact list); the document is loaded once
per run."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx2
import requests
import schemathesis
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.schemas import OpenApiSchema

from opendialer.app import create_app
from opendialer.config import MIN_SECRET_KEY_BYTES, Settings

Operation = APIOperation[Any, Any, Any, Any]

# Answers the document leaves out on purpose, each with its reason. Nothing else is exempt.
EXEMPT_PATHS = {
    "/openapi.json": "the OpenAPI document describes the API, not itself",
    "/docs": "Swagger UI, an HTML page",
    "/docs/oauth2-redirect": "Swagger UI's OAuth2 redirect page",
    "/redoc": "ReDoc, an HTML page",
}
UNKNOWN_PATH = "404 for a path no operation has: there is no operation to document it under"
UNKNOWN_METHOD = "405 for a method a documented path does not take"
TRAILING_SLASH = "307 from a path ending in / to the same path without it, before any operation"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


@cache
def document() -> OpenApiSchema:
    """The app's OpenAPI document (it depends on no setting and no database)."""
    return schemathesis.openapi.from_dict(
        create_app(Settings(secret_key="x" * MIN_SECRET_KEY_BYTES)).openapi()
    )


def exemption(method: str, path: str, status: int) -> str | None:
    """Why an answer is left unchecked, when it is."""
    if path in EXEMPT_PATHS:
        return EXEMPT_PATHS[path]
    if status == 307 and path.endswith("/"):
        return TRAILING_SLASH
    if status == 404 and not _documented_path(path):
        return UNKNOWN_PATH
    if status == 405 and _documented_path(path) and not _operation(method, path):
        return UNKNOWN_METHOD
    literal = document().raw_schema["paths"].get(path)
    if status == 405 and literal is not None and method.lower() not in literal:
        # A path of its own (/dialler/contacts/import), which a path with a parameter
        # (/dialler/contacts/{diallerContactsID}) would match as well.
        return UNKNOWN_METHOD
    return None


def _operation(method: str, path: str) -> Operation | None:
    return document().find_operation_by_path(method, path)


def _documented_path(path: str) -> bool:
    return any(_operation(method, path) is not None for method in METHODS)


def check(response: httpx2.Response) -> None:
    """Fails (AssertionError) when `response` breaks the document; an httpx response hook."""
    response.read()
    request = response.request
    method, path, status = request.method, request.url.path, response.status_code
    if exemption(method, path, status) is not None:
        return
    operation = _operation(method, path)
    where = f"{method} {path} answered {status}"
    assert operation is not None, f"{where}, but /openapi.json has no such operation"
    problems = _problems(operation, _as_schemathesis(response))
    assert not problems, (
        f"{where} outside /openapi.json: "
        + "; ".join(problems)
        + (f"\nbody: {response.text[:500]}")
    )


def _as_schemathesis(response: httpx2.Response) -> Response:
    """The response as schemathesis reads it. Its request is only named (method and URL), so
    that a request the suite sends on purpose with a malformed header can be checked too."""
    request = requests.PreparedRequest()
    request.method = response.request.method
    request.url = str(response.request.url)
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        headers.setdefault(name, []).append(value)
    return Response(
        status_code=response.status_code,
        headers=headers,
        content=response.content,
        request=request,
        elapsed=response.elapsed.total_seconds(),
        verify=True,
        message=response.reason_phrase,
        http_version=response.http_version,
        encoding=response.encoding,
    )


def _problems(operation: Operation, response: Response) -> list[str]:
    if operation.responses.find_by_status_code(response.status_code) is None:
        return [f"status {response.status_code} is not documented"]
    media_types = operation.schema.get_content_types(operation, response)
    content_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    if media_types and content_type not in media_types:
        return [f"content type {content_type!r} is not one of {media_types}"]
    try:
        operation.validate_response(response)
    except FailureGroup as group:
        return [_describe(failure) for failure in group.exceptions]
    except Failure as failure:
        return [_describe(failure)]
    return []


def _describe(failure: Failure) -> str:
    return f"{failure.title}: {failure.message.splitlines()[0] if failure.message else ''}"
