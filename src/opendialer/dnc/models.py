"""The table of do-not-call entries, one per number and list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from opendialer.db.base import Base, UTCDateTime, utcnow
from opendialer.dialler.models import BigId


class DncEntry(Base):
    """A number on the tenant's list (no campaign) or on one campaign's list."""

    __tablename__ = "dnc_entries"
    __table_args__ = (
        # One entry per number and list; the gate looks up a contact's numbers by the first
        # two columns, and finds both lists' entries together.
        Index(
            "ix_dnc_entries_tenant_number",
            "tenant_id",
            "e164",
            unique=True,
            sqlite_where=text("campaign_id IS NULL"),
            postgresql_where=text("campaign_id IS NULL"),
        ),
        Index(
            "ix_dnc_entries_campaign_number",
            "tenant_id",
            "e164",
            "campaign_id",
            unique=True,
            sqlite_where=text("campaign_id IS NOT NULL"),
            postgresql_where=text("campaign_id IS NOT NULL"),
        ),
        Index("ix_dnc_entries_list", "tenant_id", "campaign_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("dialler_campaigns.id", ondelete="CASCADE")
    )
    # The number as E.164, so that any spelling of it matches.
    e164: Mapped[str] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
