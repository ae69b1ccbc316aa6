"""Tables for partners, tenants and servicers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opendialer.db.base import Base, UTCDateTime, utcnow


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Tenant(Base):
    __tablename__ = "tenants"
    __table_args__ = (UniqueConstraint("partner_id", "billing_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    billing_code: Mapped[str | None] = mapped_column(String(100))
    # What the compliance gate counts as one debt: each loan, or a borrower's loans of one
    # lender (student loans serviced under one account).
    debt_grouping: Mapped[str] = mapped_column(String(16), default="loan", server_default="loan")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Servicer(Base):
    __tablename__ = "servicers"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
