"""The table of tracked calls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from opendialer.db.base import Base, UTCDateTime, utcnow
from opendialer.db.ids import new_id


class TrackedCall(Base):
    __tablename__ = "tracked_calls"
    __table_args__ = (
        # Servicer and status last: a loan's calls are counted from the index alone.
        Index(
            "ix_tracked_calls_loan_time",
            "tenant_id",
            "loan_id",
            "call_timestamp",
            "servicer_id",
            "call_status",
        ),
        Index("ix_tracked_calls_borrower", "tenant_id", "borrower_id", "call_timestamp"),
        Index("ix_tracked_calls_phone", "tenant_id", "phone_e164"),
        Index("ix_tracked_calls_time", "tenant_id", "servicer_id", "call_timestamp"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    servicer_id: Mapped[int] = mapped_column(Integer)
    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id", ondelete="CASCADE"))
    borrower_id: Mapped[str | None] = mapped_column(String(36))
    phone_number: Mapped[str | None] = mapped_column(String(64))
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    call_status: Mapped[str] = mapped_column(String(16))
    call_timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
