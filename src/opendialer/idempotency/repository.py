"""Every query on requests sent with an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from opendialer.db.repository import TenantRepository
from opendialer.idempotency.models import IdempotentRequest


class IdempotencyRepository(TenantRepository):
    """Requests to one endpoint (`path`) that carried an Idempotency-Key, one per key, tenant
    and servicer (`scope`)."""

    def __init__(self, session: Session, tenant_id: int, path: str, scope: str) -> None:
        super().__init__(session, tenant_id)
        self.path = path
        self.scope = scope

    def get(self, key: str) -> IdempotentRequest | None:
        query = self.scoped(IdempotentRequest).where(
            IdempotentRequest.path == self.path,
            IdempotentRequest.scope == self.scope,
            IdempotentRequest.key == key,
        )
        return self.session.scalars(query).first()

    def forget(self, stored: IdempotentRequest) -> None:
        """Drop a stored request (expired), so that its key can be claimed again."""
        self.session.delete(stored)
        self.session.flush()

    def claim(self, key: str, request_hash: str) -> IdempotentRequest | None:
        """Hold `key` for this request until its answer is stored; None when another request
        holds the key already.

        A concurrent request with the same key waits here until the first commits, then
        finds the key taken; the savepoint keeps this transaction usable after that."""
        entry = IdempotentRequest(
            tenant_id=self.tenant_id,
            path=self.path,
            scope=self.scope,
            key=key,
            request_hash=request_hash,
            status_code=0,
            body=b"",
        )
        try:
            with self.session.begin_nested():
                self.session.add(entry)
                self.session.flush()
        except IntegrityError:
            return None
        return entry


def forget_expired_requests(session: Session, before: datetime) -> int:
    """Drop every tenant's requests stored before `before`; answers how many. Housekeeping
    across tenants, as the daily job does it: no tenant's data is read."""
    result = session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
