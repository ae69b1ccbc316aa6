"""The gate's other rules, each a small pure function of the attempt: do-not-call lists,
borrower flags, consumer-stated inconvenient times, consent for cell phones, bucket caps and
the contact's own state. `compliance/gate.py` asks them all."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import NamedTuple

from opendialer.compliance.refusal import Refusal, refusal
from opendialer.compliance.zones import DAY, Clock, Local, local, micros


class Mode(StrEnum):
    """How the campaign dials: only `preview` has an agent start each call."""

    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    POWER = "power"
    PREDICTIVE = "predictive"
    AGENTLESS = "agentless"


class LineType(StrEnum):
    CELL = "cell"
    LANDLINE = "landline"
    UNKNOWN = "unknown"


class Flag(StrEnum):
    """What stops all calls to a borrower or contact until it is cleared."""

    CEASE = "cease"
    ATTORNEY = "attorney"
    BANKRUPTCY = "bankruptcy"
    DECEASED = "deceased"


FLAG_RULES: dict[Flag, tuple[str, str]] = {
    Flag.CEASE: ("the consumer asked that collection communications stop", "12 CFR 1006.6(c)"),
    Flag.ATTORNEY: ("the consumer is represented by an attorney", "12 CFR 1006.6(b)(2)"),
    Flag.BANKRUPTCY: ("the consumer is in bankruptcy (automatic stay)", "11 U.S.C. 362(a)(6)"),
    Flag.DECEASED: (
        "the consumer is deceased: only the estate's representative may be contacted",
        "12 CFR 1006.6(a)(4)",
    ),
}


def dnc(e164: str | None, lists: Iterable[frozenset[str]]) -> Refusal | None:
    """Refused when the number (E.164, so any spelling matches) is on the tenant's or the
    campaign's do-not-call list; and when it has no E.164 form, as no list can be checked for
    it (the gate fails closed)."""
    if e164 is None:
        return refusal(
            "dnc", "the number has no E.164 form: no do-not-call list can be checked for it",
            "tenant or campaign do-not-call list", None,
        )  # fmt: skip
    for numbers in lists:
        if e164 in numbers:
            return refusal(
                "dnc", "the number is on a do-not-call list",
                "tenant or campaign do-not-call list", None,
            )  # fmt: skip
    return None


def borrower_flag(flags: Iterable[Flag]) -> Refusal | None:
    """Refused, until cleared, when the borrower or contact carries a flag."""
    if not flags:
        return None
    for flag in Flag:
        if flag in set(flags):
            reason, citation = FLAG_RULES[flag]
            return refusal("borrower_flag", reason, citation, None)
    return None


@dataclass(frozen=True, slots=True)
class Inconvenient:
    """A time the consumer said is inconvenient: on these weekdays (0 Monday .. 6 Sunday),
    from `start` to `end` local time (`end` before `start` runs past midnight)."""

    weekdays: frozenset[int]
    start: time
    end: time

    def covers(self, moment: datetime) -> bool:
        day, clock = moment.weekday(), moment.time()
        if self.start <= self.end:
            return day in self.weekdays and self.start <= clock < self.end
        if clock >= self.start:
            return day in self.weekdays
        return (day - 1) % 7 in self.weekdays and clock < self.end


def inconvenient_time(
    now: datetime, ranges: Sequence[Inconvenient], zones: Sequence[str], ring: timedelta
) -> Refusal | None:
    """Refused when the call, ringing its full time, would touch a time the consumer said is
    inconvenient, in any zone they may be in (12 CFR 1006.6(b)(1)); allowed again when no
    range covers the call in any zone, found minute by minute over the next week."""
    return inconvenient_time_at(local(now, zones), ranges, ring)


def inconvenient_time_at(
    seen: Local, ranges: Sequence[Inconvenient], ring: timedelta
) -> Refusal | None:
    """`inconvenient_time` on `now` as read in its zones."""
    if not ranges or not seen.zones:
        return None
    spans = [_Span.of(stated) for stated in ranges]
    now, end = seen.now, seen.now + ring
    if _covered(seen.clocks, spans, ((now, micros(now)), (end, micros(end)))) is None:
        return None
    start = now.replace(second=0, microsecond=0)
    # At a fixed offset from UTC (UTC itself above all) the minutes tried are UTC's, and a run
    # of them that one range covers throughout is skipped at once; on a zone's clock, which may
    # repeat or skip an hour, each minute is tried.
    leaps = isinstance(now.tzinfo, timezone)
    step, reopens = 1, None
    while step <= _WEEK_MINUTES:
        moment = start + timedelta(minutes=step)
        end = moment + ring
        covered = _covered(seen.clocks, spans, ((moment, micros(moment)), (end, micros(end))))
        if covered is None:
            reopens = moment
            break
        step += max(1, -(-covered // _MINUTE)) if leaps else 1
    return Refusal(
        "inconvenient_time",
        "the consumer said this time is inconvenient",
        "12 CFR 1006.6(b)(1)",
        reopens,
    )


_MINUTE = 60_000_000
_WEEK_MINUTES = 7 * 24 * 60


class _Span(NamedTuple):
    """An inconvenient time, its bounds in microseconds of the day."""

    weekdays: frozenset[int]
    start: int
    end: int

    @classmethod
    def of(cls, stated: Inconvenient) -> _Span:
        return cls(stated.weekdays, _micros_of_day(stated.start), _micros_of_day(stated.end))

    def covered_until(self, wall: int) -> int | None:
        """When `wall` (a wall clock reading) is covered, the reading at which the covered
        run it is in ends (as `Inconvenient.covers` reads it); else None."""
        day, clock = divmod(wall, DAY)
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
        if self.start <= self.end:
            if weekday in self.weekdays and self.start <= clock < self.end:
                return wall - clock + self.end
            return None
        if clock >= self.start:
            return wall - clock + DAY + self.end if weekday in self.weekdays else None
        if clock < self.end and (weekday - 1) % 7 in self.weekdays:
            return wall - clock + self.end
        return None


def _covered(
    clocks: Sequence[Clock], spans: Sequence[_Span], instants: Iterable[tuple[datetime, int]]
) -> int | None:
    """None when no span covers any of the instants (each with its microseconds) in any
    zone; else how long (in microseconds, perhaps 0) each of them surely stays covered by the
    span and in the zone that covers it for longest."""
    longest = None
    for zone in clocks:
        for instant, at in instants:
            wall = zone.wall_of(instant, at)
            for span in spans:
                until = span.covered_until(wall)
                if until is not None:
                    offset = wall - at
                    covered = zone.unchanged(at, until - offset, offset) - at
                    longest = covered if longest is None else max(longest, covered)
    return longest


def _micros_of_day(clock: time) -> int:
    return ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 1_000_000 + clock.microsecond


def consent(mode: Mode, line_type: LineType, consented: bool) -> Refusal | None:
    """A cell phone, or one whose line type is unknown, needs the consumer's prior express
    consent for any call not started by an agent (TCPA 47 U.S.C. 227(b)(1)(A)(iii)); an
    agentless, prerecorded call needs it whatever the line (227(b)(1)(A), (B))."""
    if consented or mode is Mode.PREVIEW:
        return None
    if mode is Mode.AGENTLESS:
        return refusal(
            "consent",
            "a prerecorded call needs the consumer's prior express consent",
            "47 U.S.C. 227(b)(1)(A), (B)",
            None,
        )
    if line_type is LineType.LANDLINE:
        return None
    return refusal(
        "consent",
        "an automated call to a cell phone needs the consumer's prior express consent"
        if line_type is LineType.CELL
        else "an automated call to a line of unknown type (taken for a cell phone) needs the "
        "consumer's prior express consent",
        "47 U.S.C. 227(b)(1)(A)(iii)",
        None,
    )


@dataclass(frozen=True, slots=True)
class Bucket:
    """The loan's bucket window (UTC days) and what it allows and has used."""

    window_end: date
    attempts: int
    contacts: int
    attempts_allowed: int
    contacts_allowed: int


def bucket_cap(bucket: Bucket | None) -> Refusal | None:
    """Refused for the rest of the bucket's window once its attempts or contacts are used."""
    if bucket is None:
        return None
    if bucket.attempts < bucket.attempts_allowed and bucket.contacts < bucket.contacts_allowed:
        return None
    used = (
        f"{bucket.attempts} of {bucket.attempts_allowed} attempts"
        if bucket.attempts >= bucket.attempts_allowed
        else f"{bucket.contacts} of {bucket.contacts_allowed} contacts"
    )
    after = datetime.combine(bucket.window_end + timedelta(days=1), time(0), tzinfo=UTC)
    return refusal(
        "bucket_cap", f"the loan's bucket has used {used}", "the servicer's bucket policy", after
    )


class ContactState(NamedTuple):
    """The contact's own state for one of its numbers. A tuple: one is made per attempt."""

    locked: bool = False
    begins: datetime | None = None
    ends: datetime | None = None
    number_invalid: bool = False
    number_tries: int = 0
    max_tries_per_number: int | None = None
    contact_tries: int = 0
    max_tries_per_contact: int | None = None


def contact_state(now: datetime, state: ContactState) -> Refusal | None:
    """Refused while the contact is locked, before its first day or after its last, when the
    number is marked invalid, or when its tries are used up."""
    problem: tuple[str, datetime | None] | None = None
    if state.locked:
        problem = ("the contact is locked", None)
    elif state.begins is not None and now < state.begins:
        problem = ("the contact may not be called before its begin date", state.begins)
    elif state.ends is not None and now > state.ends:
        problem = ("the contact's end date has passed", None)
    elif state.number_invalid:
        problem = ("the number is marked invalid", None)
    elif _used(state.number_tries, state.max_tries_per_number):
        problem = ("the number's tries are used up", None)
    elif _used(state.contact_tries, state.max_tries_per_contact):
        problem = ("the contact's tries are used up", None)
    if problem is None:
        return None
    return Refusal("contact_state", problem[0], "the campaign's settings", problem[1])


def _used(tries: int, allowed: int | None) -> bool:
    return allowed is not None and allowed > 0 and tries >= allowed
