"""HTTP routes of the engine, in the dialler face's style: a campaign's progress, and the
agents who take the answered calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from opendialer.compliance.router import refusal_records
from opendialer.db.base import utcnow
from opendialer.dialler.router import CampaignId
from opendialer.engine.agents import AgentService
from opendialer.engine.dispositions import give_result
from opendialer.engine.preview import Preview, PreviewService
from opendialer.engine.progress import campaign_progress
from opendialer.engine.schemas import (
    AGENT_RECORD_FIELDS,
    ATTEMPT_RECORD_FIELDS,
    AgentCreate,
    AgentRecords,
    AgentStateChange,
    AttemptRecords,
    CampaignProgressRecords,
    DispositionInput,
    PreviewDial,
    PreviewRecords,
)
from opendialer.kit.apimodel import INT64
from opendialer.web.deps import DbSession, Locker, Now, Reader, Writer
from opendialer.web.dialler import (
    DOCS,
    contact_record,
    format_datetime,
    records_response,
    serializer,
)
from opendialer.web.writes import Route

router = APIRouter(tags=["dialler"], route_class=Route)
agent_record = serializer(AGENT_RECORD_FIELDS)
attempt_record = serializer(ATTEMPT_RECORD_FIELDS)
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
    rate over 30 days (null before any live answer), the agents who work it by state, and
    when the list will be worked through at the last hour's pace (null when nothing was
    dialed in it)."""
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


# -- preview dialing and dispositions ----------------------------------------------------------


def _previews(preview: Preview | None) -> Response:
    if preview is None:
        return records_response([])
    refusals = [r for judgement in preview.refusals for r in refusal_records(judgement)]
    record = {**attempt_record(preview.attempt), "Refusals": refusals,
              "Contact": contact_record(preview.contact)}  # fmt: skip
    return records_response([record])


@router.post("/dialler/agents/{diallerAgentsID}/next", responses=DOCS.write(PreviewRecords))
def preview_next(agent_id: AgentId, session: DbSession, principal: Locker, now: Now) -> Response:
    """Preview mode: hold the next due contact of the agent's campaign (or, for an agent of
    no campaign, of the client account's running preview campaigns, the highest priority
    first) on the number the gate allows an agent to call now, and show it. The agent must be
    ready, and is reserved for it until it asks for the call (`/dial`) or skips it (`/skip`).
    No record when no contact is due; the gate's refusals of the contacts passed over are
    logged, as the engine's are."""
    preview = PreviewService(session, principal.tenant).next(agent_id, principal, now)
    return _previews(preview)


@router.post("/dialler/agents/{diallerAgentsID}/dial", responses=DOCS.write(PreviewRecords))
def preview_dial(
    agent_id: AgentId,
    session: DbSession,
    principal: Locker,
    now: Now,
    body: PreviewDial | None = None,
) -> Response:
    """Ask for the call to the previewed contact, on its previewed number or on another of
    its numbers (`PhoneNumberOffset`). The gate judges it again now: allowed, the attempt is
    `queued` and the next engine round places it (the agent is connected whoever answers,
    a machine included); refused, it is closed as `refused` with the gate's `Refusals`, the
    contact waits for its next allowed time and the agent is ready again."""
    offset = body.phone_number_offset if body else None
    preview = PreviewService(session, principal.tenant).dial(agent_id, principal, now, offset)
    return _previews(preview)


@router.post("/dialler/agents/{diallerAgentsID}/skip", responses=DOCS.write(PreviewRecords))
def preview_skip(agent_id: AgentId, session: DbSession, principal: Locker, now: Now) -> Response:
    """Let the previewed contact go without a call (also after `/dial`, until an engine has
    placed the call): it waits the campaign's no-answer retry delay, and the agent is ready
    for the next."""
    preview = PreviewService(session, principal.tenant).skip(agent_id, principal, now)
    return _previews(preview)


@router.post("/dialler/agents/{diallerAgentsID}/disposition", responses=DOCS.write(AttemptRecords))
def disposition(
    agent_id: AgentId, body: DispositionInput, session: DbSession, principal: Locker, now: Now
) -> Response:
    """Give the agent's last call (once it has ended, and once) its result code:
    `promise_to_pay` (with `dtFollowUp`, the contact is not called before the promised day),
    `refused_to_pay`, `wrong_number` (the number is marked invalid and not called again) or
    `callback` (`dtFollowUp` required: the contact's next try, FollowUpDateTime in the
    campaign's time zone). Shown in the contact's history as DiallerResultCodesTypesID 1 to 4
    in that order. An agent in wrap-up is ready again."""
    attempt = give_result(
        session, principal.tenant, agent_id, principal, body.result_code, body.follow_up, now
    )
    return records_response([attempt_record(attempt)])
