"""Tables for the daily call-list builds and their entries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from opendialer.db.base import Base, UTCDateTime
from opendialer.loans.models import servicer_key


class CallListBuild(Base):
    """One build of one servicer's list for one day; rebuilding the day replaces it."""

    __tablename__ = "call_list_builds"
    __table_args__ = (servicer_key(),)

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    servicer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_date: Mapped[date] = mapped_column(Date, primary_key=True)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entries: Mapped[int] = mapped_column(Integer)


class CallListEntry(Base):
    """One loan due a call on one day, in the bucket its days late fall into.

    Entries are written only by a build, which replaces the day's entries and its build record
    together; no foreign key ties them, as checking one for each of a million entries was a
    sixth of a build on PostgreSQL."""

    __tablename__ = "call_list_entries"
    __table_args__ = (
        Index("ix_call_list_position", "tenant_id", "servicer_id", "list_date", "position"),
        Index("ix_call_list_loan", "tenant_id", "loan_id"),
        Index("ix_call_list_borrower", "tenant_id", "borrower_id"),
        Index("ix_call_list_code", "tenant_id", "servicer_id", "list_date", "call_code"),
    )

    call_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    servicer_id: Mapped[int] = mapped_column(Integer)
    list_date: Mapped[date] = mapped_column(Date)
    # 1..N within the day's list, so a deep page is an index seek rather than a long skip.
    position: Mapped[int] = mapped_column(BigInteger)
    loan_id: Mapped[str] = mapped_column(String(36))
    borrower_id: Mapped[str | None] = mapped_column(String(36))
    lender_id: Mapped[str | None] = mapped_column(String(36))
    bucket_id: Mapped[str] = mapped_column(String(36))
    call_code: Mapped[str] = mapped_column(String(32))
    loan_days_late: Mapped[int] = mapped_column(Integer)
    call_days_start: Mapped[int] = mapped_column(Integer)
    call_days_end: Mapped[int] = mapped_column(Integer)
    call_attempts_per_bucket: Mapped[int] = mapped_column(Integer)
    call_contacts_per_bucket: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
