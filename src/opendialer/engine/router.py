"""HTTP routes of the engine, in the dialler face's style: a campaign's progress, and the
agents who take the answered calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from opendialer.db.base import utcnow
from opendialer.dialler.router import CampaignId
from opendialer.engine.agents import AgentService
from opendialer.engine.progress import campaign_progress
from opendialer.engine.schemas import (
    AGENT_RECORD_FIELDS,
    AgentCreate,
    AgentRecords,
    AgentStateChange,
    CampaignProgressRecords,
)
from opendialer.kit.apimodel import INT64
from opendialer.web.deps import DbSession, Locker, Reader, Writer
from opendialer.web.dialler import DOCS, format_datetime, records_response, serializer
from opendialer.web.writes import Route

router = APIRouter(tags=["dialler"], route_class=Route)
agent_record = serializer(AGENT_RECORD_FIELDS)
AgentId = Annotated[
    int, Path(alias="diallerAgentsID", ge=0, le=INT64, description="The dialler agent's ID.")
]


@router.get(
    "/dialler/campaigns/{diallerCampaignsID}/progress", responses=DOCS.read(CampaignProgressRecords)
)
def progress(campaign_id: CampaignId, session: DbSession, principal: Reader) -> Response:
    """How far the campaign has got, now: its contacts (due now, waiting for their next try,
    done by the outcome of their last call), the gate's refusals of the last hour by rule, the
    calls under way, today's calls and conversations (on the campaign's clock), the abandon
    rate over 30 days (null before any live answer), and when the list will be worked through
    at the last hour's pace (null when nothing was dialed in it)."""
    record = campaign_progress(session, principal.tenant, campaign_id, utcnow())
    if record["EstimatedDoneAt"] is not None:
        record["EstimatedDoneAt"] = format_datetime(record["EstimatedDoneAt"])
    return records_response([record])


@router.get("/dialler/agents", responses=DOCS.read(AgentRecords))
def list_agents(session: DbSession, principal: Reader) -> Response:
    """Every agent of the client account, with its state and the call it is on."""
    return records_response(
        [agent_record(a) for a in AgentService(session, principal.tenant).list()]
    )


@router.post("/dialler/agents", responses=DOCS.write(AgentRecords))
def create_agent(body: AgentCreate, session: DbSession, principal: Writer) -> Response:
    """Add an agent (signed out until it signs in). `ClientID` names the API client (with the
    `agent` role) that acts as it; `DiallerCampaignsID` the one campaign it works, if any."""
    agent = AgentService(session, principal.tenant).create(
        body.name, body.client_id, body.campaign_id
    )
    return records_response([agent_record(agent)])


@router.post("/dialler/agents/{diallerAgentsID}/state", responses=DOCS.write(AgentRecords))
def set_agent_state(
    agent_id: AgentId, body: AgentStateChange, session: DbSession, principal: Locker
) -> Response:
    """Sign in or out, get ready or not ready, end wrap-up: `State` one of `signed_out`,
    `not_ready`, `ready`, `wrap_up`. An agent's token acts only for its own agent; an agent on
    a call (reserved or on_call) changes state when the call ends (409)."""
    agent = AgentService(session, principal.tenant).set_state(agent_id, body.state, principal)
    return records_response([agent_record(agent)])
