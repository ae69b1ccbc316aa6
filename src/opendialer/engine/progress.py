"""A campaign's progress, live: its contacts (due, waiting, done by final outcome), what the
gate refuses, the calls under way and today's, the abandon rate, the agents, and when the list
will be worked through at the present pace."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from opendialer.dialler.causes import classify
from opendialer.dialler.service import CampaignService
from opendialer.engine.agents import AgentRepository
from opendialer.engine.repository import EngineRepository, ProgressRepository

# "Refused now": refusals logged within this time.
RECENT = timedelta(hours=1)
ABANDON_WINDOW = timedelta(days=30)


def campaign_progress(
    session: Session, tenant_id: int, campaign_id: int, now: datetime
) -> dict[str, Any]:
    """The campaign's progress at `now`, as the dialler face's progress record has it."""
    campaign = CampaignService(session, tenant_id).get(campaign_id)
    figures = ProgressRepository(session, tenant_id)
    total, done, due = figures.contact_counts(campaign, now)
    # A contact with a call under way (or held by a preview agent) is not due: its next try
    # is set when the call ends.
    due = max(0, due - figures.held(campaign.id))
    outcomes: Counter[str] = Counter()
    for cause, connected, mailbox, contacts in figures.final_calls(campaign, now):
        outcomes[classify(cause, connected, mailbox).value] += contacts
    midnight = datetime.combine(now.astimezone(ZoneInfo(campaign.time_zone)).date(), time(0),
                                tzinfo=ZoneInfo(campaign.time_zone))  # fmt: skip
    calls_today, connects_today = figures.calls_since(campaign.id, midnight)
    answered, abandoned = figures.live_answers(campaign.id, now - ABANDON_WINDOW)
    last_hour, _ = figures.calls_since(campaign.id, now - timedelta(hours=1))
    left = total - done
    agents = AgentRepository(session, tenant_id).count_by_state(campaign.id)
    return {
        "DiallerCampaignsID": campaign.id,
        "DialingState": campaign.dialing_state,
        "DialingMode": campaign.dialing_mode,
        "ContactsTotal": total,
        "DueNow": due,
        "Waiting": left - due,
        "Done": done,
        "DoneByOutcome": dict(sorted(outcomes.items())),
        "RefusedNow": figures.refused_since(campaign.id, now - RECENT),
        "CallsInFlight": EngineRepository(session, tenant_id).in_flight(campaign.id),
        "AttemptsToday": calls_today,
        "ConnectsToday": connects_today,
        "AbandonRate30Days": round(abandoned / answered, 4) if answered else None,
        "AgentsByState": dict(sorted(agents.items())),
        "EstimatedDoneAt": (
            now + timedelta(hours=left / last_hour) if left and last_hour else None
        ),
    }
