"""Agents: who takes a tenant's answered calls, in which state; each acting only as itself."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import Session

from opendialer.auth.principal import Principal, Role
from opendialer.db.base import utcnow
from opendialer.db.repository import TenantRepository
from opendialer.dialler.service import CampaignService
from opendialer.engine.models import SETTABLE_STATES, Agent
from opendialer.errors import Conflict, Forbidden, Invalid, NotFound


class AgentRepository(TenantRepository):
    def all(self) -> Sequence[Agent]:
        return self.session.scalars(self.scoped(Agent).order_by(Agent.id)).all()

    def get(self, agent_id: int, *, for_update: bool = False) -> Agent | None:
        query = self.scoped(Agent, by_key=True).where(Agent.id == agent_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def locked(self, agent_ids: Collection[int]) -> list[Agent]:
        """The agents among `agent_ids`, locked in the order of their ids."""
        query = (
            self.scoped(Agent, by_key=True)
            .where(Agent.id.in_(list(agent_ids)))
            .order_by(Agent.id)
            .with_for_update()
        )
        return list(self.session.scalars(query))

    def ready(self, campaign_id: int, limit: int) -> list[Agent]:
        """Up to `limit` ready agents who work the campaign (or any), the longest ready first,
        locked (on PostgreSQL, those another engine is reserving are skipped)."""
        query = (
            self.scoped(Agent)
            .where(
                Agent.state == "ready",
                (Agent.campaign_id == campaign_id) | Agent.campaign_id.is_(None),
            )
            .order_by(Agent.state_since, Agent.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.scalars(query))

    def count_ready(self, campaign_id: int) -> int:
        """The ready agents who work the campaign (or any)."""
        query = self.scoped(Agent, func.count()).where(
            Agent.state == "ready",
            (Agent.campaign_id == campaign_id) | Agent.campaign_id.is_(None),
        )
        return int(self.session.execute(query).scalar_one())

    def count_by_state(self, campaign_id: int) -> dict[str, int]:
        """The agents who work the campaign (or any), by state."""
        query = (
            self.scoped(Agent, Agent.state, func.count())
            .where((Agent.campaign_id == campaign_id) | Agent.campaign_id.is_(None))
            .group_by(Agent.state)
        )
        return {state: int(count) for state, count in self.session.execute(query)}

    def add(self, agent: Agent) -> Agent:
        agent.tenant_id = self.tenant_id
        self.session.add(agent)
        self.session.flush()
        return agent


class AgentService:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.agents = AgentRepository(session, tenant_id)
        self.session = session
        self.tenant_id = tenant_id

    def create(
        self, name: str, client_id: str | None, campaign_id: int | None, *, simulated: bool = False
    ) -> Agent:
        if not name.strip():
            raise Invalid("missing mandatory field(s): Name")
        if campaign_id is not None:
            CampaignService(self.session, self.tenant_id).resolve(campaign_id, None)
        state = "ready" if simulated else "signed_out"
        agent = Agent(
            name=name,
            client_id=client_id,
            campaign_id=campaign_id,
            state=state,
            state_since=utcnow(),
            simulated=simulated,
        )
        return self.agents.add(agent)

    def list(self) -> Sequence[Agent]:
        return self.agents.all()

    def get(self, agent_id: int) -> Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise NotFound(f"dialler agent {agent_id} not found")
        return agent

    def acting(self, agent_id: int, principal: Principal) -> Agent:
        """The agent, locked, as `principal` acts for it: as itself (an agent's token) or for
        it (an account admin's)."""
        agent = self.agents.get(agent_id, for_update=True)
        if agent is None:
            raise NotFound(f"dialler agent {agent_id} not found")
        if principal.role is Role.AGENT and agent.client_id != principal.subject:
            raise Forbidden(f"an agent acts only as itself, not as dialler agent {agent_id}")
        return agent

    def set_state(self, agent_id: int, state: str, principal: Principal) -> Agent:
        """An agent signs in and out, gets ready, not ready, or finishes wrap-up."""
        agent = self.acting(agent_id, principal)
        if state not in SETTABLE_STATES:
            raise Invalid(f"State must be one of {', '.join(SETTABLE_STATES)}")
        if agent.state in ("reserved", "on_call"):
            raise Conflict(
                f"dialler agent {agent_id} is {agent.state.replace('_', ' ')}: its state changes "
                "when the call ends"
            )
        agent.state, agent.state_since = state, utcnow()
        self.session.flush()
        return agent


def reserve(agent: Agent, attempt_id: int, now: datetime) -> None:
    """The agent is held for one call (or, in preview mode, one contact): it takes no other,
    and changes state only when the call ends."""
    agent.state, agent.state_since = "reserved", now
    agent.attempt_id = agent.last_attempt_id = attempt_id


def release(agent: Agent, now: datetime, *, talked: bool) -> None:
    """An agent's call is over: wrap-up after a conversation (a simulated agent's ends by
    itself), ready again when the call never reached them."""
    agent.state = "wrap_up" if talked else "ready"
    agent.state_since, agent.attempt_id = now, None
