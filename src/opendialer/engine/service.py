"""The engine's loop. Each round it takes the due contacts of running campaigns, asks the
compliance gate about each, writes an attempt per call and commits it before the adapter is
asked to call; then it hears what became of the calls under way and records each outcome on
the one outcome path, idempotently by attempt. Engines share a database: on PostgreSQL they
claim contacts with SKIP LOCKED, on SQLite one of them holds a lease and the others wait; an
engine that starts closes the attempts a dead one left open."""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import os
import random
import signal
import socket
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from opendialer.compliance.rules import Mode
from opendialer.db.session import Database
from opendialer.dialler.causes import classify
from opendialer.dialler.models import Campaign
from opendialer.dialler.schemas import CallResult
from opendialer.engine import repository
from opendialer.engine.agents import AgentRepository, AgentService, release, reserve
from opendialer.engine.carrier import SimulatedCarrier
from opendialer.engine.claims import (
    DIALED_MODES,
    claim,
    close_unplaced,
    judge_again,
    within_callable_hours,
)
from opendialer.engine.clock import Clock, RealClock
from opendialer.engine.models import DIALING, ENDED, REFUSED, Attempt
from opendialer.engine.progress import ABANDON_WINDOW
from opendialer.engine.repository import EngineRepository, ProgressRepository
from opendialer.engine.telephony import (
    Answered,
    AnswerType,
    CallEvent,
    CallRequest,
    Connected,
    Ended,
    Ringing,
    Telephony,
)
from opendialer.errors import DomainError
from opendialer.outcomes.service import record_calls

log = logging.getLogger("opendialer.engine")

# How often an engine says it lives, and how long a silent one is taken for gone.
HEARTBEAT = timedelta(seconds=5)
DEAD_AFTER = timedelta(seconds=30)
# How long the SQLite lease lasts unless renewed.
LEASE = timedelta(seconds=15)
# How often an engine claims calls: claiming is a few look-ups, and a busy campaign's calls end
# by the hundred each second.
CLAIM_EVERY = timedelta(seconds=0.25)
# The most calls one claim places: a claim is one transaction, judged whole by the gate, and an
# engine claiming for seconds on end would say late that it lives (and look gone to another).
CLAIM_MOST = 1000
# Ended calls are recorded together, at most this long after they ended (or when this many
# wait): one transaction for many. An engine that dies before takes them along; the one that
# closes its attempts records them as failed.
RECORD_EVERY = timedelta(seconds=0.2)
RECORD_BATCH = 200
# An attempt left open by a dead engine is closed this long after its ring time ran out.
ORPHAN_MARGIN = timedelta(seconds=60)
# The cause an attempt left open by a dead engine is closed with: temporary failure.
CAUSE_ORPHANED = 41
# A simulated agent's mean wrap-up after a conversation, in seconds.
WRAP_SECONDS = 10.0
# Played to the answered calls of an agentless campaign.
MESSAGE = "a message from your loan servicer: please call us back"


@dataclass(slots=True)
class _Call:
    """A call this engine placed and hears about: what it heard is kept here and written
    with its outcome. (An engine that dies takes it along: the one that closes its attempts
    takes each call for one that rang.)"""

    attempt_id: int
    tenant_id: int
    campaign_id: int
    mode: str
    alerted_at: datetime | None = None
    answered_at: datetime | None = None
    answer_type: str | None = None
    connected_at: datetime | None = None
    agent_id: int | None = None


@dataclass(slots=True)
class _Closing:
    """An open attempt being closed: what its outcome is recorded from."""

    id: int
    contact_id: int
    phone_number_offset: int
    phone_e164: str
    caller_id: str | None
    started_at: datetime
    alerted_at: datetime | None
    answered_at: datetime | None
    answer_type: str | None
    connected_at: datetime | None
    agent_id: int | None

    @classmethod
    def heard(
        cls,
        stored: Any,
        alerted_at: datetime | None,
        answered_at: datetime | None,
        answer_type: str | None,
        connected_at: datetime | None,
        agent_id: int | None,
    ) -> _Closing:
        """The attempt as stored (its row, or the attempt itself), with what its call heard."""
        return cls(
            stored.id, stored.contact_id, stored.phone_number_offset, stored.phone_e164,
            stored.caller_id, stored.started_at, alerted_at, answered_at, answer_type,
            connected_at, agent_id,
        )  # fmt: skip


class Engine:
    def __init__(
        self,
        database: Database,
        telephony: Telephony,
        clock: Clock,
        *,
        tick: float = 1.0,
        name: str | None = None,
        simulate_agents: int = 0,
        seed: int = 0,
    ) -> None:
        self.database = database
        self.telephony = telephony
        self.clock = clock
        self.tick = tick
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.engine_id = 0
        self.calls: dict[int, _Call] = {}
        self.placed = 0
        self.judged = 0  # the gate's decisions acted on: numbers called or refused
        self.waited_for: list[int] = []  # the engines whose SQLite lease this one waited out
        self._beaten: datetime | None = None
        self._next_claim: datetime | None = None
        self._ended: list[tuple[_Call, Ended]] = []
        self._record_at = clock.now()
        self._held_until: datetime | None = None
        self._full = False
        self.simulate_agents = simulate_agents
        self._wrapping: list[tuple[datetime, int, int]] = []
        self._agent_rng = random.Random(seed)
        self._sqlite = database.engine.dialect.name == "sqlite"

    # -- the loop ----------------------------------------------------------------------------

    async def run(
        self, stop: Callable[[], bool] = lambda: False, *, until_idle: bool = False
    ) -> None:
        """Dial until `stop()` is true (or, with `until_idle`, until a round places no call,
        none is under way, no simulated agent is wrapping up and no campaign was full); then
        hang up what is under way and record how it ended."""
        with self.database.transaction() as session:
            self.engine_id = repository.register(session, self.name, self.clock.now())
        log.info("engine %s (%s) started", self.engine_id, self.name)
        if self.simulate_agents:
            self._sign_in_simulated()
        waiting_for: int | None = None
        try:
            while not stop():
                holder = self._hold()
                if holder != self.engine_id:
                    if holder != waiting_for:
                        log.warning("engine %s holds the SQLite lease: waiting", holder)
                        waiting_for = holder
                        self.waited_for.append(holder)
                    await self.clock.sleep(LEASE.total_seconds() / 3)
                    continue
                waiting_for = None
                placed = await self.round()
                busy = self.calls or self._wrapping or self._full
                if until_idle and placed == 0 and not busy:
                    break
        finally:
            await self._wind_down()

    async def round(self) -> int | None:
        """One round: claim and place calls (every CLAIM_EVERY), then hear and record what
        became of those under way. Answers how many calls were placed, None when it was not
        yet time to claim."""
        self._beat()
        now, placed = self.clock.now(), None
        self._end_wrap_ups(now)
        if self._next_claim is None or now >= self._next_claim:
            self._next_claim, placed, self._full = now + CLAIM_EVERY, 0, False
            with self.database.transaction(write=False) as session:
                campaigns = [(c.tenant_id, c.id) for c in repository.running_campaigns(session)]
                running = {campaign_id for _, campaign_id in campaigns}
                others = {c.campaign_id for c in self.calls.values()} - running
                states = repository.dialing_states(session, others) if others else {}
            await self._hang_up_stopped(others, states)
            for tenant_id, campaign_id in campaigns:
                for request, attempt in self._claim(tenant_id, campaign_id):
                    self.calls[request.call_id] = _Call(
                        request.call_id, tenant_id, campaign_id, attempt.mode,
                        agent_id=attempt.agent_id,
                    )  # fmt: skip
                    await self.telephony.place(request)
                    placed += 1
            self.placed += placed
            if not placed:
                # Nothing to place: ask again after a tick, not at once.
                self._next_claim = now + timedelta(seconds=self.tick)
        # Woken for the next claim while calls are under way, after a tick when none is.
        timeout = self.tick
        if placed is None and self.calls:
            timeout = min(self.tick, CLAIM_EVERY.total_seconds())
        for event in await self.telephony.events(timeout):
            await self.hear(event)
        self.record_ended()
        return placed

    async def _hang_up_stopped(self, others: set[int], states: dict[int, str]) -> None:
        """Hang up the calls still ringing of campaigns no longer running (`others`, with
        `states` of those that still exist): stopped or deleted since the calls were placed.
        A paused campaign's calls end as they would."""
        for call in list(self.calls.values()):
            ringing = call.answered_at is None and call.campaign_id in others
            if ringing and states.get(call.campaign_id, "stopped") != "paused":
                await self.telephony.hang_up(call.attempt_id)

    def _sign_in_simulated(self) -> None:
        """Simulated agents, `simulate_agents` of them in each tenant with a running campaign,
        signed in and ready: each talks as long as the simulated carrier's consumer does, and
        wraps up for an exponentially distributed time (WRAP_SECONDS on average)."""
        with self.database.transaction() as session:
            tenants = {c.tenant_id for c in repository.running_campaigns(session)}
            for tenant_id in sorted(tenants):
                agents = AgentService(session, tenant_id)
                simulated = [a for a in agents.list() if a.simulated]
                for n in range(len(simulated), self.simulate_agents):
                    simulated.append(agents.create(f"simulated {n + 1}", None, None,
                                                   simulated=True))  # fmt: skip
                for agent in simulated:
                    if agent.state in ("signed_out", "not_ready", "wrap_up"):
                        agent.state, agent.state_since = "ready", self.clock.now()

    def _end_wrap_ups(self, now: datetime) -> None:
        """Simulated agents whose wrap-up is over are ready again."""
        due = []
        while self._wrapping and self._wrapping[0][0] <= now:
            due.append(heapq.heappop(self._wrapping))
        if due:
            with self.database.transaction() as session:
                for ready_at, tenant_id, agent_id in due:
                    agent = AgentRepository(session, tenant_id).get(agent_id, for_update=True)
                    if agent is not None and agent.state == "wrap_up":
                        agent.state, agent.state_since = "ready", ready_at

    def _agent_now(self, tenant_id: int, agent_id: int, state: str, at: datetime) -> None:
        with self.database.transaction() as session:
            agent = AgentRepository(session, tenant_id).get(agent_id, for_update=True)
            if agent is not None:
                agent.state, agent.state_since = state, at

    async def _wind_down(self) -> None:
        if self.engine_id and self.calls:
            for call_id in list(self.calls):
                await self.telephony.hang_up(call_id)
            for _ in range(10):
                events = await self.telephony.events(0)
                for event in events:
                    await self.hear(event)
                if not self.calls:
                    break
        self._record_at = self.clock.now()
        self.record_ended()
        await self.telephony.close()
        if self.engine_id:
            with self.database.transaction() as session:
                repository.beat(session, self.engine_id, self.clock.now(), stopped=True)
                if self._sqlite:
                    repository.release_lease(session, self.engine_id)
            log.info("engine %s stopped after placing %s calls", self.engine_id, self.placed)

    # -- sharing the database ----------------------------------------------------------------

    def _hold(self) -> int:
        """The engine that may dial now: this one on PostgreSQL; on SQLite, the lease's holder
        (this one when the lease was free, expired or its own)."""
        if not self._sqlite:
            return self.engine_id
        now = self.clock.now()
        if self._held_until is not None and now < self._held_until:
            return self.engine_id
        with self.database.transaction() as session:
            holder = repository.take_lease(session, self.engine_id, now, LEASE)
        self._held_until = now + LEASE / 3 if holder == self.engine_id else None
        return holder

    def _beat(self) -> None:
        """Say this engine lives, and close what dead ones left open, every HEARTBEAT."""
        now = self.clock.now()
        if self._beaten is not None and now - self._beaten < HEARTBEAT:
            return
        self._beaten = now
        with self.database.transaction() as session:
            repository.beat(session, self.engine_id, now)
        self.close_orphans()

    def close_orphans(self) -> int:
        """Close, as failed, the attempts that engines now gone left open once their ring time
        (and a margin) has run out: nobody will hear how they ended. Their contacts' next try
        follows from the campaign's retry delay, as for any failed call. Answers how many."""
        now = self.clock.now()
        closed = 0
        with self.database.transaction() as session:
            found = repository.orphaned(session, self.engine_id, now - DEAD_AFTER, limit=500)
            rings = repository.ring_times(session, {attempt.campaign_id for attempt in found})
            for attempt in found:
                if attempt.started_at + rings[attempt.campaign_id] + ORPHAN_MARGIN > now:
                    continue
                # Whether it rang is not known: it is taken to have, the reading that calls
                # less (it counts towards the debt's calls).
                closing = _Closing.heard(
                    attempt, attempt.alerted_at or attempt.started_at, attempt.answered_at,
                    attempt.answer_type, attempt.connected_at, attempt.agent_id,
                )  # fmt: skip
                ended = max(attempt.started_at, attempt.answered_at or attempt.started_at)
                _record(session, attempt.tenant_id,
                        [(closing, Ended(attempt.id, ended, CAUSE_ORPHANED, 0))])  # fmt: skip
                if attempt.agent_id is not None:
                    agents = AgentRepository(session, attempt.tenant_id)
                    agent = agents.get(attempt.agent_id, for_update=True)
                    if agent is not None and agent.attempt_id == attempt.id:
                        release(agent, now, talked=False)
                closed += 1
        if closed:
            log.warning("closed %s attempts left open by engines that are gone", closed)
        return closed

    # -- placing calls -----------------------------------------------------------------------

    def _claim(self, tenant_id: int, campaign_id: int) -> list[tuple[CallRequest, Attempt]]:
        """Claim the calls the campaign may place now, each an attempt committed before it
        is placed; refused contacts are logged and wait for their next allowed time. In
        preview mode, the calls its agents asked for, judged again."""
        now = self.clock.now()
        with self.database.transaction() as session:
            claims = EngineRepository(session, tenant_id)

            def room_now() -> int:
                # Under the campaign's lock, held until the attempts are committed: the lines
                # and calls per second hold across the engines that share it.
                locked = claims.lock_campaign(campaign_id)
                if locked is None or locked.dialing_state != "running":
                    return 0
                return self._room(claims, locked, now)

            campaign = claims.campaign(campaign_id)
            if campaign is None or campaign.dialing_state != "running":
                return []
            if campaign.dialing_mode == "preview":
                room = room_now()
                attempts = self._asked_for(claims, campaign, now, room) if room > 0 else []
            else:
                # The gate judges the due contacts before the campaign is locked, so that
                # engines sharing it judge side by side; the room is worked out again under
                # the lock before the attempts are stored.
                room = self._room(claims, campaign, now)
                attempts = (
                    self._claim_due(claims, campaign, now, room, room_now) if room > 0 else []
                )
            ring = float(campaign.ring_timeout_seconds)
            # Machines are told apart in every mode: an agent is not handed one unless it
            # asked for the call, and a message is left on one after its greeting.
            return [(CallRequest(a.id, a.phone_e164, a.caller_id, ring, True), a)
                    for a in attempts]  # fmt: skip

    def _claim_due(
        self,
        claims: EngineRepository,
        campaign: Campaign,
        now: datetime,
        room: int,
        room_now: Callable[[], int],
    ) -> list[Attempt]:
        agents = []
        if campaign.dialing_mode == "progressive":
            # An agent is reserved before its call is placed: no answered call waits.
            agents = AgentRepository(claims.session, claims.tenant_id).ready(campaign.id, room)
            room = len(agents)
            if not room:
                return []
        attempts, judged = claim(
            claims, campaign, now, room, engine_id=self.engine_id,
            mode=Mode(campaign.dialing_mode), confirm=room_now,
        )  # fmt: skip
        self.judged += judged
        for attempt, agent in zip(attempts, agents, strict=False):
            attempt.agent_id = agent.id
            reserve(agent, attempt.id, now)
        return attempts

    def _asked_for(
        self, claims: EngineRepository, campaign: Campaign, now: datetime, room: int
    ) -> list[Attempt]:
        """The calls the preview campaign's agents asked for, judged again just before they
        are placed; one the gate now refuses is closed without a call, its agent ready."""
        placing = []
        for attempt in claims.queued(campaign.id, room):
            self.judged += 1
            allowed, _ = judge_again(claims, campaign, attempt, now)
            if allowed:
                attempt.state, attempt.engine_id, attempt.started_at = DIALING, self.engine_id, now
                placing.append(attempt)
            else:
                close_unplaced(claims.session, attempt, REFUSED, now)
        return placing

    def _room(self, claims: EngineRepository, campaign: Campaign, now: datetime) -> int:
        """How many calls the campaign may place now: within its lines, its calls per second
        and its callable hours (in progressive mode, its ready agents; in power mode, DialRatio
        calls per ready agent; in preview mode, the calls its agents asked for)."""
        if campaign.dialing_mode not in DIALED_MODES:
            return 0
        if not within_callable_hours(campaign, now):
            return 0
        lines = campaign.max_lines - claims.in_flight(campaign.id)
        # Calls per second, over a window long enough to hold one call at a slow rate.
        window = max(1.0, 1 / campaign.max_calls_per_second)
        allowed = int(campaign.max_calls_per_second * window + 1e-9)
        started = claims.started_since(campaign.id, now - timedelta(seconds=window))
        room = min(lines, allowed - started, CLAIM_MOST)
        # Full (its lines in use, here or in another engine, or its calls per second spent):
        # there may be more to dial once they free up.
        self._full = self._full or room <= 0
        if campaign.dialing_mode == "power":
            room = min(room, self._power_room(claims.session, campaign, now))
        return room

    def _power_room(self, session: Session, campaign: Campaign, now: datetime) -> int:
        """In power mode, DialRatio calls per ready agent, less the calls not yet taken by an
        agent; one per ready agent once the campaign's abandon rate over 30 days has reached
        its AbandonRateLimit, so that it goes no higher."""
        agents = AgentRepository(session, campaign.tenant_id)
        ready = agents.count_ready(campaign.id)
        answered, abandoned = ProgressRepository(session, campaign.tenant_id).live_answers(
            campaign.id, now - ABANDON_WINDOW
        )
        rate = abandoned / answered if answered else 0.0
        ratio = campaign.dial_ratio if rate < campaign.abandon_rate_limit else 1.0
        waiting = EngineRepository(session, campaign.tenant_id).without_agent(campaign.id)
        return math.ceil(ratio * ready) - waiting

    def _take_an_agent(self, call: _Call) -> int | None:
        """In power mode, the ready agent (the longest ready) a person's answer is connected
        to, reserved now with the attempt; None when every agent is busy."""
        with self.database.transaction() as session:
            found = AgentRepository(session, call.tenant_id).ready(call.campaign_id, 1)
            attempt = EngineRepository(session, call.tenant_id).attempt(call.attempt_id)
            if not found or attempt is None:
                return None
            agent = found[0]
            reserve(agent, call.attempt_id, self.clock.now())
            attempt.agent_id = agent.id
            return agent.id

    # -- hearing about calls -----------------------------------------------------------------

    async def hear(self, event: CallEvent) -> None:
        """Note what became of a call, and record its outcome once it ended; an answered
        agentless call hears its message."""
        call = self.calls.get(event.call_id)
        if call is None:
            return
        if isinstance(event, Ringing):
            call.alerted_at = event.at
        elif isinstance(event, Answered):
            call.answered_at, call.answer_type = event.at, event.answer_type.value
            if call.mode == "agentless":
                await self.telephony.play(event.call_id, MESSAGE)
            elif event.answer_type is AnswerType.MACHINE and call.mode != "preview":
                await self.telephony.hang_up(event.call_id)
            else:
                if call.agent_id is None and call.mode == "power":
                    call.agent_id = self._take_an_agent(call)
                if call.agent_id is None:
                    # No agent to take it: the call is abandoned (the abandon rate counts it).
                    await self.telephony.hang_up(event.call_id)
                else:
                    await self.telephony.connect(event.call_id, call.agent_id)
        elif isinstance(event, Connected):
            call.connected_at, call.agent_id = event.at, event.agent_id
            self._agent_now(call.tenant_id, event.agent_id, "on_call", event.at)
        elif isinstance(event, Ended):
            del self.calls[event.call_id]
            self._ended.append((call, event))

    def record_ended(self, *, now: datetime | None = None) -> int:
        """Record the outcomes of the calls that ended, in one transaction, once RECORD_EVERY
        has passed since the last time or many wait: each tenant's together, or, when one
        call of them cannot be recorded, each in a savepoint of its own, so that it holds up
        no other. Answers how many."""
        now = now or self.clock.now()
        if not self._ended or (len(self._ended) < RECORD_BATCH and now < self._record_at):
            return 0
        ended, self._ended = self._ended, []
        self._record_at = now + RECORD_EVERY
        by_tenant: defaultdict[int, list[tuple[_Call, Ended]]] = defaultdict(list)
        for call, event in ended:
            by_tenant[call.tenant_id].append((call, event))
        with self.database.transaction() as session:
            for tenant_id, calls in by_tenant.items():
                try:
                    with session.begin_nested():
                        self._close(session, tenant_id, calls)
                except DomainError:
                    for one in calls:
                        try:
                            with session.begin_nested():
                                self._close(session, tenant_id, [one])
                        except DomainError as exc:
                            log.error("the outcome of attempt %s was not recorded: %s",
                                      one[0].attempt_id, exc)  # fmt: skip
        return len(ended)

    def _close(self, session: Session, tenant_id: int, calls: list[tuple[_Call, Ended]]) -> None:
        found = EngineRepository(session, tenant_id).closing([c.attempt_id for c, _ in calls])
        closing: list[tuple[_Closing, Ended]] = []
        for call, event in calls:
            row = found.get(call.attempt_id)
            if row is None:
                continue  # its contact is gone, or it is closed already: its outcome is recorded
            attempt = _Closing.heard(
                row,
                call.alerted_at,
                call.answered_at,
                call.answer_type,
                call.connected_at,
                call.agent_id,
            )
            closing.append((attempt, event))
        _record(session, tenant_id, closing)
        taken = {a.agent_id: (a, e) for a, e in closing if a.agent_id is not None}
        if not taken:
            return
        for agent in AgentRepository(session, tenant_id).locked(taken):
            attempt, event = taken[agent.id]
            if agent.attempt_id == attempt.id:
                release(agent, event.at, talked=attempt.connected_at is not None)
                if agent.simulated and agent.state == "wrap_up":
                    wrap = self._agent_rng.expovariate(1 / WRAP_SECONDS)
                    ready_at = event.at + timedelta(seconds=wrap)
                    heapq.heappush(self._wrapping, (ready_at, tenant_id, agent.id))


def _record(session: Session, tenant_id: int, closing: list[tuple[_Closing, Ended]]) -> None:
    """Close the attempts (locked, none closed already) and record each outcome on the
    outcome path, together: each attempt written once, with all it heard and its outcome."""
    if not closing:
        return
    results = []
    for attempt, event in closing:
        result = CallResult.model_validate(
            {
                "PhoneNumberOffset": attempt.phone_number_offset,
                "dtCallStart": attempt.started_at,
                "dtCallAlert": attempt.alerted_at,
                "dtCallConnect": attempt.answered_at,
                "dtCallEnd": max(event.at, attempt.started_at),
                "CauseCodesID": event.cause,
                "bMailbox": attempt.answer_type == AnswerType.MACHINE.value,
                "ANumber": attempt.caller_id,
                "BNumber": attempt.phone_e164,
                "UsersID": attempt.agent_id,
            }
        )
        results.append((attempt.contact_id, result))
    entries = record_calls(session, tenant_id, results)
    rows = []
    for (attempt, event), entry, (_, result) in zip(closing, entries, results, strict=True):
        outcome = classify(event.cause, attempt.answered_at is not None, result.mailbox)
        rows.append({
            "state": ENDED, "ended_at": max(event.at, attempt.started_at),
            "cause": event.cause, "sip_status": event.sip_status or None,
            "history_id": entry.id, "outcome": outcome.value,
            "alerted_at": attempt.alerted_at, "answered_at": attempt.answered_at,
            "answer_type": attempt.answer_type, "connected_at": attempt.connected_at,
            "agent_id": attempt.agent_id, "id": attempt.id,
        })  # fmt: skip
    EngineRepository(session, tenant_id).close(rows)


async def run_until_signalled(engine: Engine, *, until_idle: bool = False) -> None:
    """Run the engine until SIGINT or SIGTERM (or, with `until_idle`, until it is idle); a
    signal lets it hang up what is under way and record how it ended."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await engine.run(stopping.is_set, until_idle=until_idle)


class EngineThread:
    """The engine inside the API's process, against the simulated carrier on the real clock:
    in a thread of its own, so that its database work never holds up a request."""

    def __init__(self, database: Database) -> None:
        clock = RealClock()
        self.engine = Engine(database, SimulatedCarrier(clock), clock, name=f"api:{os.getpid()}")
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="opendialer-engine", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop placing calls, hang up what is under way, and wait until it is recorded."""
        self._stopping.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            asyncio.run(self.engine.run(self._stopping.is_set))
        except Exception:
            log.exception("the engine stopped on an error")
