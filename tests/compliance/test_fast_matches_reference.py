"""The gate's fast paths answer exactly what a straightforward reading of the rules answers.

The reference below is the gate as first written: every local time asked of the zone database
with `astimezone`, every window counted afresh, an inconvenient time left minute by minute. It
is slow and obviously right; the gate caches, skips and jumps, and must not change an answer,
at any moment (around changes of daylight saving time too), for any zone the number, ZIP code or
state can give (Lord Howe's half-hour summer time, Chatham's quarter hours, Beirut's and
Havana's changes at midnight) and for a `now` in any time zone."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType
from phonenumbers.timezone import time_zones_for_number

from opendialer.compliance.frequency import PlacedCall, after_conversation, frequency_7_in_7
from opendialer.compliance.gate import Attempt, Decision, Moment, decide
from opendialer.compliance.hours import calling_hours
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
    inconvenient_time,
)
from opendialer.compliance.states import CAPS, Address, StateCap, state_cap
from opendialer.compliance.zones import (
    Tried,
    _nanp,
    _number_type,
    candidate_zones,
    distinct_zones,
    us_zones,
    zones_of_phone,
)

# -- the reference: the rules as first written -------------------------------------------------


def ref_allowed_at(moment: datetime, zones: Iterable[str], ring: timedelta) -> bool:
    zones = tuple(zones)
    if not zones:
        return False
    end = moment + ring
    for name in zones:
        zone = ZoneInfo(name)
        start_local, end_local = moment.astimezone(zone), end.astimezone(zone)
        if start_local.time() < time(8):
            return False
        if end_local > datetime.combine(start_local.date(), time(21), tzinfo=zone):
            return False
    return True


def ref_calling_hours(now: datetime, zones: Iterable[str], ring: timedelta) -> Refusal | None:
    zones = tuple(sorted(set(zones)))
    if not zones:
        return Refusal(
            "calling_hours",
            "no time zone can be told from the number, ZIP code or state: no hour is known to "
            "be allowed",
            "15 U.S.C. 1692c(a)(1); 12 CFR 1006.6(b)(1)(i)",
            None,
        )
    if ref_allowed_at(now, zones, ring):
        return None
    where = (
        ", ".join(zones)
        if len(zones) <= 3
        else f"the {len(zones)} time zones the consumer may be in"
    )
    today = {name: now.astimezone(ZoneInfo(name)).date() for name in zones}
    found = None
    for day in range(-1, 9):
        openings = sorted(
            datetime.combine(today[name] + timedelta(days=day), time(8), tzinfo=ZoneInfo(name))
            for name in zones
        )
        for moment in openings:
            if moment > now and ref_allowed_at(moment, zones, ring):
                found = moment.astimezone(UTC)
                break
        if found:
            break
    return Refusal(
        "calling_hours",
        f"outside 08:00 to 21:00 in {where}",
        "15 U.S.C. 1692c(a)(1); 12 CFR 1006.6(b)(1)(i)",
        found,
    )


def ref_midnight(day: date, name: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(name)).astimezone(UTC)


def ref_window_start(now: datetime, zones: Sequence[str], days: int) -> datetime:
    return min(
        ref_midnight(now.astimezone(ZoneInfo(name)).date() - timedelta(days=days - 1), name)
        for name in zones
    )


def ref_calls_within(
    now: datetime,
    calls: Iterable[PlacedCall],
    zones: Sequence[str],
    *,
    limit: int,
    days: int,
    rule: str,
    reason: str,
    citation: str,
) -> Refusal | None:
    if not zones:
        return Refusal(rule, "no time zone to count the consumer's days by", citation, None)
    placed = sorted(call.at for call in calls if call.at <= now)
    if len(placed) < limit:
        return None
    start = ref_window_start(now, zones, days)
    if sum(1 for moment in placed if moment >= start) < limit:
        return None
    today = {name: now.astimezone(ZoneInfo(name)).date() for name in zones}
    for day in range(1, days + 2):
        for moment in sorted(
            ref_midnight(today[name] + timedelta(days=day), name) for name in zones
        ):
            start = ref_window_start(moment, zones, days)
            if sum(1 for at in placed if at >= start) < limit:
                return Refusal(rule, reason, citation, moment)
    return Refusal(rule, reason, citation, None)


def ref_frequency(
    now: datetime, calls: Iterable[PlacedCall], zones: Sequence[str]
) -> Refusal | None:
    return ref_calls_within(
        now,
        calls,
        zones,
        limit=7,
        days=7,
        rule="frequency_7_in_7",
        reason="7 calls about this debt were placed within 7 consecutive days",
        citation="12 CFR 1006.14(b)(2)(i)",
    )


def ref_after_conversation(
    now: datetime, calls: Iterable[PlacedCall], zones: Sequence[str]
) -> Refusal | None:
    citation = "12 CFR 1006.14(b)(2)(ii)"
    if not zones:
        return Refusal(
            "after_conversation", "no time zone to count the consumer's days by", citation, None
        )
    talks = [call.at for call in calls if call.conversation and call.at <= now]
    if not talks:
        return None
    last = max(talks)
    reopens = max(
        ref_midnight(last.astimezone(ZoneInfo(name)).date() + timedelta(days=7), name)
        for name in zones
    )
    if now >= reopens:
        return None
    return Refusal(
        "after_conversation",
        "a telephone conversation about this debt took place within the last 7 days (its day "
        "counting as the first)",
        citation,
        reopens,
    )


def ref_state_cap(
    now: datetime,
    calls: Iterable[PlacedCall],
    zones: Sequence[str],
    address: Address,
    caps: Sequence[StateCap] = CAPS,
) -> Refusal | None:
    placed = list(calls)
    refusals = [
        refusal
        for cap in caps
        if cap.applies(address)
        and (
            refusal := ref_calls_within(
                now,
                placed,
                zones,
                limit=cap.calls,
                days=cap.days,
                rule="state_cap",
                reason=f"{cap.where} allows {cap.calls} calls about a debt within {cap.days} "
                "consecutive days",
                citation=cap.citation,
            )
        )
        is not None
    ]
    if not refusals:
        return None
    return max(refusals, key=lambda r: (r.next_allowed_at is None, r.next_allowed_at or now))


def ref_covers(stated: Inconvenient, moment: datetime) -> bool:
    day, clock = moment.weekday(), moment.time()
    if stated.start <= stated.end:
        return day in stated.weekdays and stated.start <= clock < stated.end
    if clock >= stated.start:
        return day in stated.weekdays
    return (day - 1) % 7 in stated.weekdays and clock < stated.end


def ref_inconvenient(
    moment: datetime, ranges: Sequence[Inconvenient], zones: Sequence[str], ring: timedelta
) -> bool:
    for name in zones:
        for instant in (moment, moment + ring):
            local = instant.astimezone(ZoneInfo(name))
            if any(ref_covers(stated, local) for stated in ranges):
                return True
    return False


def ref_inconvenient_time(
    now: datetime, ranges: Sequence[Inconvenient], zones: Sequence[str], ring: timedelta
) -> Refusal | None:
    if not ref_inconvenient(now, ranges, zones, ring):
        return None
    start = now.replace(second=0, microsecond=0)
    later = (start + timedelta(minutes=step) for step in range(1, 7 * 24 * 60 + 1))
    reopens = next((m for m in later if not ref_inconvenient(m, ranges, zones, ring)), None)
    return Refusal(
        "inconvenient_time",
        "the consumer said this time is inconvenient",
        "12 CFR 1006.6(b)(1)",
        reopens,
    )


def ref_distinct_zones(zones: Iterable[str], now: datetime) -> tuple[str, ...]:
    first = datetime.combine(now.astimezone(UTC).date() - timedelta(days=8), time(0), tzinfo=UTC)
    hours = [first + timedelta(hours=hour) for hour in range(19 * 24)]
    kept: dict[tuple[timedelta | None, ...], str] = {}
    for name in sorted(set(zones)):
        zone = ZoneInfo(name)
        kept.setdefault(tuple(moment.astimezone(zone).utcoffset() for moment in hours), name)
    return tuple(sorted(kept.values()))


def ref_decide(attempt: Attempt) -> Decision:
    zones = ref_distinct_zones(
        candidate_zones(attempt.e164, attempt.address.postal_code, attempt.address.state),
        attempt.now,
    )
    now, calls = attempt.now, attempt.calls
    answers = (
        dnc(attempt.e164, attempt.dnc_lists),
        borrower_flag(attempt.flags),
        ref_calling_hours(now, zones, attempt.ring),
        ref_inconvenient_time(now, attempt.inconvenient, zones, attempt.ring),
        ref_frequency(now, calls, zones),
        ref_after_conversation(now, calls, zones),
        ref_state_cap(now, calls, zones, attempt.address),
        consent(attempt.mode, attempt.line_type, attempt.consented),
        bucket_cap(attempt.bucket),
        contact_state(now, attempt.contact),
    )
    return Decision(tuple(answer for answer in answers if answer is not None))


def same(answer: Refusal | Decision | None, expected: Refusal | Decision | None) -> bool:
    """Equal, and every moment in the same time zone as the reference's."""
    if answer != expected:
        return False
    refusals = (
        [] if answer is None else answer.refusals if isinstance(answer, Decision) else [answer]
    )
    wanted = (
        []
        if expected is None
        else expected.refusals
        if isinstance(expected, Decision)
        else [expected]
    )
    return [r.next_allowed_at and r.next_allowed_at.tzinfo for r in refusals] == [
        r.next_allowed_at and r.next_allowed_at.tzinfo for r in wanted
    ]


# -- random attempts ---------------------------------------------------------------------------

# The US zones, and zones with odd offsets or changes at odd hours that numbers abroad give.
ZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
    "America/Los_Angeles", "America/Anchorage", "America/Adak", "Pacific/Honolulu",
    "America/Boise", "America/Indiana/Knox", "America/Puerto_Rico", "Pacific/Guam",
    "America/St_Johns", "Australia/Lord_Howe", "Pacific/Chatham", "America/Santiago",
    "Asia/Beirut", "America/Havana", "Europe/London", "Europe/Dublin", "Africa/Casablanca",
    "Asia/Kathmandu", "Antarctica/Troll", "America/Nuuk", "Pacific/Kiritimati",
]  # fmt: skip


def _changes(name: str) -> list[datetime]:
    """The hours in which the zone's offset changed in 2025 to 2027."""
    zone, first = ZoneInfo(name), datetime(2025, 1, 1, tzinfo=UTC)
    offset = lambda moment: moment.astimezone(zone).utcoffset()  # noqa: E731
    quarters = [first + timedelta(hours=6 * n) for n in range(3 * 365 * 4)]
    return [
        hour
        for before, after in itertools.pairwise(quarters)
        if offset(before) != offset(after)
        for hour in (before + timedelta(hours=n) for n in range(6))
        if offset(hour) != offset(hour + timedelta(hours=1))
    ]


CHANGES = sorted({moment for name in ZONES for moment in _changes(name)})
MICROSECOND = timedelta(microseconds=1)
NUMBERS = [
    "+13125550100", "+12125550100", "+19075550100", "+18005550100", "+19995550100",
    "+12085550100", "+16055550100", "+18085550100", "+17875550100", "+16715550100",
    "+17095551234", "+61265632000", "+6433050000", "+56221234567", "+9611234567",
    "+5372345678", "+442079460000", "+299321000", "not a number", None,
]  # fmt: skip
ADDRESSES = [
    Address("IL", "60601"), Address("NY", "11201"), Address("NY", "10701"),
    Address("MA", "02108"), Address("WA", "98101"), Address("TX", "79901"), Address("TX", None),
    Address("FL", None), Address("AK", None), Address("ma", None), Address(None, "99501-1234"),
    Address("PR", "00901"), Address("GU", None), Address(None, None),
]  # fmt: skip

# Any moment of 2024 to 2030, or one within days of a change of some zone's offset.
# A little before or after an edge: a second, the ring (25 s), a microsecond, or more.
nudges = st.builds(
    lambda seconds, micros: timedelta(seconds=seconds, microseconds=micros),
    st.sampled_from([0, 0, -25, -26, -24, -1, 1, 24]) | st.integers(-7200, 7200),
    st.sampled_from([0, 0, 0, 1, -1, 999_999]),
)


def _at_local(zone: str, day: date, clock: time, nudge: timedelta) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(zone)).astimezone(UTC) + nudge


# Any moment of 2024 to 2030; one within days of a change of some zone's offset; or one about
# a zone's midnight, 08:00 or 21:00, where days and calling hours begin and end.
moments = st.one_of(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31),
                 timezones=st.just(UTC)),
    st.builds(
        lambda change, seconds, micros: change + timedelta(seconds=seconds, microseconds=micros),
        st.sampled_from(CHANGES),
        st.integers(-3 * 3600, 3 * 3600) | st.integers(-9 * 86400, 9 * 86400),
        st.sampled_from([0, 0, 0, 1, 999_999]),
    ),
    st.builds(
        _at_local,
        st.sampled_from(ZONES),
        st.dates(date(2024, 1, 1), date(2030, 12, 31))
        | st.sampled_from(CHANGES).map(lambda change: change.date()),
        st.sampled_from([time(0), time(8), time(21)]),
        nudges,
    ),
)  # fmt: skip


@st.composite
def moments_about(draw: st.DrawFn, zones: Sequence[str]) -> datetime:
    """Any moment, or more often one about the midnight, 08:00 or 21:00 of one of `zones`."""
    if not zones or not draw(st.integers(0, 2)):
        return draw(moments)
    return _at_local(
        draw(st.sampled_from(sorted(zones))),
        draw(st.dates(date(2024, 1, 1), date(2030, 12, 31))
             | st.sampled_from(CHANGES).map(lambda change: change.date())),
        draw(st.sampled_from([time(0), time(8), time(21)])),
        draw(nudges),
    )  # fmt: skip


# The same moment as the caller may spell it: in UTC, at a fixed offset, or in a zone.
spellings = st.sampled_from(
    [UTC, UTC, UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=45)),
     ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")]
)  # fmt: skip
rings = st.sampled_from([timedelta(seconds=25), timedelta(seconds=15), timedelta(seconds=119),
                         timedelta(seconds=25, microseconds=1), timedelta(hours=13)])  # fmt: skip
clocks = st.builds(
    time,
    st.integers(0, 23),
    st.sampled_from([0, 0, 15, 30, 45, 59]),
    st.sampled_from([0, 0, 0, 30]),
)
ranges = st.lists(
    st.builds(Inconvenient, st.frozensets(st.integers(0, 6), max_size=7), clocks, clocks),
    max_size=3,
)


@st.composite
def histories(draw: st.DrawFn, now: datetime, zones: Sequence[str]) -> list[PlacedCall]:
    """0 to 14 calls within 12 days before `now` (a few after it), on the minute or not, and
    some at or about a midnight of one of `zones` (or of any), where the days counted begin."""
    offsets = draw(st.lists(st.integers(-86400, 12 * 86400), max_size=14))
    calls = [
        PlacedCall(now - timedelta(seconds=offset), draw(st.booleans()) and draw(st.booleans()))
        for offset in offsets
    ]
    for _ in range(draw(st.integers(0, 4))):
        zone = draw(st.sampled_from(sorted(zones) or ZONES))
        day = now.astimezone(ZoneInfo(zone)).date() - timedelta(days=draw(st.integers(-1, 15)))
        nudge = draw(st.sampled_from([timedelta(0), timedelta(0), MICROSECOND, -MICROSECOND]))
        calls.append(PlacedCall(_at_local(zone, day, time(0), nudge), draw(st.booleans())))
    if calls and draw(st.booleans()):
        calls.append(PlacedCall(now, conversation=draw(st.booleans())))  # at `now` exactly
    return calls


@st.composite
def attempts(draw: st.DrawFn) -> Attempt:
    e164, address = draw(st.sampled_from(NUMBERS)), draw(st.sampled_from(ADDRESSES))
    zones = candidate_zones(e164, address.postal_code, address.state)
    now = draw(moments_about(sorted(zones))).astimezone(draw(spellings))
    return Attempt(
        now=now,
        mode=draw(st.sampled_from(list(Mode))),
        e164=e164,
        address=address,
        calls=draw(histories(now, sorted(zones))),
        line_type=draw(st.sampled_from(list(LineType))),
        consented=draw(st.booleans()),
        ring=draw(rings),
        dnc_lists=draw(st.sampled_from([(), (frozenset({e164 or ""}),), (frozenset(),)])),
        flags=draw(st.frozensets(st.sampled_from(list(Flag)), max_size=2)),
        inconvenient=draw(ranges),
        bucket=draw(st.none() | st.builds(Bucket, st.dates(date(2026, 1, 1), date(2027, 1, 1)),
                                          st.integers(0, 5), st.integers(0, 5),
                                          st.integers(0, 5), st.integers(0, 5))),
        contact=draw(st.sampled_from([ContactState(), ContactState(locked=True),
                                      ContactState(number_tries=3, max_tries_per_number=3)])),
    )  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(attempt=attempts())
def test_the_gate_decides_as_the_reference_does(attempt: Attempt) -> None:
    assert same(decide(attempt), ref_decide(attempt))


@settings(max_examples=200, deadline=None)
@given(attempt=attempts(), data=st.data())
def test_the_gate_decides_the_same_attempt_alike_again_and_in_any_order(
    attempt: Attempt, data: st.DataObject
) -> None:
    # What the gate keeps from one attempt must not leak into another's answer.
    later = replace(
        attempt, now=attempt.now + timedelta(minutes=data.draw(st.integers(-3000, 3000)))
    )
    first, second = decide(attempt), decide(later)
    assert same(decide(attempt), first) and same(decide(later), second)
    assert same(second, ref_decide(later))


@settings(max_examples=200, deadline=None)
@given(attempt=attempts(), data=st.data())
def test_the_attempts_of_one_moment_are_decided_as_each_alone(
    attempt: Attempt, data: st.DataObject
) -> None:
    # The gate at one moment asks the rules that read the clock once for attempts that give
    # them the same inputs: a contact's other numbers, other debts with the same calls or
    # none, other addresses. Each must be answered as if it were alone.
    now = attempt.now
    others = [
        replace(
            attempt,
            e164=data.draw(st.sampled_from(NUMBERS)),
            address=data.draw(st.sampled_from([attempt.address, *ADDRESSES])),
            calls=data.draw(st.sampled_from([attempt.calls, []]) | histories(now, ZONES[:2])),
            inconvenient=data.draw(st.sampled_from([attempt.inconvenient, ()]) | ranges),
            line_type=data.draw(st.sampled_from(list(LineType))),
            consented=data.draw(st.booleans()),
            contact=data.draw(st.sampled_from([ContactState(), ContactState(number_invalid=True)])),
        )
        for _ in range(data.draw(st.integers(0, 6)))
    ]
    moment = Moment(now)
    for each in [attempt, *others, attempt]:
        assert same(moment.decide(each), ref_decide(each))


def test_the_gate_at_one_moment_decides_only_attempts_at_that_moment() -> None:
    now = datetime(2026, 12, 7, 15, tzinfo=UTC)
    attempt = Attempt(now=now, mode=Mode.PREVIEW, e164=NUMBERS[0], address=ADDRESSES[0])
    moment = Moment(now)
    assert moment.decide(attempt).allowed
    # The same instant written in another zone gets its moments written there too.
    elsewhere = replace(attempt, now=now.astimezone(ZoneInfo("America/New_York")))
    for other in (elsewhere, replace(attempt, now=now + timedelta(minutes=1))):
        with pytest.raises(ValueError, match="asked of the gate at"):
            moment.decide(other)


# -- each rule on any zones, not only those distinct_zones leaves --------------------------------

# Zones whose midnight, 08:00 or 21:00 falls within an hour of UTC, not at its start.
ODD_ZONES = ["America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham"]
zone_lists = st.lists(st.sampled_from(ZONES), max_size=5) | st.lists(
    st.sampled_from(ODD_ZONES), min_size=1, max_size=2
)


@settings(max_examples=500, deadline=None)
@given(zones=zone_lists, spelling=spellings, ring=rings, data=st.data())
def test_calling_hours_answer_as_the_reference_does(
    zones: list[str], spelling: timezone | ZoneInfo, ring: timedelta, data: st.DataObject
) -> None:
    now = data.draw(moments_about(zones)).astimezone(spelling)
    assert same(calling_hours(now, zones, ring), ref_calling_hours(now, zones, ring))


@settings(max_examples=500, deadline=None)
@given(zones=zone_lists, spelling=spellings, data=st.data())
def test_the_counting_rules_answer_as_the_reference_does(
    zones: list[str], spelling: timezone | ZoneInfo, data: st.DataObject
) -> None:
    now = data.draw(moments_about(zones)).astimezone(spelling)
    calls = data.draw(histories(now, zones))
    address = data.draw(st.sampled_from(ADDRESSES))
    assert same(frequency_7_in_7(now, calls, zones), ref_frequency(now, calls, zones))
    assert same(after_conversation(now, calls, zones), ref_after_conversation(now, calls, zones))
    assert same(state_cap(now, calls, zones, address), ref_state_cap(now, calls, zones, address))
    limits = st.lists(st.tuples(st.integers(0, 9), st.integers(1, 15)), max_size=3)
    everywhere = [StateCap("any", lambda _: True, n, days, "X") for n, days in data.draw(limits)]
    assert same(
        state_cap(now, calls, zones, address, everywhere),
        ref_state_cap(now, calls, zones, address, everywhere),
    )


@settings(max_examples=300, deadline=None)
@given(zones=zone_lists, spelling=spellings, stated=ranges, ring=rings, data=st.data())
def test_inconvenient_times_answer_as_the_reference_does(
    zones: list[str],
    spelling: timezone | ZoneInfo,
    stated: list[Inconvenient],
    ring: timedelta,
    data: st.DataObject,
) -> None:
    now = data.draw(moments_about(zones)).astimezone(spelling)
    assert same(
        inconvenient_time(now, stated, zones, ring), ref_inconvenient_time(now, stated, zones, ring)
    )


@settings(max_examples=200, deadline=None)
@given(zones=st.lists(st.sampled_from(ZONES), max_size=8), spelling=spellings, data=st.data())
def test_distinct_zones_keep_what_the_reference_keeps(
    zones: list[str], spelling: timezone | ZoneInfo, data: st.DataObject
) -> None:
    now = data.draw(moments_about(zones)).astimezone(spelling)
    assert distinct_zones(zones, now) == ref_distinct_zones(zones, now)


# -- edges the random search reaches only now and then -------------------------------------------

ST_JOHNS = "America/St_Johns"  # UTC-3:30: its midnight falls half way through an hour of UTC


@pytest.mark.parametrize("minutes", [-1, 0, 5, 29])
@pytest.mark.parametrize("back", [6, 7])
def test_a_day_that_begins_within_an_hour_of_utc_is_counted_from_its_midnight(
    minutes: int, back: int
) -> None:
    now = _at_local(ST_JOHNS, date(2026, 1, 16), time(0), timedelta(minutes=minutes))
    calls = [
        PlacedCall(_at_local(ST_JOHNS, date(2026, 1, 16 - back), time(0), timedelta(minutes=1)))
    ]
    one_a_week = [StateCap("any", lambda _: True, 1, 7, "X")]
    address = Address(None, None)
    answer = state_cap(now, calls, [ST_JOHNS], address, one_a_week)
    assert same(answer, ref_state_cap(now, calls, [ST_JOHNS], address, one_a_week))
    assert (answer is None) == (back == 7 and minutes >= 0)


@pytest.mark.parametrize("zone", [ST_JOHNS, "Asia/Kathmandu", "Pacific/Chatham", "America/Chicago"])
@pytest.mark.parametrize("seconds", [-26, -25, -24, -1, 0])
def test_the_ring_must_end_by_nine_where_nine_falls_within_an_hour_of_utc(
    zone: str, seconds: int
) -> None:
    now = _at_local(zone, date(2026, 1, 15), time(21), timedelta(seconds=seconds))
    ring = timedelta(seconds=25)
    answer = calling_hours(now, [zone], ring)
    assert same(answer, ref_calling_hours(now, [zone], ring))
    assert (answer is None) == (seconds <= -25)


@pytest.mark.parametrize("fold", [0, 1])
def test_a_now_written_in_a_zone_at_a_time_it_skips_is_read_as_written(fold: int) -> None:
    # 02:30 on 2026-03-08 does not exist in New York; `astimezone` into the same zone leaves it.
    new_york = ZoneInfo("America/New_York")
    now = datetime(2026, 3, 8, 2, 30, fold=fold, tzinfo=new_york)
    stated = [Inconvenient(frozenset({6}), time(2), time(3))]
    zones, ring = ["America/New_York", "America/Chicago"], timedelta(seconds=25)
    answer = inconvenient_time(now, stated, zones, ring)
    assert same(answer, ref_inconvenient_time(now, stated, zones, ring))
    assert answer is not None


@pytest.mark.parametrize("minutes", [-31, -1, 0, 1, 14, 29, 31])
def test_an_offset_that_changes_within_an_hour_of_utc_is_read_exactly(minutes: int) -> None:
    # St John's springs forward at 02:00 on 2026-03-08, 05:30 UTC: 02:00 becomes 03:00.
    now = datetime(2026, 3, 8, 5, 30, tzinfo=UTC) + timedelta(minutes=minutes)
    stated = [Inconvenient(frozenset({6}), time(3), time(4))]
    zones, ring = [ST_JOHNS], timedelta(seconds=25)
    answer = inconvenient_time(now, stated, zones, ring)
    assert same(answer, ref_inconvenient_time(now, stated, zones, ring))
    assert (answer is None) == (minutes < 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(moments, moments), max_size=12), moments)
def test_the_first_moment_tried_is_found_in_order_or_not(
    pairs: list[tuple[datetime, datetime]], after: datetime
) -> None:
    # Keys in order are bisected; out of order each is tried: both answer as trying each does.
    for tried in (pairs, sorted(pairs, key=lambda pair: pair[1])):
        found = Tried([moment for moment, _ in tried], [key for _, key in tried])
        expected = next((moment for moment, key in tried if after < key), None)
        assert found.first_after(after) == expected


def ref_zones_of_phone(e164: str) -> frozenset[str]:
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return frozenset()
    if phonenumbers.number_type(number) in {
        PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST,
        PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.UAN, PhoneNumberType.VOIP,
        PhoneNumberType.PAGER,
    }:  # fmt: skip
        return us_zones() if number.country_code == 1 else frozenset()
    known = available_timezones()
    return frozenset(zone for zone in time_zones_for_number(number) if zone in known)


# Numbers of every type of countries of every kind: the North American plan, geographic
# mobiles (Mexico, Brazil, Argentina), mobiles of no place in countries of several zones
# (Australia, Russia), one zone (the UK, India), and of no country; each example number of
# the phone number library with its last digits changed.
PHONE_TYPES = [value for name, value in vars(PhoneNumberType).items() if name.isupper()]
REGIONS = ["US", "CA", "MX", "BR", "AR", "AU", "RU", "GB", "IN", "NP", "FR"]


@st.composite
def numbers(draw: st.DrawFn) -> str:
    region, kind = draw(st.sampled_from(REGIONS)), draw(st.sampled_from(list(PHONE_TYPES)))
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        return "+999" + draw(st.text("0123456789", min_size=4, max_size=10))
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    tail = draw(st.text("0123456789", max_size=4))
    return e164[: len(e164) - len(tail)] + tail


@settings(max_examples=400, deadline=None)
@given(e164=numbers())
def test_a_numbers_zones_are_those_the_phone_number_library_gives(e164: str) -> None:
    assert zones_of_phone(e164) == ref_zones_of_phone(e164)


@settings(max_examples=300, deadline=None)
@given(digits=st.text("0123456789", min_size=9, max_size=11))
def test_a_north_american_number_is_read_as_the_library_parses_it(digits: str) -> None:
    e164 = "+1" + digits
    read = _nanp(e164)
    if read is not None:
        assert read == phonenumbers.parse(e164)
    assert zones_of_phone(e164) == ref_zones_of_phone(e164)


@settings(max_examples=400, deadline=None)
@given(e164=numbers() | st.text("0123456789", min_size=9, max_size=11).map(lambda d: "+1" + d))
def test_a_numbers_type_is_the_one_the_phone_number_library_tells(e164: str) -> None:
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return
    assert _number_type(number) == phonenumbers.number_type(number)
