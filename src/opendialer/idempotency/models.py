"""The table of requests sent with an Idempotency-Key, and the answers they got."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opendialer.db.base import Base, UTCDateTime, utcnow


class IdempotentRequest(Base):
    """A request that carried an Idempotency-Key, and the answer it got, to replay on retry.

    A key is the caller's within its tenant, endpoint (`path`) and servicer (`scope`:
    `servicer 2`, or `tenant` for a request that named no servicer): the same key sent to
    another endpoint, or by another servicer, is another request."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "path", "scope", "key"),)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(40))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    path: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
