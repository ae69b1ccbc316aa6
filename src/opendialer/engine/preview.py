"""Preview dialing: an agent asks for the next due contact of its campaign, sees it, then asks
for the call (which the next engine round places, once the gate has judged it again) or
skips it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from opendialer.auth.principal import Principal
from opendialer.compliance.repository import NUMBER_COLUMNS
from opendialer.compliance.rules import Mode
from opendialer.compliance.service import Judgement
from opendialer.dialler.models import Campaign, Contact
from opendialer.dialler.service import CampaignService, ContactService
from opendialer.engine.agents import AgentService, reserve
from opendialer.engine.claims import claim, close_unplaced, judge_again, within_callable_hours
from opendialer.engine.models import (
    DIALING,
    PREVIEW,
    QUEUED,
    REFUSED,
    SKIPPED,
    Agent,
    Attempt,
)
from opendialer.engine.repository import EngineRepository
from opendialer.errors import Conflict, Invalid


@dataclass
class Preview:
    """What an agent previews: the attempt that holds the contact, and the contact; with the
    gate's refusals when the call it asked for was refused."""

    attempt: Attempt
    contact: Contact
    refusals: list[Judgement] = field(default_factory=list)


class PreviewService:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.agents = AgentService(session, tenant_id)
        self.claims = EngineRepository(session, tenant_id)

    def next(self, agent_id: int, principal: Principal, now: datetime) -> Preview | None:
        """Hold the next due contact the gate allows an agent to call, of the agent's campaign
        (or of the tenant's running preview campaigns, the highest priority first), for a
        ready agent; None when no contact is due."""
        agent = self.agents.acting(agent_id, principal)
        if agent.state != "ready":
            raise Conflict(
                f"dialler agent {agent_id} is {agent.state.replace('_', ' ')}: only a ready "
                "agent previews a contact"
            )
        for campaign in self._campaigns(agent):
            if not within_callable_hours(campaign, now):
                continue
            attempts, _ = claim(
                self.claims, campaign, now, 1, engine_id=0, mode=Mode.PREVIEW, state=PREVIEW
            )
            if attempts:
                attempt = attempts[0]
                attempt.agent_id = agent.id
                reserve(agent, attempt.id, now)
                return self._preview(attempt)
        return None

    def dial(
        self, agent_id: int, principal: Principal, now: datetime, offset: int | None = None
    ) -> Preview:
        """Ask for the call to the previewed contact (on another of its numbers with
        `offset`): the gate judges it again now; allowed, the next engine round places it;
        refused, the contact is let go and the agent is ready again."""
        attempt = self._previewed(agent_id, principal, (PREVIEW,))
        campaign = self._campaign(attempt)
        if offset is not None and offset != attempt.phone_number_offset:
            contact = ContactService(self.session, self.tenant_id).get(attempt.contact_id)
            e164 = getattr(contact, NUMBER_COLUMNS[offset - 1].e164)
            if not e164:
                raise Invalid(
                    f"PhoneNumberOffset: dialler contact {contact.id} has no phone number {offset}"
                )
            attempt.phone_number_offset, attempt.phone_e164 = offset, e164
        allowed, refusals = judge_again(self.claims, campaign, attempt, now)
        if allowed:
            attempt.state = QUEUED
        else:
            close_unplaced(self.session, attempt, REFUSED, now)
        self.session.flush()
        return self._preview(attempt, refusals)

    def skip(self, agent_id: int, principal: Principal, now: datetime) -> Preview:
        """Let the previewed contact go without a call (also once the call is asked for, until
        an engine places it): it waits the campaign's no-answer retry delay, and the agent is
        ready for the next."""
        attempt = self._previewed(agent_id, principal, (PREVIEW, QUEUED))
        campaign = self._campaign(attempt)
        close_unplaced(self.session, attempt, SKIPPED, now)
        delay = timedelta(seconds=campaign.retry_delay_no_answer)
        self.claims.postpone({attempt.contact_id: now + delay})
        self.session.flush()
        return self._preview(attempt)

    def _campaigns(self, agent: Agent) -> list[Campaign]:
        if agent.campaign_id is None:
            return self.claims.running(Mode.PREVIEW)
        campaign = CampaignService(self.session, self.tenant_id).get(agent.campaign_id)
        if campaign.dialing_mode != Mode.PREVIEW:
            raise Conflict(f"dialler campaign {agent.campaign_id} does not dial in preview mode")
        if campaign.dialing_state != "running":
            raise Conflict(f"dialler campaign {campaign.id} is {campaign.dialing_state}")
        return [campaign]

    def _previewed(self, agent_id: int, principal: Principal, states: tuple[str, ...]) -> Attempt:
        """The attempt holding the contact the agent previews, locked, in one of `states`."""
        agent = self.agents.acting(agent_id, principal)
        attempt = None
        if agent.attempt_id is not None:
            attempt = self.claims.attempt(agent.attempt_id, for_update=True)
        if attempt is None:
            raise Conflict(f"dialler agent {agent_id}: it previews no contact")
        if attempt.state not in states:
            state = {QUEUED: "asked for", DIALING: "placed"}.get(attempt.state, attempt.state)
            raise Conflict(f"dialler agent {agent_id}: its call is {state} already")
        return attempt

    def _campaign(self, attempt: Attempt) -> Campaign:
        return CampaignService(self.session, self.tenant_id).get(attempt.campaign_id)

    def _preview(self, attempt: Attempt, refusals: list[Judgement] | None = None) -> Preview:
        contact = ContactService(self.session, self.tenant_id).get(attempt.contact_id)
        return Preview(attempt, contact, refusals or [])
