"""The table of call detail records, one row per call leg."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from opendialer.db.base import Base, UTCDateTime, utcnow
from opendialer.db.ids import new_id

# The unique id of the record of a call the dialler placed: the prefix, then its history
# entry's id.
DIALLER_RECORD = "opendialer-history-"
# The records of calls placed by anyone else, as an index's condition and a query's alike (a
# query uses a partial index when it states the index's condition word for word).
OUTSIDE_RECORD = f"unique_id NOT LIKE '{DIALLER_RECORD}%'"


class CallDetailRecord(Base):
    __tablename__ = "call_detail_records"
    # Record ids are keys within a tenant only: a client chooses them, and one tenant must not
    # learn from a refusal which ids another tenant's records have.
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "unique_id"),
        Index("ix_call_detail_records_tenant_time", "tenant_id", "time", "id"),
        # The compliance gate's look-up of the calls placed to a number, of the records that
        # do not come from the dialler (its calls are counted by their history entries).
        Index(
            "ix_call_detail_records_outside_number",
            "tenant_id",
            "dialed_e164",
            "time",
            sqlite_where=text(OUTSIDE_RECORD),
            postgresql_where=text(OUTSIDE_RECORD),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), default=new_id)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    caller_id_number: Mapped[str | None] = mapped_column(String(80))
    caller_id_name: Mapped[str | None] = mapped_column(String(80))
    dialed_num: Mapped[str | None] = mapped_column(String(80))
    # The dialed number as E.164, when it is one: calls to a consumer's number count for the
    # compliance gate however the PBX wrote it.
    dialed_e164: Mapped[str | None] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(3))
    disposition: Mapped[str] = mapped_column(String(16))
    duration: Mapped[int] = mapped_column(Integer, default=0)
    percent_jitter: Mapped[float | None] = mapped_column(Float)
    packet_loss: Mapped[float | None] = mapped_column(Float)
    qos: Mapped[float | None] = mapped_column(Float)
    unique_id: Mapped[str] = mapped_column(String(150))
    prev_unique_id: Mapped[str | None] = mapped_column(String(150))
    next_unique_id: Mapped[str | None] = mapped_column(String(150))
    who_answered: Mapped[str | None] = mapped_column(String(150))
    recorded: Mapped[int | None] = mapped_column(Integer)
    queue_call: Mapped[int | None] = mapped_column(Integer)
    ocn: Mapped[str | None] = mapped_column(String(20))
    ani: Mapped[str | None] = mapped_column(String(80))
    lata: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    rate_center: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(20))
    jurisdiction: Mapped[str | None] = mapped_column(String(40))
    local: Mapped[int | None] = mapped_column(Integer)
    lec: Mapped[str | None] = mapped_column(String(150))
    lec_type: Mapped[str | None] = mapped_column(String(40))
    spid: Mapped[str | None] = mapped_column(String(40))
    is_toll_free: Mapped[int | None] = mapped_column(Integer)
    is_international: Mapped[int | None] = mapped_column(Integer)
    presented: Mapped[int | None] = mapped_column(Integer)
    mos: Mapped[float | None] = mapped_column(Float)
    call_outcome: Mapped[str | None] = mapped_column(String(80))
    after_answer_duration: Mapped[int | None] = mapped_column(Integer)
    outgoing_cid_num: Mapped[str | None] = mapped_column(String(80))
    billing_id: Mapped[str | None] = mapped_column(String(80))
    partner_id: Mapped[str | None] = mapped_column(String(80))
    geolocation: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
