"""The table of tracked calls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from opendialer.db.base import Base, UTCDateTime, utcnow
from opendialer.db.ids import new_id

# `created_by` of the calls the dialler recorded itself.
DIALLER = "dialler"
# The calls recorded by anyone else, as an index's condition and a query's alike (a query
# uses a partial index when it states the index's condition word for word).
OUTSIDE_CALL = f"created_by IS NULL OR created_by <> '{DIALLER}'"


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
        # The compliance gate's look-up of a loan's calls that the dialler did not record (its
        # own are counted by their history entries).
        Index(
            "ix_tracked_calls_outside_loan",
            "tenant_id",
            "loan_id",
            "call_timestamp",
            sqlite_where=text(OUTSIDE_CALL),
            postgresql_where=text(OUTSIDE_CALL),
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
