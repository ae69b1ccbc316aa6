"""The time zones a consumer may be in: every zone their phone number, their ZIP code and their
state could place them in. The calling-hours rule calls only when every one of them allows it.

The ZIP code's zone and each state's zones come from the `zipcodes` package's table; a state's
zones are those of all its ZIP codes. A toll-free or otherwise non-geographic number of the
North American plan gives every zone of the 50 states and DC (the territories are left out:
with Guam and American Samoa, 21 hours apart, no hour would be left)."""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache, lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
import zipcodes
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as number_zones
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

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
    zones_by_zip: dict[str, frozenset[str]]
    zones_by_state: dict[str, frozenset[str]]
    county_by_zip: dict[str, tuple[str, str]]


@cache
def _tables() -> _Tables:
    """The zipcodes package's table, by ZIP code and by state, keeping the zones the zone
    database knows."""
    known = available_timezones()
    by_zip: dict[str, frozenset[str]] = {}
    by_state: defaultdict[str, set[str]] = defaultdict(set)
    counties: dict[str, tuple[str, str]] = {}
    # `filter_by` hands over a list of its own, where `list_all` keeps the package's 42,000
    # dicts alive for good, and every full round of the garbage collector then walked them
    # (a sixth of a second each time).
    for place in zipcodes.filter_by():  # type: ignore[no-untyped-call]
        zone = place["timezone"]
        counties[place["zip_code"]] = (place["state"], place["county"])
        if zone in known:
            by_zip[place["zip_code"]] = _interned(frozenset({zone}))
            by_state[place["state"]].add(zone)
    states = {state: _interned(frozenset(zones)) for state, zones in by_state.items()}
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
        return _NONE
    return _tables().zones_by_zip.get(postal_code.strip()[:5], _NONE)


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
    found = _zones_of_nanp(e164)
    if found is not None:
        return found
    number = _nanp(e164)
    if number is None:
        try:
            number = phonenumbers.parse(e164)
        except phonenumbers.NumberParseException:
            return frozenset()
    kind = _number_type(number)
    if kind in _NOT_GEOGRAPHIC:
        return us_zones() if number.country_code == 1 else frozenset()
    # As `time_zones_for_number`, without telling the number's type a second time.
    if kind == PhoneNumberType.UNKNOWN:
        return frozenset()  # its "Etc/Unknown" is no zone
    country = number.country_code
    if country is not None and phonenumbers.is_number_type_geographical(kind, country):
        zones = number_zones.time_zones_for_geographical_number(number)
    else:
        zones = number_zones.time_zones_for_number(number)
    return _interned(frozenset(zone for zone in zones if _known(zone)))


def _zones_of_nanp(e164: str) -> frozenset[str] | None:
    """`_zones_of_phone` of a number of the North American plan whose type the main region's
    (the US's) metadata tells, read from its digits as written: making the library's number
    object, and writing it as E.164 again to find its zones, took more than half the time of a
    number's first sight. None for any other number: the library reads it."""
    main = _main_types(1)
    if main is None or not _is_nanp(e164):
        return None
    kind = main.kind(e164[2:])
    if kind == PhoneNumberType.UNKNOWN:
        return None  # perhaps another region's of the plan: the library finds which
    if kind in _NOT_GEOGRAPHIC:
        return us_zones()
    if not phonenumbers.is_number_type_geographical(kind, 1):
        return None
    # As `time_zones_for_geographical_number`: the zones of the longest prefix of the number
    # (as E.164, without its "+") that the library's table has.
    digits = e164[1:]
    for length in range(min(TIMEZONE_LONGEST_PREFIX, len(digits)), 0, -1):
        zones = TIMEZONE_DATA.get(digits[:length])
        if zones is not None:
            return _interned(frozenset(zone for zone in zones if _known(zone)))
    return frozenset()  # the library's "Etc/Unknown" is no zone


def _number_type(number: phonenumbers.PhoneNumber) -> int:
    """`phonenumbers.number_type`, telling the type once for a number of its country code's
    main region (the US for +1) where the library tells it twice: once to find the region (by
    the main region's types, when its metadata names no leading digits), once for the type."""
    main = _main_types(number.country_code)
    if main is not None:
        kind = main.kind(phonenumbers.national_significant_number(number))
        if kind != PhoneNumberType.UNKNOWN:
            return kind
    return phonenumbers.number_type(number)


class _Types:
    """How the phone number library tells a national number's type by one region's metadata,
    each type's pattern compiled once: the library compiles it again (from the re module's
    cache, by its text) at every test, which took more than half of the time."""

    __slots__ = ("fixed_line", "general", "mobile", "same_patterns", "tests")

    def __init__(self, metadata: phonenumbers.PhoneMetadata) -> None:
        self.general = _Test.of(metadata.general_desc)
        # In the order the library tries them; the first that matches is the type.
        self.tests = [
            (kind, test)
            for kind, desc in (
                (PhoneNumberType.PREMIUM_RATE, metadata.premium_rate),
                (PhoneNumberType.TOLL_FREE, metadata.toll_free),
                (PhoneNumberType.SHARED_COST, metadata.shared_cost),
                (PhoneNumberType.VOIP, metadata.voip),
                (PhoneNumberType.PERSONAL_NUMBER, metadata.personal_number),
                (PhoneNumberType.PAGER, metadata.pager),
                (PhoneNumberType.UAN, metadata.uan),
                (PhoneNumberType.VOICEMAIL, metadata.voicemail),
            )
            if (test := _Test.of(desc)) is not None
        ]
        self.fixed_line = _Test.of(metadata.fixed_line)
        self.mobile = _Test.of(metadata.mobile)
        self.same_patterns = bool(metadata.same_mobile_and_fixed_line_pattern)

    def kind(self, digits: str) -> int:
        """The type of a national number (its digits) in the region."""
        if self.general is None or not self.general.matches(digits):
            return PhoneNumberType.UNKNOWN
        for kind, test in self.tests:
            if test.matches(digits):
                return kind
        mobile = self.mobile is not None and self.mobile.matches
        if self.fixed_line is not None and self.fixed_line.matches(digits):
            if self.same_patterns or (mobile and mobile(digits)):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not self.same_patterns and mobile and mobile(digits):
            return PhoneNumberType.MOBILE
        return PhoneNumberType.UNKNOWN


class _Test(NamedTuple):
    """A type's test: the lengths its numbers may have (any, when none is named) and their
    pattern, which the whole number must match."""

    lengths: frozenset[int]
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, desc: phonenumbers.PhoneNumberDesc | None) -> _Test | None:
        """The test of a type of the metadata; None when it has none (no number matches)."""
        if desc is None or not desc.national_number_pattern:
            return None
        return cls(frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern))

    def matches(self, digits: str) -> bool:
        if self.lengths and len(digits) not in self.lengths:
            return False
        return self.pattern.fullmatch(digits) is not None


@cache
def _main_types(country_code: int | None) -> _Types | None:
    """The types of the main region of a country code, when the library finds a number's
    region by trying that region's types first."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code or 0, ())
    if not regions:
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(regions[0], None)
    if metadata is None or metadata.leading_digits is not None:
        return None
    return _Types(metadata)


# Sets of zones are kept by the hundred thousand (one per number seen), but there are only a
# few hundred different ones: each is kept once. The garbage collector walks every object
# kept, at each of its full rounds.
_SETS: dict[frozenset[str], frozenset[str]] = {}
_NONE: frozenset[str] = frozenset()


def _interned(zones: frozenset[str]) -> frozenset[str]:
    return _SETS.setdefault(zones, zones)


def _nanp(e164: str) -> phonenumbers.PhoneNumber | None:
    """A number of the North American plan written as E.164 (+1, then ten digits, the first
    from 2 to 9), as `phonenumbers.parse` reads it, without parsing: half the time of a
    number's first sight went to the parse."""
    if _is_nanp(e164):
        return phonenumbers.PhoneNumber(country_code=1, national_number=int(e164[2:]))
    return None


def _is_nanp(e164: str) -> bool:
    """Whether `e164` is +1 then ten ASCII digits, the first from 2 to 9."""
    return (
        len(e164) == 12
        and e164.startswith("+1")
        and e164[2] in "23456789"
        and e164.isascii()
        and e164[2:].isdigit()
    )


# Asked for every attempt, about the numbers and addresses of a campaign's consumers: each is
# worked out once, and the same set kept once (whose hash is then worked out once too).
@lru_cache(maxsize=200_000)
def candidate_zones(e164: str | None, postal_code: str | None, state: str | None) -> frozenset[str]:
    """Every zone the consumer may be in, by their number, ZIP code and state together."""
    return _interned(zones_of_phone(e164) | zones_of_zip(postal_code) | zones_of_state(state))


def consumer_zones(
    e164: str | None, postal_code: str | None, state: str | None, now: datetime
) -> tuple[str, ...]:
    """The distinct zones the consumer may be in at `now`, kept per set of zones and day (they
    are few), so that the zone database is read once for each."""
    return distinct_zones(candidate_zones(e164, postal_code, state), now)


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


def distinct_on(zones: frozenset[str], day: date) -> tuple[str, ...]:
    """`distinct_zones(zones, now)` for a `now` on this UTC day."""
    return _distinct(zones, day)


@lru_cache(maxsize=10_000)
def _distinct(zones: frozenset[str], day: date) -> tuple[str, ...]:
    days = range(day.toordinal() - 8, day.toordinal() + 11)
    kept: dict[tuple[tuple[timedelta | None, ...], ...], str] = {}
    for name in sorted(zones):
        kept.setdefault(tuple(_hourly_offsets(name, each) for each in days), name)
    return tuple(sorted(kept.values()))


# Kept by zone and day: the sets of zones and the days asked about overlap.
@lru_cache(maxsize=100_000)
def _hourly_offsets(name: str, day: int) -> tuple[timedelta | None, ...]:
    """The zone's offset from UTC at each hour of a UTC day (a date's ordinal)."""
    first, zone = datetime.combine(date.fromordinal(day), time(0), tzinfo=UTC), zone_info(name)
    return tuple((first + timedelta(hours=hour)).astimezone(zone).utcoffset() for hour in range(24))


@cache
def zone_info(name: str) -> ZoneInfo:
    """The zone named (each loaded once)."""
    return ZoneInfo(name)


# -- local times without asking the zone database each time ------------------------------------
#
# The rules ask what day and time it is in a few zones, at a few moments, for every attempt.
# `astimezone` answers each question afresh; but a zone's offset from UTC changes a few times
# a year, and a campaign's attempts come by the thousand for the same few sets of zones within
# the same hour. So offsets are asked once per hour of UTC and kept, what a set of zones shows
# during an hour is worked out once for all the attempts in it, and other moments are counted
# in whole microseconds since 1970, which is exact where float timestamps are not.

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
HOUR = 3_600_000_000
DAY = 24 * HOUR
_EPOCH_ORDINAL = EPOCH.toordinal()


def micros(moment: datetime) -> int:
    """An aware moment as microseconds since 1970-01-01 00:00 UTC."""
    return (moment - EPOCH) // MICROSECOND


def day_of(wall: int) -> int:
    """The day (a date's ordinal) of a wall clock reading, in microseconds since 1970-01-01
    00:00 on that clock."""
    return wall // DAY + _EPOCH_ORDINAL


class Clock:
    """A zone's wall clock: its offset from UTC, kept per hour of UTC, and its local midnights,
    each asked of the zone database once."""

    __slots__ = ("_midnights", "_offsets", "zone")

    def __init__(self, name: str) -> None:
        self.zone = zone_info(name)
        self._offsets: dict[int, int | None] = {}
        self._midnights: dict[int, datetime] = {}

    def wall(self, at: int) -> int:
        """The zone's wall clock at `at` (microseconds since 1970, UTC), in microseconds since
        1970-01-01 00:00 on that clock."""
        offset = self.offset_over(at // HOUR)
        return at + (self._offset(at) if offset is None else offset)

    def wall_of(self, moment: datetime, at: int) -> int:
        """`moment.astimezone(zone)` as a wall clock reading, `at` being `micros(moment)`: a
        moment already in the zone is read as written (as `astimezone` does, even for a time
        the zone skips)."""
        if moment.tzinfo is self.zone:
            return micros(moment.replace(tzinfo=UTC))
        return self.wall(at)

    def offset_over(self, hour: int) -> int | None:
        """The zone's offset from UTC (in microseconds) throughout an hour of UTC (counted
        from 1970), or None when it changes within that hour."""
        try:
            return self._offsets[hour]
        except KeyError:
            # The zone database has no two changes within an hour: an hour that begins and
            # ends with one offset keeps it throughout (distinct_zones relies on the same).
            first, last = self._offset(hour * HOUR), self._offset((hour + 1) * HOUR - 1)
            found = self._offsets[hour] = first if first == last else None
            return found

    def unchanged(self, start: int, end: int, offset: int) -> int:
        """How far from `start` towards `end` the zone surely keeps `offset`: `end`, or the
        start of the first hour on the way that has another offset or changes within."""
        for hour in range(start // HOUR, (end - 1) // HOUR + 1):
            if self.offset_over(hour) != offset:
                return max(start, hour * HOUR)
        return end

    def midnight(self, day: int) -> datetime:
        """The moment (UTC) the day with this ordinal begins on the clock, as
        `datetime.combine(day, time(0), tzinfo=zone)` reads it."""
        try:
            return self._midnights[day]
        except KeyError:
            moment = datetime.combine(date.fromordinal(day), time(0), tzinfo=self.zone)
            found = self._midnights[day] = moment.astimezone(UTC)
            return found

    def _offset(self, at: int) -> int:
        offset = (EPOCH + at * MICROSECOND).astimezone(self.zone).utcoffset()
        return offset // MICROSECOND  # type: ignore[operator]  # a zone's offset is known


@cache
def clock(name: str) -> Clock:
    """The named zone's clock (one per zone, so that what it keeps is shared)."""
    return Clock(name)


class Hour:
    """A set of zones during one hour of UTC: their clocks and, when no zone changes its offset
    or its day within the hour (as good as always), each one's offset and day."""

    __slots__ = ("clocks", "days", "end", "offsets", "start")

    def __init__(self, zones: tuple[str, ...], hour: int) -> None:
        self.clocks = tuple(clock(name) for name in zones)
        self.start = EPOCH + hour * HOUR * MICROSECOND
        self.end = self.start + HOUR * MICROSECOND
        self.offsets: tuple[timedelta, ...] | None = None
        self.days: tuple[int, ...] | None = None
        offsets = [each.offset_over(hour) for each in self.clocks]
        first, last = hour * HOUR, (hour + 1) * HOUR - 1
        if all(o is not None and day_of(first + o) == day_of(last + o) for o in offsets):
            self.offsets = tuple(o * MICROSECOND for o in offsets if o is not None)
            self.days = tuple(day_of(first + o) for o in offsets if o is not None)


class Local(NamedTuple):
    """`now` as each candidate zone's clock shows it: what most rules start from, read once
    per attempt."""

    now: datetime
    zones: tuple[str, ...]
    clocks: tuple[Clock, ...]
    days: tuple[int, ...]  # each zone's day at `now` (a date's ordinal)
    # The zones during `now`'s hour when `now` is at a fixed offset from UTC and the hour has
    # each zone's offset and day; else None.
    hour: Hour | None


def local(now: datetime, zones: Sequence[str]) -> Local:
    """`now` in each of `zones` (kept in the order given)."""
    zones = tuple(zones)
    utc = now if now.tzinfo is UTC else now.astimezone(UTC)
    hour = _hour(zones, utc.toordinal() * 24 + utc.hour - _EPOCH_ORDINAL * 24)
    # A `now` in one of the zones is read as written, which only `wall_of` knows to do.
    if hour.days is not None and isinstance(now.tzinfo, timezone):
        return Local(now, zones, hour.clocks, hour.days, hour)
    at = micros(now)
    days = tuple([day_of(each.wall_of(now, at)) for each in hour.clocks])
    return Local(now, zones, hour.clocks, days, None)


# Kept for the sets of zones of the hours in use; an hour gone by is not asked about again.
@lru_cache(maxsize=4096)
def _hour(zones: tuple[str, ...], hour: int) -> Hour:
    return Hour(zones, hour)


class Tried:
    """Moments in the order a rule tries them, each with the moment a given one must be before
    for it to do: `first_after(x)` is the first whose key is after `x`, found by bisection when
    the keys come in order (as good as always), else by trying each in turn."""

    __slots__ = ("_in_order", "keys", "moments")

    def __init__(self, moments: Sequence[datetime], keys: Sequence[datetime]) -> None:
        self.moments, self.keys = tuple(moments), tuple(keys)
        self._in_order = all(a <= b for a, b in itertools.pairwise(self.keys))

    def first_after(self, moment: datetime) -> datetime | None:
        if self._in_order:
            index = bisect_right(self.keys, moment)
            return self.moments[index] if index < len(self.moments) else None
        return next(
            (m for m, key in zip(self.moments, self.keys, strict=True) if moment < key), None
        )
