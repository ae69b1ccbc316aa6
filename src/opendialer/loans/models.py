"""Tables for lenders, borrowers, loans and bucket policies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from opendialer.db.base import LINE_TYPES, Base, FloatNumeric, UTCDateTime, utcnow
from opendialer.db.ids import new_id

# The seed's options for loanStatus and borrowerType.
LoanStatus = Literal[
    "charge off",
    "default",
    "forbearance",
    "fraud",
    "paid in full",
    "rejected",
    "repayment",
    "write off",
]
BorrowerType = Literal["borrower", "co-borrower"]
# A borrower's type, line type and cell-phone consent when not given, or given as null.
BORROWER_DEFAULTS: dict[str, Any] = {
    "type": "borrower",
    "cell_phone_consent": False,
    "phone_line_type": "unknown",
}


def servicer_key() -> ForeignKeyConstraint:
    """A row belongs to a servicer of its tenant, and goes with it."""
    return ForeignKeyConstraint(
        ["tenant_id", "servicer_id"], ["servicers.tenant_id", "servicers.id"], ondelete="CASCADE"
    )


Money = FloatNumeric(14, 2, asdecimal=False)


class _Owned:
    """Columns every loan-servicing row has: its id, tenant, servicer and timestamps."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[int] = mapped_column(Integer)
    servicer_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Lender(_Owned, Base):
    __tablename__ = "lenders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "servicer_id", "name"),
        servicer_key(),
    )

    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(100))
    identifier_number: Mapped[str | None] = mapped_column(String(64))


class Borrower(_Owned, Base):
    __tablename__ = "borrowers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "servicer_id", "external_reference_id"),
        Index("ix_borrowers_tenant_phone", "tenant_id", "phone_e164"),
        servicer_key(),
    )

    borrower_number: Mapped[str | None] = mapped_column(String(64))
    external_reference_id: Mapped[str | None] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(16), default=BORROWER_DEFAULTS["type"])
    first_name: Mapped[str | None] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    suffix: Mapped[str | None] = mapped_column(String(20))
    phone_number: Mapped[str | None] = mapped_column(String(64))
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    cell_phone_consent: Mapped[bool] = mapped_column(
        Boolean, default=BORROWER_DEFAULTS["cell_phone_consent"]
    )
    # When and how the consent was given or revoked, and the phone's line type.
    cell_phone_consent_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cell_phone_consent_source: Mapped[str | None] = mapped_column(String(100))
    phone_line_type: Mapped[str] = mapped_column(
        String(8),
        info=LINE_TYPES,
        default=BORROWER_DEFAULTS["phone_line_type"],
        server_default=BORROWER_DEFAULTS["phone_line_type"],
    )
    state: Mapped[str | None] = mapped_column(String(2))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    # Cease, attorney, bankruptcy or deceased, and the times the consumer said are inconvenient.
    compliance_flags: Mapped[str | None] = mapped_column(String(100))
    inconvenient_times: Mapped[str | None] = mapped_column(Text)


class Loan(_Owned, Base):
    __tablename__ = "loans"
    __table_args__ = (
        UniqueConstraint("tenant_id", "servicer_id", "external_reference_id"),
        Index("ix_loans_tenant_status", "tenant_id", "servicer_id", "status"),
        servicer_key(),
    )

    lender_id: Mapped[str | None] = mapped_column(
        ForeignKey("lenders.id", ondelete="SET NULL"), index=True
    )
    borrower_id: Mapped[str | None] = mapped_column(
        ForeignKey("borrowers.id", ondelete="SET NULL"), index=True
    )
    loan_number: Mapped[str | None] = mapped_column(String(64))
    external_reference_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    paid_to_date: Mapped[date | None] = mapped_column(Date)
    next_due_date: Mapped[date | None] = mapped_column(Date)
    last_payment_date: Mapped[date | None] = mapped_column(Date)
    past_amount_due: Mapped[float | None] = mapped_column(Money)
    fee_outstanding: Mapped[float | None] = mapped_column(Money)
    interest_balance: Mapped[float | None] = mapped_column(Money)
    current_amount_due: Mapped[float | None] = mapped_column(Money)


class BucketPolicy(Base):
    __tablename__ = "bucket_policies"
    __table_args__ = (
        Index("ix_bucket_policies_scope", "tenant_id", "servicer_id", "lender_id"),
        servicer_key(),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[int] = mapped_column(Integer)
    servicer_id: Mapped[int] = mapped_column(Integer)
    lender_id: Mapped[str | None] = mapped_column(ForeignKey("lenders.id", ondelete="CASCADE"))
    call_code: Mapped[str] = mapped_column(String(32))
    call_days_start: Mapped[int] = mapped_column(Integer)
    call_days_end: Mapped[int] = mapped_column(Integer)
    call_attempts_per_bucket: Mapped[int] = mapped_column(Integer)
    call_contacts_per_bucket: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
