"""The gate: one candidate attempt in, allowed or refused out, with every rule that refuses
it. Pure: the caller looks up what the rules need (the debt's placed calls, the lists, the
flags) and hands it over; nothing here reads a clock or a database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from opendialer.compliance.frequency import (
    History,
    PlacedCall,
    after_conversation_at,
    frequency_at,
    history,
)
from opendialer.compliance.hours import calling_hours_at
from opendialer.compliance.refusal import Refusal
from opendialer.compliance.rules import (
    Bucket,
    ContactState,
    Flag,
    Inconvenient,
    LineType,
    Mode,
    borrower_flag,
    bucket_cap,
    consent,
    contact_state,
    dnc,
    inconvenient_time_at,
)
from opendialer.compliance.states import Address, caps_at, state_cap_at
from opendialer.compliance.zones import Local, candidate_zones, consumer_zones, distinct_on, local

# The rule ids, in the order the gate asks them.
RULES = (
    "dnc",
    "borrower_flag",
    "calling_hours",
    "inconvenient_time",
    "frequency_7_in_7",
    "after_conversation",
    "state_cap",
    "consent",
    "bucket_cap",
    "contact_state",
)


# A contact with nothing that stops its calls (a tuple: one serves every attempt).
NO_STATE = ContactState()


# Not frozen: one is made per attempt, and a frozen one took three times as long to make.
# Nothing changes an attempt once made.
@dataclass(slots=True)
class Attempt:
    """One candidate attempt: a number of a contact, about a debt, at `now`."""

    now: datetime
    mode: Mode
    e164: str | None
    address: Address
    # Every call about the debt that reached the network, on any number of any contact.
    calls: Sequence[PlacedCall] = ()
    line_type: LineType = LineType.UNKNOWN
    consented: bool = False
    ring: timedelta = timedelta(seconds=25)
    dnc_lists: Sequence[frozenset[str]] = ()
    flags: frozenset[Flag] = frozenset()
    inconvenient: Sequence[Inconvenient] = ()
    bucket: Bucket | None = None
    contact: ContactState = NO_STATE


@dataclass(frozen=True, slots=True)
class Decision:
    """Allowed when no rule refuses; else every refusal, in the order of RULES."""

    refusals: tuple[Refusal, ...]

    @property
    def allowed(self) -> bool:
        return not self.refusals

    @property
    def next_allowed_at(self) -> datetime | None:
        """The first moment each refusal has lifted by (None when one lifts only with other
        data); the rules are asked again then."""
        times = [refusal.next_allowed_at for refusal in self.refusals]
        if not times or any(moment is None for moment in times):
            return None
        return max(moment for moment in times if moment is not None)


# Every allowed attempt gets the same answer: one serves them all.
ALLOWED = Decision(())


def decide(attempt: Attempt) -> Decision:
    """Every rule's answer on the attempt."""
    now, address = attempt.now, attempt.address
    zones = consumer_zones(attempt.e164, address.postal_code, address.state, now)
    return _decision(attempt, _on_the_clock(attempt, zones, history(now, attempt.calls)))


class Moment:
    """The gate at one moment, for the many attempts of a batch: the rules that read the
    consumer's clock answer alike whenever what they read is alike, as it is for most attempts
    at one moment, and are asked once for it. Each is kept by what it reads: calling hours by
    the zones and the ring (shared by nearly every attempt), inconvenient times by those and
    the times stated, the counting rules by the zones, the debt's calls and the state caps that
    apply to the address."""

    __slots__ = ("_counted", "_day", "_hours", "_inconvenient", "_seen", "now")

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._day = now.astimezone(UTC).date()
        self._seen: dict[tuple[str, ...], Local] = {}
        self._hours: dict[tuple[Any, ...], Refusal | None] = {}
        self._inconvenient: dict[tuple[Any, ...], Refusal | None] = {}
        self._counted: dict[tuple[Any, ...], _Counted] = {}

    def decide(self, attempt: Attempt) -> Decision:
        """`decide(attempt)`, for an attempt at this moment (as written: in the same zone)."""
        now, address = attempt.now, attempt.address
        if now is not self.now and (now != self.now or now.tzinfo is not self.now.tzinfo):
            raise ValueError(f"an attempt at {now} asked of the gate at {self.now}")
        zones = distinct_on(
            candidate_zones(attempt.e164, address.postal_code, address.state), self._day
        )
        seen = self._seen.get(zones)
        if seen is None:
            seen = self._seen[zones] = local(now, zones)
        ring = attempt.ring
        key: tuple[Any, ...] = (zones, ring)
        try:
            hours = self._hours[key]
        except KeyError:
            hours = self._hours[key] = calling_hours_at(seen, ring)
        inconvenient = None
        if attempt.inconvenient:
            key = (zones, ring, tuple(attempt.inconvenient))
            try:
                inconvenient = self._inconvenient[key]
            except KeyError:
                inconvenient = inconvenient_time_at(seen, attempt.inconvenient, ring)
                self._inconvenient[key] = inconvenient
        caps = caps_at(address)
        counted = _UNCOUNTED
        # With no calls, in zones that tell the day, no counting rule can refuse (every cap
        # allows at least one call): asking them would answer None three times.
        if attempt.calls or caps or not zones:
            key = (zones, tuple(attempt.calls), caps)
            found = self._counted.get(key)
            if found is None:
                calls = history(now, attempt.calls)
                found = self._counted[key] = (
                    frequency_at(seen, calls),
                    after_conversation_at(seen, calls),
                    state_cap_at(seen, calls, address),
                )
            counted = found
        return _decision(attempt, (hours, inconvenient, *counted))


# The answers of frequency_7_in_7, after_conversation and state_cap, in that order.
_Counted = tuple[Refusal | None, Refusal | None, Refusal | None]
_UNCOUNTED: _Counted = (None, None, None)


# The answers of calling_hours, inconvenient_time, frequency_7_in_7, after_conversation and
# state_cap, in that order.
_Timed = tuple[Refusal | None, Refusal | None, Refusal | None, Refusal | None, Refusal | None]


def _on_the_clock(attempt: Attempt, zones: tuple[str, ...], calls: History) -> _Timed:
    """The answers of the rules that read the consumer's clock: each zone's clock is read
    once for them all, and the calls are counted once."""
    seen = local(attempt.now, zones)
    return (
        calling_hours_at(seen, attempt.ring),
        inconvenient_time_at(seen, attempt.inconvenient, attempt.ring),
        frequency_at(seen, calls),
        after_conversation_at(seen, calls),
        state_cap_at(seen, calls, attempt.address),
    )


def _decision(attempt: Attempt, timed: _Timed) -> Decision:
    answers = (
        dnc(attempt.e164, attempt.dnc_lists),
        borrower_flag(attempt.flags),
        *timed,
        consent(attempt.mode, attempt.line_type, attempt.consented),
        bucket_cap(attempt.bucket),
        contact_state(attempt.now, attempt.contact),
    )
    refusals = tuple(filter(None, answers))
    return Decision(refusals) if refusals else ALLOWED
