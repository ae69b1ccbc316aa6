"""Calling hours: no call before 08:00 or after 21:00 at the consumer's location (15 U.S.C.
1692c(a)(1); 12 CFR 1006.6(b)(1)(i)), in every zone the consumer may be in, and no call whose
full ring would run past 21:00. No zone at all is a refusal: the rule fails closed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

from opendialer.compliance.refusal import Refusal
from opendialer.compliance.zones import zone_info

RULE = "calling_hours"
CITATION = "15 U.S.C. 1692c(a)(1); 12 CFR 1006.6(b)(1)(i)"
OPENS = time(8)
CLOSES = time(21)
# How far ahead the next allowed moment is looked for: past it, only other data can help.
HORIZON_DAYS = 8


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
    zones = tuple(sorted(set(zones)))
    if not zones:
        return Refusal(
            RULE,
            "no time zone can be told from the number, ZIP code or state: no hour is known to "
            "be allowed",
            CITATION,
            None,
        )
    if allowed_at(now, zones, ring):
        return None
    return Refusal(
        RULE,
        f"outside 08:00 to 21:00 in {_where(zones)}",
        CITATION,
        next_allowed(now, zones, ring),
    )


def next_allowed(now: datetime, zones: tuple[str, ...], ring: timedelta) -> datetime | None:
    """The first moment after `now` at which a call suits every zone. The moments when calls
    become allowed are each some zone's 08:00, so those are the only ones tried, a day at a
    time (a day's in every zone, then the next day's)."""
    today = {name: now.astimezone(zone_info(name)).date() for name in zones}
    for day in range(-1, HORIZON_DAYS + 1):
        openings = sorted(
            datetime.combine(today[name] + timedelta(days=day), OPENS, tzinfo=zone_info(name))
            for name in zones
        )
        for moment in openings:
            if moment > now and allowed_at(moment, zones, ring):
                return moment.astimezone(UTC)
    return None


def _where(zones: tuple[str, ...]) -> str:
    if len(zones) <= 3:
        return ", ".join(zones)
    return f"the {len(zones)} time zones the consumer may be in"
