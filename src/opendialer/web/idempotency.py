"""Idempotency-Key on the wire: the header's rules, a request's fingerprint, and the replayed
answer's `Idempotent-Replayed` header."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from sqlalchemy.orm import Session
from starlette.responses import Response

from opendialer.errors import Invalid
from opendialer.idempotency.service import IdempotentRequests

MAX_KEY_LENGTH = 255
KEY_DESCRIPTION = (
    "Makes a retry safe: a request repeated with the same key and body does its work once and "
    "is answered as the first was (with `Idempotent-Replayed: true`). Keys live 24 hours."
)


# The optional Idempotency-Key header, as an endpoint declares it.
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=MAX_KEY_LENGTH, description=KEY_DESCRIPTION),
]


def request_hash(method: str, path: str, body: Any) -> str:
    """A fingerprint of the request: the same JSON, however spaced or ordered, hashes alike."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def check_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise Invalid(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters, got {key!r}"
        )
    return key


def idempotent_response(
    session: Session,
    tenant_id: int,
    servicer_id: int | None,
    key: str | None,
    path: str,
    body: Any,
    produce: Callable[[], tuple[int, bytes]],
) -> Response:
    """The JSON answer `produce` gives (status, body), or, for a request sent again with the
    same `key` to the same endpoint by the same tenant and servicer, the answer it gave the
    first time. `path` names the endpoint whichever prefix the request came by."""
    if key is None:
        status, content = produce()
        return Response(content, status_code=status, media_type="application/json")
    fingerprint = request_hash("POST", path, body)
    requests = IdempotentRequests(session, tenant_id, servicer_id, path)
    answer = requests.answer(check_key(key), fingerprint, produce)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return Response(
        answer.body, status_code=answer.status, media_type="application/json", headers=headers
    )
