"""Tables of the engine: its processes, the SQLite lease, and every attempt it places."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from opendialer.db.base import Base, UTCDateTime, utcnow
from opendialer.dialler.models import BigId

# An attempt's states: under way from its claim, ended once its outcome is recorded (with the
# moments it rang, was answered and was connected, as the engine heard them). In preview mode
# an agent holds the contact first (`preview`), then asks for the call (`queued`) that the
# next engine round places; or skips it, or the gate refuses it by then: closed, no call made.
DIALING, ENDED = "dialing", "ended"
PREVIEW, QUEUED, SKIPPED, REFUSED = "preview", "queued", "skipped", "refused"
ATTEMPT_STATES = (PREVIEW, QUEUED, DIALING, ENDED, SKIPPED, REFUSED)


class EngineProcess(Base):
    """A running (or once running) engine: its heartbeat tells the others whether it lives."""

    __tablename__ = "engine_processes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EngineLease(Base):
    """On SQLite one engine dials at a time: the one holding this row's lease."""

    __tablename__ = "engine_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder_id: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Attempt(Base):
    """One call the engine places: written (state `dialing`) and committed before the adapter
    is asked to call, closed (`ended`) with its outcome once recorded on the outcome path."""

    __tablename__ = "engine_attempts"
    __table_args__ = (
        # No contact has two calls under way: whatever engines run, the second claim fails.
        Index(
            "ux_engine_attempts_open_contact",
            "contact_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        # A campaign's calls under way, counted at every claim.
        Index(
            "ix_engine_attempts_open_campaign",
            "campaign_id",
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index(
            "ix_engine_attempts_open_engine",
            "engine_id",
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_engine_attempts_campaign_started", "campaign_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("dialler_campaigns.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("dialler_contacts.id", ondelete="CASCADE"))
    engine_id: Mapped[int] = mapped_column(BigInteger)
    phone_number_offset: Mapped[int] = mapped_column(Integer)
    phone_e164: Mapped[str] = mapped_column(String(20))
    caller_id: Mapped[str | None] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=DIALING)
    agent_id: Mapped[int | None] = mapped_column(BigInteger)
    answer_type: Mapped[str | None] = mapped_column(String(8))
    cause: Mapped[int | None] = mapped_column(Integer)
    sip_status: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(16))
    # The result code the agent gave the call (engine/dispositions.py).
    result_code: Mapped[str | None] = mapped_column(String(32))
    history_id: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# An agent's states: the first four an agent (or its supervisor) sets; the engine reserves a
# ready agent for a call it places, and has it on the call once connected.
AGENT_STATES = ("signed_out", "not_ready", "ready", "wrap_up", "reserved", "on_call")
SETTABLE_STATES = AGENT_STATES[:4]


class Agent(Base):
    """A person (or a simulated one) who takes the answered calls of a tenant's campaigns."""

    __tablename__ = "dialler_agents"
    __table_args__ = (Index("ix_dialler_agents_tenant_state", "tenant_id", "state"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # The API client that acts as this agent (its token's subject), if any.
    client_id: Mapped[str | None] = mapped_column(String(64))
    # The campaign the agent works; none: any running campaign of the tenant.
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("dialler_campaigns.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(16), default="signed_out")
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempt_id: Mapped[int | None] = mapped_column(BigInteger)
    # The last call the agent took (or previewed), which its disposition is about.
    last_attempt_id: Mapped[int | None] = mapped_column(BigInteger)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
