"""A simulated carrier that behaves like a real one, seeded and reproducible, on the real clock
or a virtual one: each call's fate is drawn from configurable distributions (answered by a
person or a machine, busy, no answer, unallocated, network failure; ring and talk times), and
numbers of the reserved fictional range +1 NPA 555-01XX, or any number given an override,
have a scripted fate (docs/engine.md lists them)."""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from opendialer.engine.clock import Clock
from opendialer.engine.telephony import (
    Answered,
    AnswerType,
    CallEvent,
    CallRequest,
    Connected,
    Ended,
    Ringing,
)

# Q.850 causes and SIP statuses the carrier ends calls with.
NORMAL_CLEARING, USER_BUSY, NO_ANSWER, UNALLOCATED, NETWORK_OUT_OF_ORDER = 16, 17, 19, 1, 38
SIP_OK, SIP_BUSY, SIP_NO_ANSWER, SIP_NOT_FOUND, SIP_UNAVAILABLE, SIP_CANCELLED = (
    200, 486, 480, 404, 503, 487,
)  # fmt: skip


class Fate(StrEnum):
    """What becomes of a call, before the engine does anything with it."""

    HUMAN = "human"  # a person answers
    MACHINE = "machine"  # an answering machine answers
    BUSY = "busy"
    NO_ANSWER = "no_answer"  # rings until the ring timeout
    UNALLOCATED = "unallocated"  # no such number (cause 1)
    NETWORK = "network"  # the network fails the call (cause 38)


@dataclass(frozen=True)
class Profile:
    """The distributions each call's fate and times are drawn from."""

    answer_rate: float = 0.30  # of all calls, answered (by a person or a machine)
    machine_share: float = 0.25  # of answered calls, answered by a machine
    busy_rate: float = 0.08
    unallocated_rate: float = 0.02
    network_failure_rate: float = 0.01
    setup_seconds: tuple[float, float] = (0.5, 2.5)  # from the request to ringing
    answer_after_seconds: tuple[float, float] = (4.0, 20.0)  # ringing before an answer
    mean_talk_seconds: float = 90.0  # a person on the line, exponentially distributed
    message_seconds: float = 20.0  # a recorded message played to the end
    silence_hang_up_seconds: float = 5.0  # a person who hears nobody hangs up


# The fictional range (+1 NPA 555-0100 to 555-0199): the last two digits script the fate.
SCRIPTED = (
    (range(0, 10), Fate.HUMAN),
    (range(10, 20), Fate.MACHINE),
    (range(20, 30), Fate.BUSY),
    (range(30, 40), Fate.NO_ANSWER),
    (range(40, 50), Fate.UNALLOCATED),
    (range(50, 60), Fate.NETWORK),
)


def scripted_fate(number: str) -> Fate | None:
    """The fate of a number of the fictional range that scripts one, else None."""
    if len(number) == 12 and number.startswith("+1") and number[5:10] == "55501":
        last = int(number[10:]) if number[10:].isdigit() else -1
        for digits, fate in SCRIPTED:
            if last in digits:
                return fate
    return None


@dataclass
class _Call:
    request: CallRequest
    fate: Fate
    rng: random.Random
    answered: bool = False
    token: int = 0  # events scheduled under an older token are void
    pending: list[int] = field(default_factory=list)


class SimulatedCarrier:
    """The default telephony adapter (see the module's docstring)."""

    def __init__(
        self,
        clock: Clock,
        *,
        seed: int = 0,
        profile: Profile | None = None,
        overrides: dict[str, Fate] | None = None,
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.profile = profile or Profile()
        self.overrides = dict(overrides or {})
        self._calls: dict[int, _Call] = {}
        self._queue: list[tuple[datetime, int, int, CallEvent]] = []
        self._sequence = 0

    # -- the adapter interface ---------------------------------------------------------------

    async def place(self, call: CallRequest) -> None:
        rng = random.Random(f"{self.seed}:{call.call_id}:{call.number}")
        fate = self.overrides.get(call.number) or scripted_fate(call.number) or self._draw(rng)
        state = self._calls[call.call_id] = _Call(call, fate, rng)
        now, profile = self.clock.now(), self.profile
        setup = now + _seconds(rng.uniform(*profile.setup_seconds))
        if fate is Fate.UNALLOCATED:
            self._end(state, setup, UNALLOCATED, SIP_NOT_FOUND)
        elif fate is Fate.NETWORK:
            self._end(state, setup, NETWORK_OUT_OF_ORDER, SIP_UNAVAILABLE)
        elif fate is Fate.BUSY:
            self._end(state, setup, USER_BUSY, SIP_BUSY)
        else:
            self._schedule(state, Ringing(call.call_id, setup))
            timeout = setup + _seconds(call.ring_timeout)
            answer = setup + _seconds(rng.uniform(*profile.answer_after_seconds))
            if fate is Fate.NO_ANSWER or answer >= timeout:
                self._end(state, timeout, NO_ANSWER, SIP_CANCELLED)
            else:
                kind = AnswerType.HUMAN if fate is Fate.HUMAN else AnswerType.MACHINE
                if not call.detect_machine:
                    kind = AnswerType.UNKNOWN
                self._schedule(state, Answered(call.call_id, answer, kind))
                # Nobody speaks: a person hangs up soon; a machine records the silence.
                silence = profile.silence_hang_up_seconds
                wait = silence if fate is Fate.HUMAN else profile.message_seconds
                self._end(state, answer + _seconds(wait), NORMAL_CLEARING, SIP_OK)

    async def hang_up(self, call_id: int) -> None:
        state = self._calls.get(call_id)
        if state is not None:
            self._void(state)
            self._end(state, self.clock.now(), NORMAL_CLEARING, SIP_OK)

    async def connect(self, call_id: int, agent_id: int) -> None:
        state = self._calls.get(call_id)
        if state is None or not state.answered:
            return
        self._void(state)
        now = self.clock.now()
        self._schedule(state, Connected(call_id, now, agent_id))
        talk = state.rng.expovariate(1 / self.profile.mean_talk_seconds)
        self._end(state, now + _seconds(max(1.0, talk)), NORMAL_CLEARING, SIP_OK)

    async def play(self, call_id: int, message: str) -> None:
        state = self._calls.get(call_id)
        if state is None or not state.answered:
            return
        self._void(state)
        now = self.clock.now()
        # A person may hang up before the message ends; a machine records it all.
        length = self.profile.message_seconds
        if state.fate is Fate.HUMAN:
            length = min(length, max(1.0, state.rng.expovariate(1 / length)))
        self._end(state, now + _seconds(length), NORMAL_CLEARING, SIP_OK)

    async def events(self, timeout: float) -> list[CallEvent]:
        now = self.clock.now()
        wait = timeout
        if self._queue:
            wait = min(timeout, max(0.0, (self._queue[0][0] - now).total_seconds()))
        await self.clock.sleep(wait)
        now, due = self.clock.now(), []
        while self._queue and self._queue[0][0] <= now:
            _, _, token, event = heapq.heappop(self._queue)
            state = self._calls.get(event.call_id)
            if state is None or token != state.token:
                continue
            if isinstance(event, Answered):
                state.answered = True
            if isinstance(event, Ended):
                del self._calls[event.call_id]
            due.append(event)
        return due

    async def close(self) -> None:
        for call_id in list(self._calls):
            await self.hang_up(call_id)

    @property
    def calls_under_way(self) -> int:
        return len(self._calls)

    # -- scheduling ---------------------------------------------------------------------------

    def _draw(self, rng: random.Random) -> Fate:
        profile, draw = self.profile, rng.random()
        for rate, fate in (
            (profile.unallocated_rate, Fate.UNALLOCATED),
            (profile.network_failure_rate, Fate.NETWORK),
            (profile.busy_rate, Fate.BUSY),
        ):
            if draw < rate:
                return fate
            draw -= rate
        if draw < profile.answer_rate:
            return Fate.MACHINE if rng.random() < profile.machine_share else Fate.HUMAN
        return Fate.NO_ANSWER

    def _schedule(self, state: _Call, event: CallEvent) -> None:
        self._sequence += 1
        heapq.heappush(self._queue, (event.at, self._sequence, state.token, event))

    def _end(self, state: _Call, at: datetime, cause: int, sip_status: int) -> None:
        self._schedule(state, Ended(state.request.call_id, at, cause, sip_status))

    def _void(self, state: _Call) -> None:
        """Void what was scheduled for the call: the engine changed its course."""
        state.token += 1


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)
