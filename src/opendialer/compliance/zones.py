"""The time zones a consumer may be in: every zone their phone number, their ZIP code and their
state could place them in. The calling-hours rule calls only when every one of them allows it.

The ZIP code's zone and each state's zones come from the `zipcodes` package's table; a state's
zones are those of all its ZIP codes. A toll-free or otherwise non-geographic number of the
North American plan gives every zone of the 50 states and DC (the territories are left out:
with Guam and American Samoa, 21 hours apart, no hour would be left)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
import zipcodes
from phonenumbers import PhoneNumberType, timezone

# The 50 states and DC: every zone of theirs is "a US zone".
STATES = frozenset(
    [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
        "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
        "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
        "VT", "VA", "WA", "WV", "WI", "WY",
    ]
)  # fmt: skip
# Numbers that reach no one place.
_NOT_GEOGRAPHIC = frozenset(
    {
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.PERSONAL_NUMBER,
        PhoneNumberType.UAN,
        PhoneNumberType.VOIP,
        PhoneNumberType.PAGER,
    }
)


class _Tables(NamedTuple):
    zone_by_zip: dict[str, str]
    zones_by_state: dict[str, frozenset[str]]
    county_by_zip: dict[str, tuple[str, str]]


@cache
def _tables() -> _Tables:
    """The zipcodes package's table, by ZIP code and by state, keeping the zones the zone
    database knows."""
    known = available_timezones()
    by_zip: dict[str, str] = {}
    by_state: defaultdict[str, set[str]] = defaultdict(set)
    counties: dict[str, tuple[str, str]] = {}
    for place in zipcodes.list_all():  # type: ignore[no-untyped-call]
        zone = place["timezone"]
        counties[place["zip_code"]] = (place["state"], place["county"])
        if zone in known:
            by_zip[place["zip_code"]] = zone
            by_state[place["state"]].add(zone)
    states = {state: frozenset(zones) for state, zones in by_state.items()}
    return _Tables(by_zip, states, counties)


def county_of_zip(postal_code: str | None) -> tuple[str, str] | None:
    """(state, county) of a US ZIP code (its first five digits), or None."""
    if not postal_code:
        return None
    return _tables().county_by_zip.get(postal_code.strip()[:5])


@cache
def us_zones() -> frozenset[str]:
    """Every zone of the 50 states and DC."""
    by_state = _tables().zones_by_state
    return frozenset().union(*(by_state.get(state, frozenset()) for state in STATES))


def zones_of_zip(postal_code: str | None) -> frozenset[str]:
    """The zone of a US ZIP code (its first five digits), or none."""
    if not postal_code:
        return frozenset()
    zone = _tables().zone_by_zip.get(postal_code.strip()[:5])
    return frozenset() if zone is None else frozenset({zone})


def zones_of_state(state: str | None) -> frozenset[str]:
    """Every zone of a state's ZIP codes (two letters), or none."""
    if not state:
        return frozenset()
    return _tables().zones_by_state.get(state.strip().upper(), frozenset())


def zones_of_phone(e164: str | None) -> frozenset[str]:
    """The zones a number may ring in: several for an area code that spans zones, every US
    zone for a non-geographic number of the North American plan, none when nothing is known."""
    return _zones_of_phone(e164) if e164 else frozenset()


# Parsing a number and telling its type take most of a decision's time; a campaign asks about
# the same numbers again and again.
@lru_cache(maxsize=200_000)
def _zones_of_phone(e164: str) -> frozenset[str]:
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return frozenset()
    if phonenumbers.number_type(number) in _NOT_GEOGRAPHIC:
        return us_zones() if number.country_code == 1 else frozenset()
    zones = set(timezone.time_zones_for_number(number))
    return frozenset(zone for zone in zones if _known(zone))


def candidate_zones(e164: str | None, postal_code: str | None, state: str | None) -> frozenset[str]:
    """Every zone the consumer may be in, by their number, ZIP code and state together."""
    return zones_of_phone(e164) | zones_of_zip(postal_code) | zones_of_state(state)


@cache
def _known(zone: str) -> bool:
    try:
        zone_info(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def distinct_zones(zones: Iterable[str], now: datetime) -> tuple[str, ...]:
    """`zones` less those that keep the same clock as another one at every hour from eight
    days before `now` to ten days after it (America/Indiana/Knox beside America/Chicago, say):
    within that time the rules cannot tell them apart, and asking about one is enough."""
    return _distinct(frozenset(zones), now.astimezone(UTC).date())


@lru_cache(maxsize=10_000)
def _distinct(zones: frozenset[str], day: date) -> tuple[str, ...]:
    first = datetime.combine(day - timedelta(days=8), time(0), tzinfo=UTC)
    hours = [first + timedelta(hours=hour) for hour in range(19 * 24)]
    kept: dict[tuple[timedelta | None, ...], str] = {}
    for name in sorted(zones):
        zone = zone_info(name)
        kept.setdefault(tuple(moment.astimezone(zone).utcoffset() for moment in hours), name)
    return tuple(sorted(kept.values()))


@cache
def zone_info(name: str) -> ZoneInfo:
    """The zone named (each loaded once)."""
    return ZoneInfo(name)
