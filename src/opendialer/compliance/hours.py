"""Calling hours: no call before 08:00 or after 21:00 at the consumer's location (15 U.S.C.
1692c(a)(1); 12 CFR 1006.6(b)(1)(i)), in every zone the consumer may be in, and no call whose
full ring would run past 21:00. No zone at all is a refusal: the rule fails closed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from opendialer.compliance.refusal import Refusal, refusal
from opendialer.compliance.zones import (
    DAY,
    HOUR,
    MICROSECOND,
    Hour,
    Local,
    Tried,
    local,
    micros,
    zone_info,
)

RULE = "calling_hours"
CITATION = "15 U.S.C. 1692c(a)(1); 12 CFR 1006.6(b)(1)(i)"
OPENS = time(8)
CLOSES = time(21)
# How far ahead the next allowed moment is looked for: past it, only other data can help.
HORIZON_DAYS = 8
_OPENS, _CLOSES = OPENS.hour * HOUR, CLOSES.hour * HOUR


def allowed_at(moment: datetime, zones: Iterable[str], ring: timedelta) -> bool:
    """Whether a call started at `moment` (aware) and ringing for `ring` stays within 08:00 to
    21:00 in every one of `zones` (and there is at least one)."""
    zones = tuple(zones)
    if not zones:
        return False
    end = moment + ring
    for name in zones:
        zone = zone_info(name)
        start_local, end_local = moment.astimezone(zone), end.astimezone(zone)
        if start_local.time() < OPENS:
            return False
        # The ring must end by 21:00 of the day the call starts.
        closes = datetime.combine(start_local.date(), CLOSES, tzinfo=zone)
        if end_local > closes:
            return False
    return True


def calling_hours(now: datetime, zones: Iterable[str], ring: timedelta) -> Refusal | None:
    """None when a call may be placed at `now` in every zone; else the refusal, with the first
    moment it may be placed (None when no moment in the next days suits every zone)."""
    return calling_hours_at(local(now, sorted(set(zones))), ring)


def calling_hours_at(seen: Local, ring: timedelta) -> Refusal | None:
    """`calling_hours` on `now` as read in its zones, which must be sorted and distinct (as
    `consumer_zones` gives them)."""
    if not seen.zones:
        return refusal(
            RULE,
            "no time zone can be told from the number, ZIP code or state: no hour is known to "
            "be allowed",
            CITATION,
            None,
        )
    if _allowed_now(seen, ring):
        return None
    reopens = _openings(seen.zones, seen.days, ring).first_after(seen.now)
    return refusal(RULE, _reason(seen.zones), CITATION, reopens)


# The same few zones on the same days come back all day long: their openings are kept.
@lru_cache(maxsize=4096)
def _openings(zones: tuple[str, ...], today: tuple[int, ...], ring: timedelta) -> Tried:
    """The moments after which a call may first be placed, in the order tried: calls become
    allowed only when some zone reaches 08:00, so each zone's 08:00 from the day before its
    `today` to HORIZON_DAYS after it, a day at a time (a day's in every zone, then the next
    day's), kept (in UTC) when a call then suits every zone; the first after `now` is the
    next allowed moment."""
    allowed = []
    for day in range(-1, HORIZON_DAYS + 1):
        openings = sorted(
            datetime.combine(date.fromordinal(first + day), OPENS, tzinfo=zone_info(name))
            for name, first in zip(zones, today, strict=True)
        )
        allowed += [
            moment.astimezone(UTC) for moment in openings if allowed_at(moment, zones, ring)
        ]
    return Tried(allowed, allowed)


def _allowed_now(seen: Local, ring: timedelta) -> bool:
    """`allowed_at(seen.now, seen.zones, ring)`, from what the zones show at `now`."""
    now, end, hour = seen.now, seen.now + ring, seen.hour
    if hour is not None and hour.start <= end < hour.end:
        first, last = _allowed_within(hour, ring)
        return first <= now <= last
    at, ends = micros(now), micros(end)
    for zone in seen.clocks:
        start = zone.wall_of(now, at)
        clock = start % DAY
        if clock < _OPENS:
            return False
        # The ring must end by 21:00 of the day the call starts, as the wall clock reads.
        if zone.wall_of(end, ends) > start - clock + _CLOSES:
            return False
    return True


# Thousands of attempts fall within the same hour for the same zones.
@lru_cache(maxsize=4096)
def _allowed_within(hour: Hour, ring: timedelta) -> tuple[datetime, datetime]:
    """The first and last moments of the hour (an hour with each zone's offset and day) at
    which a call that rings for `ring`, ending within the hour, starts at or after 08:00 and
    ends by 21:00 on every zone's clock; the first is after the last when there is none. Over
    the hour each clock reads UTC plus its offset, and its day does not change."""
    assert hour.offsets is not None and hour.days is not None
    first, last = hour.start, hour.end - MICROSECOND
    for offset, day in zip(hour.offsets, hour.days, strict=True):
        today = date.fromordinal(day)
        first = max(first, datetime.combine(today, OPENS, tzinfo=UTC) - offset)
        last = min(last, datetime.combine(today, CLOSES, tzinfo=UTC) - offset - ring)
    return first, last


@lru_cache(maxsize=4096)
def _reason(zones: tuple[str, ...]) -> str:
    where = (
        ", ".join(zones)
        if len(zones) <= 3
        else f"the {len(zones)} time zones the consumer may be in"
    )
    return f"outside 08:00 to 21:00 in {where}"
