"""The one interface every telephony adapter offers the engine (the simulated carrier, SIP, a
cloud service): place a call, hang up, connect a call to an agent, play a message, and the
events of the calls under way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class AnswerType(StrEnum):
    """Who or what answered, as answering-machine detection tells it."""

    HUMAN = "human"
    MACHINE = "machine"
    FAX = "fax"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class CallRequest:
    """A call to place: `call_id` is the engine's attempt id, which every event names."""

    call_id: int
    number: str  # E.164
    caller_id: str | None
    ring_timeout: float  # seconds
    detect_machine: bool


@dataclass(frozen=True, slots=True)
class Ringing:
    call_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Answered:
    call_id: int
    at: datetime
    answer_type: AnswerType


@dataclass(frozen=True, slots=True)
class Connected:
    """The answered call is bridged to the agent."""

    call_id: int
    at: datetime
    agent_id: int


@dataclass(frozen=True, slots=True)
class Ended:
    """The call is over: its Q.850 cause, and the SIP status that ended it (0 when none)."""

    call_id: int
    at: datetime
    cause: int
    sip_status: int


CallEvent = Ringing | Answered | Connected | Ended


class Telephony(Protocol):
    """What the engine asks of a telephony adapter. Every method returns once the adapter has
    taken the request; what happens to the call comes back as events."""

    async def place(self, call: CallRequest) -> None:
        """Start dialing; a call the network refuses still ends with an `Ended` event."""
        ...

    async def hang_up(self, call_id: int) -> None:
        """End the call, whatever its state (an `Ended` event follows)."""
        ...

    async def connect(self, call_id: int, agent_id: int) -> None:
        """Bridge an answered call to an agent (a `Connected` event follows)."""
        ...

    async def play(self, call_id: int, message: str) -> None:
        """Play a recorded message into an answered call, then end it."""
        ...

    async def events(self, timeout: float) -> list[CallEvent]:
        """The events that have happened, in order, waiting up to `timeout` seconds (on the
        adapter's clock) for the first when there is none yet."""
        ...

    async def close(self) -> None:
        """Hang up every call and let go of the adapter's resources."""
        ...
