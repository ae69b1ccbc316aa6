"""The calling-hours rule: 08:00 to 21:00 in every zone the consumer may be in, fail closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from opendialer.compliance.hours import allowed_at, calling_hours
from opendialer.compliance.zones import (
    candidate_zones,
    distinct_zones,
    us_zones,
    zones_of_phone,
    zones_of_state,
    zones_of_zip,
)

RING = timedelta(seconds=25)
CHICAGO, NEW_YORK = "America/Chicago", "America/New_York"


def at(zone: str, *fields: int) -> datetime:
    return datetime(*fields, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


# -- the zones ---------------------------------------------------------------------------------


def test_a_numbers_zones_come_from_its_area_code() -> None:
    assert zones_of_phone("+13125550100") == {CHICAGO}
    assert zones_of_phone("+19075550100") == {"America/Adak", "America/Anchorage"}
    assert zones_of_phone("+18085550100") == {"Pacific/Honolulu"}


def test_a_toll_free_number_may_be_anywhere_in_the_states() -> None:
    zones = zones_of_phone("+18005550100")
    assert zones == us_zones()
    assert {NEW_YORK, CHICAGO, "America/Los_Angeles", "Pacific/Honolulu"} <= zones
    assert "Pacific/Guam" not in zones


def test_zip_codes_and_states_give_their_zones() -> None:
    assert zones_of_zip("10001") == {NEW_YORK}
    assert zones_of_zip("99501-1234") == {"America/Anchorage"}
    assert {CHICAGO, "America/Denver"} <= zones_of_state("TX")
    assert zones_of_state("fl") >= {NEW_YORK, CHICAGO}
    assert zones_of_zip("00000") == zones_of_state("ZZ") == zones_of_phone("not a number") == set()


def test_the_candidates_are_every_zone_of_number_zip_and_state() -> None:
    # A Chicago number of a borrower who moved to New York City.
    assert candidate_zones("+13125550100", "10001", "NY") == {CHICAGO, NEW_YORK}
    assert candidate_zones(None, None, None) == set()


# -- the hours ---------------------------------------------------------------------------------


def test_a_call_within_the_hours_of_every_zone_is_allowed() -> None:
    assert calling_hours(at(CHICAGO, 2026, 3, 2, 8, 0), [CHICAGO], RING) is None
    assert calling_hours(at(CHICAGO, 2026, 3, 2, 20, 59, 35), [CHICAGO], RING) is None


def test_before_eight_the_next_allowed_time_is_eight() -> None:
    refusal = calling_hours(at(CHICAGO, 2026, 3, 2, 7, 59), [CHICAGO], RING)
    assert refusal is not None
    assert refusal.rule == "calling_hours"
    assert "1692c(a)(1)" in refusal.citation and "1006.6(b)(1)(i)" in refusal.citation
    assert refusal.next_allowed_at == at(CHICAGO, 2026, 3, 2, 8, 0)


def test_a_call_whose_ring_would_run_past_nine_is_refused_until_the_morning() -> None:
    refusal = calling_hours(at(CHICAGO, 2026, 3, 2, 20, 59, 40), [CHICAGO], RING)
    assert refusal is not None
    assert refusal.next_allowed_at == at(CHICAGO, 2026, 3, 3, 8, 0)


def test_several_zones_leave_only_the_hours_they_share() -> None:
    zones = [NEW_YORK, CHICAGO]
    # 08:30 in New York is 07:30 in Chicago: wait for Chicago's eight.
    refusal = calling_hours(at(NEW_YORK, 2026, 3, 2, 8, 30), zones, RING)
    assert refusal is not None and refusal.next_allowed_at == at(CHICAGO, 2026, 3, 2, 8, 0)
    # 20:30 in Chicago is 21:30 in New York: tomorrow at Chicago's eight.
    refusal = calling_hours(at(CHICAGO, 2026, 3, 2, 20, 30), zones, RING)
    assert refusal is not None and refusal.next_allowed_at == at(CHICAGO, 2026, 3, 3, 8, 0)


def test_no_zone_at_all_is_refused_with_no_time_to_wait_for() -> None:
    refusal = calling_hours(at(CHICAGO, 2026, 3, 2, 12, 0), [], RING)
    assert refusal is not None
    assert refusal.next_allowed_at is None
    assert "no time zone" in refusal.reason


def test_daylight_saving_moves_the_hours_with_the_clock() -> None:
    # 2026-03-08: New York springs forward at 02:00; 08:00 EDT is 12:00 UTC, not 13:00.
    assert allowed_at(datetime(2026, 3, 8, 12, 0, tzinfo=UTC), [NEW_YORK], RING)
    assert not allowed_at(datetime(2026, 3, 8, 11, 59, tzinfo=UTC), [NEW_YORK], RING)
    # 2026-11-01: back to EST; 08:00 is 13:00 UTC again.
    assert not allowed_at(datetime(2026, 11, 1, 12, 30, tzinfo=UTC), [NEW_YORK], RING)


# -- over the whole space ----------------------------------------------------------------------

ZONES = sorted(us_zones() | {"Pacific/Guam", "America/Puerto_Rico", "Europe/London"})
moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
zone_sets = st.lists(st.sampled_from(ZONES), max_size=6)
rings = st.integers(min_value=15, max_value=120).map(lambda s: timedelta(seconds=s))


@settings(max_examples=400, deadline=None)
@given(now=moments, zones=zone_sets, ring=rings)
def test_an_allowed_call_starts_and_ends_within_the_hours_of_every_zone(
    now: datetime, zones: list[str], ring: timedelta
) -> None:
    if calling_hours(now, zones, ring) is not None:
        return
    assert zones, "with no zone nothing may be allowed"
    for zone in zones:
        start, end = local(now, zone), local(now + ring, zone)
        assert start.hour >= 8
        assert (end.hour, end.minute, end.second, end.microsecond) <= (21, 0, 0, 0)
        assert end.date() == start.date()


@settings(max_examples=300, deadline=None)
@given(now=moments, zones=zone_sets, ring=rings)
def test_the_next_allowed_time_is_allowed_and_nothing_an_hour_sooner_is(
    now: datetime, zones: list[str], ring: timedelta
) -> None:
    refusal = calling_hours(now, zones, ring)
    if refusal is None or refusal.next_allowed_at is None:
        return
    moment = refusal.next_allowed_at
    assert moment > now
    assert allowed_at(moment, zones, ring)
    # Calls become allowed only at some zone's eight: the half hours before it are refused.
    for minutes in (1, 30):
        earlier = moment - timedelta(minutes=minutes)
        assert earlier <= now or not allowed_at(earlier, zones, ring)


@settings(max_examples=200, deadline=None)
@given(now=moments, zones=zone_sets, ring=rings)
def test_zones_that_keep_the_same_clock_decide_alike(
    now: datetime, zones: list[str], ring: timedelta
) -> None:
    every = sorted(set(zones) | {"America/Indiana/Knox", "America/Detroit"})
    fewer = distinct_zones(every, now)
    assert set(fewer) <= set(every) and len(fewer) <= len(every)
    by_every, by_fewer = calling_hours(now, every, ring), calling_hours(now, fewer, ring)
    assert (by_every is None) == (by_fewer is None)
    if by_every is not None and by_fewer is not None:
        assert by_every.next_allowed_at == by_fewer.next_allowed_at


def test_the_states_zones_come_down_to_their_clocks() -> None:
    fewer = distinct_zones(us_zones(), datetime(2026, 3, 2, tzinfo=UTC))
    assert len(fewer) == 8  # Eastern, Central, Mountain, Arizona, Pacific, Alaska, Adak, Hawaii
