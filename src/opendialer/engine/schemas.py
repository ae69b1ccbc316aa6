"""The engine's records, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from opendialer.compliance.schemas import RuleRefusal
from opendialer.engine.dispositions import ResultCode
from opendialer.engine.models import AGENT_STATES, ATTEMPT_STATES, SETTABLE_STATES, Agent, Attempt
from opendialer.kit.apimodel import INT64, ApiInput, Moment, Str
from opendialer.web.dialler import ContactRecord, DiallerTime
from opendialer.web.openapi import Wire, column_model


class CampaignProgress(Wire):
    """A campaign's progress (see GET /dialler/campaigns/{diallerCampaignsID}/progress)."""

    DiallerCampaignsID: int
    DialingState: Literal["stopped", "running", "paused"]
    DialingMode: str
    ContactsTotal: int = Field(ge=0)
    DueNow: int = Field(ge=0)
    Waiting: int = Field(ge=0)
    Done: int = Field(ge=0)
    DoneByOutcome: dict[str, int]
    RefusedNow: dict[str, int]
    CallsInFlight: int = Field(ge=0)
    AttemptsToday: int = Field(ge=0)
    ConnectsToday: int = Field(ge=0)
    AbandonRate30Days: float | None
    AgentsByState: dict[str, int]
    EstimatedDoneAt: DiallerTime | None


class CampaignProgressRecords(Wire):
    """The dialler's envelope: {"records", "count", "status"}."""

    records: list[CampaignProgress]
    count: int
    status: int


AGENT_RECORD_FIELDS: list[tuple[str, str]] = [
    ("DiallerAgentsID", "id"),
    ("ClientsID", "tenant_id"),
    ("Name", "name"),
    ("ClientID", "client_id"),
    ("DiallerCampaignsID", "campaign_id"),
    ("State", "state"),
    ("dtStateSince", "state_since"),
    ("CurrentAttemptID", "attempt_id"),
    ("LastAttemptID", "last_attempt_id"),
    ("bSimulated", "simulated"),
]

AgentRecord = column_model(
    "DiallerAgent",
    Agent.__table__,
    AGENT_RECORD_FIELDS,
    moment=DiallerTime,
    doc="An agent: its state (signed_out, not_ready, ready, wrap_up; reserved and on_call "
    "while the engine has it on a call), since when, the call it is on, the API client that "
    "acts as it, and the campaign it works (null: any running campaign of the tenant).",
    override={"State": Literal[AGENT_STATES]},
)


class AgentRecords(Wire):
    """The dialler's envelope: {"records", "count", "status"}."""

    records: list[AgentRecord]  # type: ignore[valid-type]
    count: int
    status: int


class AgentCreate(ApiInput):
    """A new agent of the client account."""

    name: Str = Field(alias="Name", max_length=200)
    client_id: Str | None = Field(default=None, alias="ClientID", max_length=64)
    campaign_id: int | None = Field(default=None, alias="DiallerCampaignsID", ge=0, le=INT64)


class AgentStateChange(ApiInput):
    """The state an agent sets itself to."""

    state: Literal[SETTABLE_STATES] = Field(alias="State")  # type: ignore[valid-type]


ATTEMPT_RECORD_FIELDS: list[tuple[str, str]] = [
    ("DiallerAttemptsID", "id"),
    ("ClientsID", "tenant_id"),
    ("DiallerCampaignsID", "campaign_id"),
    ("DiallerContactsID", "contact_id"),
    ("DiallerAgentsID", "agent_id"),
    ("DialingMode", "mode"),
    ("State", "state"),
    ("PhoneNumberOffset", "phone_number_offset"),
    ("PhoneNumber", "phone_e164"),
    ("ANumber", "caller_id"),
    ("dtCallStart", "started_at"),
    ("dtCallAlert", "alerted_at"),
    ("dtCallConnect", "answered_at"),
    ("dtAgentConnect", "connected_at"),
    ("dtCallEnd", "ended_at"),
    ("AnswerType", "answer_type"),
    ("CauseCodesID", "cause"),
    ("SipStatus", "sip_status"),
    ("Outcome", "outcome"),
    ("ResultCode", "result_code"),
    ("DiallerContactsHistoryID", "history_id"),
]

AttemptRecord = column_model(
    "DiallerAttempt",
    Attempt.__table__,
    ATTEMPT_RECORD_FIELDS,
    moment=DiallerTime,
    doc="One call the engine placed, or an agent previews: its state (preview, queued, "
    "dialing, ended; skipped or refused when no call was placed), the number, the moments it "
    "started, rang, was answered, reached its agent and ended (UTC), who or what answered, "
    "the Q.850 cause, its outcome, and the result code its agent gave it.",
    override={"State": Literal[ATTEMPT_STATES], "ResultCode": ResultCode | None},
)


class AttemptRecords(Wire):
    """The dialler's envelope: {"records", "count", "status"}."""

    records: list[AttemptRecord]  # type: ignore[valid-type]
    count: int
    status: int


class PreviewRecord(AttemptRecord):  # type: ignore[misc,valid-type]
    """What a preview agent sees: the attempt holding the contact, the gate's refusals of the
    call when it was refused, and the contact."""

    Refusals: list[RuleRefusal]
    Contact: ContactRecord  # type: ignore[valid-type]


class PreviewRecords(Wire):
    """The dialler's envelope: {"records", "count", "status"}; no record when no contact
    is due."""

    records: list[PreviewRecord]
    count: int
    status: int


class PreviewDial(ApiInput):
    """The call to place: the previewed number, or another of the contact's."""

    phone_number_offset: int | None = Field(default=None, alias="PhoneNumberOffset", ge=1, le=6)


class DispositionInput(ApiInput):
    """The result code of the agent's last call, and for a callback (or a promise to pay)
    when to call again (ISO 8601, UTC when it has no offset)."""

    result_code: ResultCode = Field(alias="ResultCode")
    follow_up: Moment | None = Field(default=None, alias="dtFollowUp")
