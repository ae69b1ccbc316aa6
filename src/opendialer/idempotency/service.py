"""Answering a request sent again with the same Idempotency-Key as it was answered the first
time, without doing its work twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from opendialer.db.base import utcnow
from opendialer.errors import Conflict
from opendialer.idempotency.models import IdempotentRequest
from opendialer.idempotency.repository import IdempotencyRepository

# How long an Idempotency-Key's answer is kept: a retry within it is answered again, after it
# the key is free for a new request.
KEY_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class Answer:
    """A request's answer (status and body), as given the first time or replayed for a retry."""

    status: int
    body: bytes
    replayed: bool = False


def servicer_scope(servicer_id: int | None) -> str:
    """The scope a key is the caller's in, within its tenant: the servicer the request acts
    for, or the whole tenant."""
    return "tenant" if servicer_id is None else f"servicer {servicer_id}"


class IdempotentRequests:
    """The requests to one endpoint (`path`) that carried an Idempotency-Key, of one tenant
    and, when the request names one, one servicer."""

    def __init__(
        self, session: Session, tenant_id: int, servicer_id: int | None, path: str
    ) -> None:
        self.session = session
        self.requests = IdempotencyRepository(session, tenant_id, path, servicer_scope(servicer_id))

    def answer(
        self, key: str, fingerprint: str, produce: Callable[[], tuple[int, bytes]]
    ) -> Answer:
        """The answer stored under `key` when the request was made before (the same request,
        by `fingerprint`: another one is a conflict); else `produce`'s, stored under `key` in
        the same transaction as the work `produce` does."""
        stored = self.requests.get(key)
        if stored is not None:
            if stored.created_at >= utcnow() - KEY_LIFETIME:
                return _replay(stored, fingerprint)
            self.requests.forget(stored)
        claimed = self.requests.claim(key, fingerprint)
        if claimed is None:
            # Claimed meanwhile by a request that has committed since, or is still running.
            stored = self.requests.get(key)
            if stored is None:
                raise Conflict(f"a request with Idempotency-Key {key!r} is in progress; retry")
            return _replay(stored, fingerprint)
        status, body = produce()
        claimed.status_code, claimed.body = status, body
        self.session.flush()
        return Answer(status, body)


def _replay(stored: IdempotentRequest, fingerprint: str) -> Answer:
    if stored.request_hash != fingerprint:
        raise Conflict(
            f"Idempotency-Key {stored.key!r} was used for a different request; "
            "send a new key for a new request"
        )
    return Answer(stored.status_code, stored.body, replayed=True)
