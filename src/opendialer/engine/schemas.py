"""The engine's records, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from opendialer.engine.models import AGENT_STATES, SETTABLE_STATES, Agent
from opendialer.kit.apimodel import INT64, ApiInput, Str
from opendialer.web.dialler import DiallerTime
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
