"""The table of the gate's refusals of real attempts: why a borrower was not called."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from opendialer.db.base import Base, UTCDateTime
from opendialer.dialler.models import BigId


class RefusalRecord(Base):
    """One rule's refusal of one attempt: a refused attempt has a record per failing rule."""

    __tablename__ = "compliance_refusals"
    __table_args__ = (
        Index("ix_compliance_refusals_time", "tenant_id", "at", "id"),
        # Counts by rule per campaign are read from this index alone.
        Index("ix_compliance_refusals_campaign", "tenant_id", "campaign_id", "rule", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("dialler_campaigns.id", ondelete="CASCADE")
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("dialler_contacts.id", ondelete="SET NULL")
    )
    loan_id: Mapped[str | None] = mapped_column(String(36))
    phone_number_offset: Mapped[int | None] = mapped_column(Integer)
    phone_number: Mapped[str | None] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(300))
    citation: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_allowed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
