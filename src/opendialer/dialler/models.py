"""Tables for dialler campaigns, their contacts and each contact's call history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from opendialer.db.base import FREE_TEXT, LINE_TYPES, Base, FloatNumeric, UTCDateTime, utcnow

# How a campaign may be dialed: only `preview` has an agent start each call.
DIALING_MODES = {"choices": ("preview", "progressive", "power", "predictive", "agentless")}
# Where a campaign stands: the engine dials only running ones.
DIALING_STATES = ("stopped", "running", "paused")

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")


class Campaign(Base):
    __tablename__ = "dialler_campaigns"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="America/Chicago")
    region: Mapped[str] = mapped_column(String(2), default="US")
    max_tries_per_number: Mapped[int] = mapped_column(Integer, default=3)
    max_tries_per_contact: Mapped[int] = mapped_column(Integer, default=10)
    retry_delay_busy: Mapped[int] = mapped_column(Integer, default=600)
    retry_delay_no_answer: Mapped[int] = mapped_column(Integer, default=3600)
    retry_delay_mailbox: Mapped[int] = mapped_column(Integer, default=14400)
    retry_delay_failed: Mapped[int] = mapped_column(Integer, default=1800)
    retry_delay_connected: Mapped[int] = mapped_column(Integer, default=604800)
    # How the engine dials the campaign (docs/engine.md): the mode, the number it shows, how
    # long a call rings, how many calls at once and per second, the lines per ready agent in
    # power mode, the abandon rate allowed, the hours it may call (narrowing the gate's), and
    # its place among running campaigns. Started, paused or stopped by the control routes.
    dialing_mode: Mapped[str] = mapped_column(
        String(16), default="progressive", server_default="progressive", info=DIALING_MODES
    )
    caller_id: Mapped[str | None] = mapped_column(String(20))
    ring_timeout_seconds: Mapped[int] = mapped_column(Integer, default=25, server_default="25")
    max_lines: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    max_calls_per_second: Mapped[float] = mapped_column(
        FloatNumeric(8, 3, asdecimal=False), default=5, server_default="5"
    )
    dial_ratio: Mapped[float] = mapped_column(
        FloatNumeric(6, 3, asdecimal=False), default=1.5, server_default="1.5"
    )
    abandon_rate_limit: Mapped[float] = mapped_column(
        FloatNumeric(6, 4, asdecimal=False), default=0.03, server_default="0.03"
    )
    callable_hours: Mapped[str | None] = mapped_column(String(500))
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dialing_state: Mapped[str] = mapped_column(
        String(16), default="stopped", server_default="stopped"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Contact(Base):
    __tablename__ = "dialler_contacts"
    __table_args__ = (
        Index("ix_dialler_contacts_tenant_user_data", "tenant_id", "user_data"),
        Index("ix_dialler_contacts_tenant_name", "tenant_id", "name", "id"),
        Index("ix_dialler_contacts_campaign_name", "campaign_id", "name", "id"),
        Index("ix_dialler_contacts_campaign_next_try", "campaign_id", "dt_next_try"),
        # The loan a contact is called about: its LoanID, else a UserData naming the loan (as
        # call tracking links them). The compliance gate finds a debt's contacts by it.
        Index("ix_dialler_contacts_link", "tenant_id", text("coalesce(loan_id, user_data)")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("dialler_campaigns.id", ondelete="CASCADE"))
    random_sort_order: Mapped[int | None] = mapped_column(Integer)
    user_data: Mapped[str | None] = mapped_column(String(255))
    user_data2: Mapped[str | None] = mapped_column(String(255))
    user_data3: Mapped[str | None] = mapped_column(String(255))
    client: Mapped[str | None] = mapped_column(String(255))
    service: Mapped[str | None] = mapped_column(String(255))
    reference_number: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(255))
    salutation: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    company: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(500), info=FREE_TEXT)
    postal_code: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    account_owner: Mapped[str | None] = mapped_column(String(255))
    account_bank: Mapped[str | None] = mapped_column(String(255))
    account_national_bank_code: Mapped[str | None] = mapped_column(String(64))
    account_bic: Mapped[str | None] = mapped_column(String(64))
    account_number: Mapped[str | None] = mapped_column(String(64))
    account_iban: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[float | None] = mapped_column(FloatNumeric(18, 4, asdecimal=False))
    phone_number1: Mapped[str | None] = mapped_column(String(64))
    phone_number2: Mapped[str | None] = mapped_column(String(64))
    phone_number3: Mapped[str | None] = mapped_column(String(64))
    phone_number4: Mapped[str | None] = mapped_column(String(64))
    phone_number5: Mapped[str | None] = mapped_column(String(64))
    phone_number6: Mapped[str | None] = mapped_column(String(64))
    phone_number1_e164: Mapped[str | None] = mapped_column(String(20))
    phone_number2_e164: Mapped[str | None] = mapped_column(String(20))
    phone_number3_e164: Mapped[str | None] = mapped_column(String(20))
    phone_number4_e164: Mapped[str | None] = mapped_column(String(20))
    phone_number5_e164: Mapped[str | None] = mapped_column(String(20))
    phone_number6_e164: Mapped[str | None] = mapped_column(String(20))
    # Each number's line type and the consumer's consent to automated calls to it, with when
    # and how it was given or revoked: what the compliance gate's consent rule asks.
    phone_number1_line_type: Mapped[str | None] = mapped_column(String(8), info=LINE_TYPES)
    phone_number2_line_type: Mapped[str | None] = mapped_column(String(8), info=LINE_TYPES)
    phone_number3_line_type: Mapped[str | None] = mapped_column(String(8), info=LINE_TYPES)
    phone_number4_line_type: Mapped[str | None] = mapped_column(String(8), info=LINE_TYPES)
    phone_number5_line_type: Mapped[str | None] = mapped_column(String(8), info=LINE_TYPES)
    phone_number6_line_type: Mapped[str | None] = mapped_column(String(8), info=LINE_TYPES)
    phone_number1_consent: Mapped[bool | None] = mapped_column(Boolean)
    phone_number2_consent: Mapped[bool | None] = mapped_column(Boolean)
    phone_number3_consent: Mapped[bool | None] = mapped_column(Boolean)
    phone_number4_consent: Mapped[bool | None] = mapped_column(Boolean)
    phone_number5_consent: Mapped[bool | None] = mapped_column(Boolean)
    phone_number6_consent: Mapped[bool | None] = mapped_column(Boolean)
    phone_number1_consent_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone_number2_consent_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone_number3_consent_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone_number4_consent_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone_number5_consent_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone_number6_consent_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone_number1_consent_source: Mapped[str | None] = mapped_column(String(100))
    phone_number2_consent_source: Mapped[str | None] = mapped_column(String(100))
    phone_number3_consent_source: Mapped[str | None] = mapped_column(String(100))
    phone_number4_consent_source: Mapped[str | None] = mapped_column(String(100))
    phone_number5_consent_source: Mapped[str | None] = mapped_column(String(100))
    phone_number6_consent_source: Mapped[str | None] = mapped_column(String(100))
    fax_number: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(500))
    comment: Mapped[str | None] = mapped_column(Text, info=FREE_TEXT)
    reserved_users_uid: Mapped[str | None] = mapped_column(String(100))
    follow_up_users_uid: Mapped[str | None] = mapped_column(String(100))
    follow_up_date_time: Mapped[datetime | None] = mapped_column(DateTime)
    dt_begin_date: Mapped[datetime | None] = mapped_column(DateTime)
    dt_end_date: Mapped[datetime | None] = mapped_column(DateTime)
    manufacturer: Mapped[str | None] = mapped_column(String(255))
    model: Mapped[str | None] = mapped_column(String(255))
    tag: Mapped[str | None] = mapped_column(String(255))
    external_system_link: Mapped[str | None] = mapped_column(String(1000))
    n_tries_phone_number1: Mapped[int] = mapped_column(Integer, default=0)
    n_tries_phone_number2: Mapped[int] = mapped_column(Integer, default=0)
    n_tries_phone_number3: Mapped[int] = mapped_column(Integer, default=0)
    n_tries_phone_number4: Mapped[int] = mapped_column(Integer, default=0)
    n_tries_phone_number5: Mapped[int] = mapped_column(Integer, default=0)
    n_tries_phone_number6: Mapped[int] = mapped_column(Integer, default=0)
    b_phone_number1_invalid: Mapped[bool | None] = mapped_column(Boolean)
    b_phone_number2_invalid: Mapped[bool | None] = mapped_column(Boolean)
    b_phone_number3_invalid: Mapped[bool | None] = mapped_column(Boolean)
    b_phone_number4_invalid: Mapped[bool | None] = mapped_column(Boolean)
    b_phone_number5_invalid: Mapped[bool | None] = mapped_column(Boolean)
    b_phone_number6_invalid: Mapped[bool | None] = mapped_column(Boolean)
    n_phone_number1_last_cause: Mapped[int | None] = mapped_column(Integer)
    n_phone_number2_last_cause: Mapped[int | None] = mapped_column(Integer)
    n_phone_number3_last_cause: Mapped[int | None] = mapped_column(Integer)
    n_phone_number4_last_cause: Mapped[int | None] = mapped_column(Integer)
    n_phone_number5_last_cause: Mapped[int | None] = mapped_column(Integer)
    n_phone_number6_last_cause: Mapped[int | None] = mapped_column(Integer)
    phone_number1_last_acd_agent_end_reasons_id: Mapped[int | None] = mapped_column(Integer)
    phone_number2_last_acd_agent_end_reasons_id: Mapped[int | None] = mapped_column(Integer)
    phone_number3_last_acd_agent_end_reasons_id: Mapped[int | None] = mapped_column(Integer)
    phone_number4_last_acd_agent_end_reasons_id: Mapped[int | None] = mapped_column(Integer)
    phone_number5_last_acd_agent_end_reasons_id: Mapped[int | None] = mapped_column(Integer)
    phone_number6_last_acd_agent_end_reasons_id: Mapped[int | None] = mapped_column(Integer)
    last_acd_agent_end_reasons_id: Mapped[int | None] = mapped_column(Integer)
    b_last_result_mailbox: Mapped[bool | None] = mapped_column(Boolean)
    dt_next_try: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dt_last_try: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Cease, attorney, bankruptcy or deceased, and the times the consumer said are inconvenient.
    compliance_flags: Mapped[str | None] = mapped_column(String(100))
    inconvenient_times: Mapped[str | None] = mapped_column(Text)
    # The loan this contact is called about, so its calls count in call tracking.
    loan_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("loans.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ContactHistory(Base):
    __tablename__ = "dialler_contacts_history"
    # A contact's calls since a moment: the compliance gate's look-up of a debt's calls.
    __table_args__ = (
        Index("ix_dialler_contacts_history_contact_time", "contact_id", "dt_call_start"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("dialler_contacts.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(BigInteger)
    user_data: Mapped[str | None] = mapped_column(String(255))
    user_data2: Mapped[str | None] = mapped_column(String(255))
    user_data3: Mapped[str | None] = mapped_column(String(255))
    dt_call_start: Mapped[datetime] = mapped_column(UTCDateTime)
    dt_call_alert: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dt_call_connect: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dt_call_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cause_code: Mapped[int | None] = mapped_column(Integer)
    connres: Mapped[int] = mapped_column(Integer)
    phone_number: Mapped[str] = mapped_column(String(64))
    phone_number_offset: Mapped[int] = mapped_column(Integer)
    a_number: Mapped[str | None] = mapped_column(String(64))
    b_number: Mapped[str | None] = mapped_column(String(64))
    a_number_country_code: Mapped[int | None] = mapped_column(Integer)
    b_number_country_code: Mapped[int | None] = mapped_column(Integer)
    a_number_area_code_id: Mapped[int | None] = mapped_column(Integer)
    b_number_area_code_id: Mapped[int | None] = mapped_column(Integer)
    outbound: Mapped[bool] = mapped_column(Boolean, default=True)
    caller_hangup: Mapped[bool | None] = mapped_column(Boolean)
    mailbox: Mapped[bool] = mapped_column(Boolean, default=False)
    test_call: Mapped[bool] = mapped_column(Boolean, default=False)
    result_code_id: Mapped[int | None] = mapped_column(Integer)
    result_code_type_id: Mapped[int | None] = mapped_column(Integer)
    acd_agent_end_reasons_id: Mapped[int | None] = mapped_column(Integer)
    service_numbers_id: Mapped[int | None] = mapped_column(Integer)
    statistics_part_a_id: Mapped[int | None] = mapped_column(Integer)
    users_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
