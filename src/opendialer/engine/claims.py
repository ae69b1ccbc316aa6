"""Claiming a campaign's due contacts: each is judged by the compliance gate, the allowed get
an attempt on their best number, the refused are logged and wait for their next allowed time.
The engine claims this way for the calls it places, an agent for the contact it previews."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from opendialer.compliance.repository import NUMBER_COLUMNS
from opendialer.compliance.rules import Mode
from opendialer.compliance.service import ComplianceService, Judgement
from opendialer.dialler.models import Campaign
from opendialer.dialler.schedule import parse_hours
from opendialer.engine.agents import AgentRepository, release
from opendialer.engine.models import DIALING, Attempt
from opendialer.engine.repository import EngineRepository

# The fewest due contacts a claim reads.
CLAIM_LEAST = 50
# A contact refused for what only a change of data lifts is asked about again after this.
RECHECK = timedelta(hours=1)
# The modes whose calls the engine places: by itself, or (preview) as its agents ask.
DIALED_MODES = ("agentless", "progressive", "power", "preview")


def claim(
    claims: EngineRepository,
    campaign: Campaign,
    now: datetime,
    room: int,
    *,
    engine_id: int,
    mode: Mode,
    state: str = DIALING,
    confirm: Callable[[], int] | None = None,
) -> tuple[list[Attempt], int]:
    """Up to `room` attempts (in `state`, flushed) on the campaign's due contacts the gate
    allows at `now` as `mode` dials; answers them and how many of the gate's decisions were
    acted on (a number called or a contact's refusals logged). `confirm`, when given, is
    asked once the gate has judged, just before the attempts are stored, how many there is
    room for then (fewer are stored if fewer)."""
    # A few more than there is room for, in case some are refused (and never fewer than
    # CLAIM_LEAST: a campaign of one call a second whose first due contacts are all refused,
    # at night where they live, would otherwise reach its callable ones two a claim); the
    # allowed ones left over are judged again at a later claim.
    ids = claims.due_contacts(campaign, now, max(room + room // 4 + 1, CLAIM_LEAST))
    if not ids:
        return [], 0
    gate = ComplianceService(claims.session, claims.tenant_id)
    ring = timedelta(seconds=campaign.ring_timeout_seconds)
    rows = {row["id"]: row for row in gate.contact_rows(ids)}
    judged = gate.judge_contacts(list(rows.values()), now, mode=mode, ring=ring)
    by_contact: defaultdict[int, list[Judgement]] = defaultdict(list)
    for judgement in judged:
        by_contact[judgement.contact_id or 0].append(judgement)
    attempts: list[Attempt] = []
    refused: list[Judgement] = []
    next_tries: dict[int, datetime] = {}
    for contact_id in ids:
        judgements = by_contact.get(contact_id, [])
        chosen = _best(judgements, rows.get(contact_id))
        if chosen is None:
            refused += judgements
            next_tries[contact_id] = next_allowed(judgements, now)
        elif len(attempts) < room:
            # Its open attempt keeps it from being claimed again; its outcome sets its next
            # try (a contact row rewritten once per call, not twice).
            attempts.append(_attempt(campaign, chosen, engine_id, now, state))
    gate.record(refused, now)
    claims.postpone(next_tries)
    if confirm is not None and attempts:
        # The campaign is locked now: another engine that claimed a contact after this claim
        # began reading (and so was not seen to) has committed its attempt; that contact is
        # let go. Left out too when the room is gone, an allowed contact stays due and is
        # judged again at a later claim.
        room = confirm()
        taken = claims.with_open_attempts([attempt.contact_id for attempt in attempts])
        free = [attempt for attempt in attempts if attempt.contact_id not in taken]
        attempts = free[: max(0, room)]
    claims.add(attempts)
    acted = [*next_tries, *(attempt.contact_id for attempt in attempts)]
    return attempts, sum(len(by_contact[contact_id]) for contact_id in acted)


def judge_again(
    claims: EngineRepository, campaign: Campaign, attempt: Attempt, now: datetime
) -> tuple[bool, list[Judgement]]:
    """Whether the gate allows the attempt's number at `now`, as an agent's preview call, and
    its refusals when not: recorded, and the contact waits for its next allowed time. A number
    gone from the contact since it was claimed is not allowed."""
    gate = ComplianceService(claims.session, claims.tenant_id)
    ring = timedelta(seconds=campaign.ring_timeout_seconds)
    rows = gate.contact_rows([attempt.contact_id])
    judged = [
        j
        for j in gate.judge_contacts(rows, now, mode=Mode.PREVIEW, ring=ring)
        if j.offset == attempt.phone_number_offset and j.e164 == attempt.phone_e164
    ]
    if judged and all(j.decision.allowed for j in judged):
        return True, []
    refused = [j for j in judged if not j.decision.allowed]
    gate.record(refused, now)
    claims.postpone({attempt.contact_id: next_allowed(refused, now)})
    return False, refused


def close_unplaced(session: Session, attempt: Attempt, state: str, now: datetime) -> None:
    """Close an attempt whose call was never placed (`state` says why: skipped by its agent,
    refused by the gate), and let its agent take another."""
    attempt.state, attempt.ended_at, attempt.outcome = state, now, state
    if attempt.agent_id is not None:
        agent = AgentRepository(session, attempt.tenant_id).get(attempt.agent_id, for_update=True)
        if agent is not None and agent.attempt_id == attempt.id:
            release(agent, now, talked=False)


def within_callable_hours(campaign: Campaign, now: datetime) -> bool:
    """Whether `now` is inside the campaign's callable hours (in its time zone), if it sets
    any: they narrow the gate's, never widen them."""
    if campaign.callable_hours is None:
        return True
    local = now.astimezone(ZoneInfo(campaign.time_zone))
    return parse_hours(campaign.callable_hours).allows(local)


def next_allowed(judgements: Sequence[Judgement], now: datetime) -> datetime:
    """When a refused contact is asked about again: the earliest moment the gate said one of
    its numbers could be allowed, or after RECHECK when only a change of data can help."""
    moments = [j.decision.next_allowed_at for j in judgements if j.decision.next_allowed_at]
    return min(moments, default=now + RECHECK)


def _best(judgements: Sequence[Judgement], row: object) -> Judgement | None:
    """The number to call: of those the gate allows, the one tried least, then the first."""
    allowed = [j for j in judgements if j.decision.allowed and j.e164 and j.offset]
    if not allowed or row is None:
        return None
    return min(allowed, key=lambda j: (_tries(row, j.offset or 0), j.offset))


def _tries(row: object, offset: int) -> int:
    return int(row[NUMBER_COLUMNS[offset - 1].tries] or 0)  # type: ignore[index]


def _attempt(
    campaign: Campaign, chosen: Judgement, engine_id: int, now: datetime, state: str
) -> Attempt:
    assert chosen.contact_id is not None and chosen.offset is not None and chosen.e164
    return Attempt(
        tenant_id=campaign.tenant_id,
        campaign_id=campaign.id,
        contact_id=chosen.contact_id,
        engine_id=engine_id,
        phone_number_offset=chosen.offset,
        phone_e164=chosen.e164,
        caller_id=campaign.caller_id,
        mode=campaign.dialing_mode,
        state=state,
        started_at=now,
    )
