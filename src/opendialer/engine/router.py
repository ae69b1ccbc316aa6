"""HTTP routes of the engine, in the dialler face's style: a campaign's progress."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from opendialer.db.base import utcnow
from opendialer.dialler.router import CampaignId
from opendialer.engine.progress import campaign_progress
from opendialer.engine.schemas import CampaignProgressRecords
from opendialer.web.deps import DbSession, Reader
from opendialer.web.dialler import DOCS, format_datetime, records_response
from opendialer.web.writes import Route

router = APIRouter(tags=["dialler"], route_class=Route)


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
