"""The engine's records, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from opendialer.web.dialler import DiallerTime
from opendialer.web.openapi import Wire


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
