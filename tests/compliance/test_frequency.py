"""Reg F's call frequency per debt: at most 7 placed calls within 7 consecutive days, and none
within the 7 days that begin with a telephone conversation."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from opendialer.compliance.frequency import PlacedCall, after_conversation, frequency_7_in_7

CHICAGO, NEW_YORK = "America/Chicago", "America/New_York"


def at(zone: str, *fields: int) -> datetime:
    return datetime(*fields, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


def calls_on(zone: str, *days: int, hour: int = 10) -> list[PlacedCall]:
    """A call at `hour` on each of the given days of March 2026."""
    return [PlacedCall(at(zone, 2026, 3, day, hour)) for day in days]


def test_the_eighth_call_within_seven_days_is_refused() -> None:
    now = at(CHICAGO, 2026, 3, 9, 15)
    six = calls_on(CHICAGO, 3, 4, 5, 6, 7, 8)
    assert frequency_7_in_7(now, six, [CHICAGO]) is None

    refusal = frequency_7_in_7(now, [*six, *calls_on(CHICAGO, 9)], [CHICAGO])
    assert refusal is not None
    assert refusal.rule == "frequency_7_in_7"
    assert refusal.citation == "12 CFR 1006.14(b)(2)(i)"
    # The call of March 3 leaves the window when March 10 begins.
    assert refusal.next_allowed_at == at(CHICAGO, 2026, 3, 10, 0)


def test_days_are_calendar_days_a_call_eight_days_back_is_not_counted() -> None:
    now = at(CHICAGO, 2026, 3, 9, 8)
    calls = (
        calls_on(CHICAGO, 2, 4, 5, 6, 7, 8, 9, hour=7)
        if False
        else calls_on(CHICAGO, 2, 3, 4, 5, 6, 7, hour=23)
    )
    # March 2 at 23:00 is within 7 times 24 hours of March 9 at 08:00, but not within the 7
    # calendar days March 3 to 9: six calls count.
    assert frequency_7_in_7(now, calls, [CHICAGO]) is None


def test_with_two_zones_a_call_counts_when_it_is_within_the_window_in_either() -> None:
    # 23:30 on March 2 in Chicago is 00:30 on March 3 in New York: inside New York's window.
    calls = [PlacedCall(at(CHICAGO, 2026, 3, 2, 23, 30)), *calls_on(CHICAGO, 4, 5, 6, 7, 8, 9)]
    now = at(CHICAGO, 2026, 3, 9, 15)
    assert frequency_7_in_7(now, calls, [CHICAGO]) is None
    assert frequency_7_in_7(now, calls, [CHICAGO, NEW_YORK]) is not None


def test_no_call_within_seven_days_of_a_conversation_its_day_the_first() -> None:
    talk = PlacedCall(at(CHICAGO, 2026, 3, 2, 16), conversation=True)
    refusal = after_conversation(at(CHICAGO, 2026, 3, 8, 20), [talk], [CHICAGO])
    assert refusal is not None
    assert refusal.rule == "after_conversation"
    assert refusal.citation == "12 CFR 1006.14(b)(2)(ii)"
    assert refusal.next_allowed_at == at(CHICAGO, 2026, 3, 9, 0)
    assert after_conversation(at(CHICAGO, 2026, 3, 9, 8), [talk], [CHICAGO]) is None


def test_the_quiet_days_run_until_they_have_run_in_every_zone() -> None:
    talk = PlacedCall(at(NEW_YORK, 2026, 3, 2, 10), conversation=True)
    refusal = after_conversation(at(NEW_YORK, 2026, 3, 9, 0, 30), [talk], [NEW_YORK, CHICAGO])
    assert refusal is not None and refusal.next_allowed_at == at(CHICAGO, 2026, 3, 9, 0)


def test_calls_without_a_conversation_start_no_quiet_days() -> None:
    calls = calls_on(CHICAGO, 2, 3)
    assert after_conversation(at(CHICAGO, 2026, 3, 4, 9), calls, [CHICAGO]) is None


def test_without_a_zone_to_count_days_by_both_refuse() -> None:
    now = at(CHICAGO, 2026, 3, 4, 9)
    for rule in (frequency_7_in_7, after_conversation):
        refusal = rule(now, [], [])
        assert refusal is not None and refusal.next_allowed_at is None


# -- an engine's month, checked by counting days independently ---------------------------------

ZONE = ZoneInfo(CHICAGO)
START = datetime(2026, 3, 1, tzinfo=UTC)
attempts = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=30 * 24 * 60 - 1),  # minute of the month
        st.booleans(),  # whether the call, if placed, is a conversation
    ),
    min_size=1,
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(tries=attempts, zones=st.sampled_from([[CHICAGO], [CHICAGO, NEW_YORK]]))
def test_no_seven_day_window_ever_holds_more_than_seven_calls_nor_a_call_after_a_talk(
    tries: list[tuple[int, bool]], zones: list[str]
) -> None:
    placed: list[PlacedCall] = []
    for minute, talk in sorted(tries):
        now = START + timedelta(minutes=minute)
        if frequency_7_in_7(now, placed, zones) or after_conversation(now, placed, zones):
            continue
        placed.append(PlacedCall(now, conversation=talk))

    days = [call.at.astimezone(ZONE).date() for call in placed]
    per_day = Counter(days)
    first = date(2026, 2, 20)
    for offset in range(40):
        window = [first + timedelta(days=offset + d) for d in range(7)]
        assert sum(per_day[day] for day in window) <= 7
    # Every call placed after a conversation, on its day too, is on its 8th day or later.
    for index, (call, day) in enumerate(zip(placed, days, strict=True)):
        if call.conversation:
            assert all(later >= day + timedelta(days=7) for later in days[index + 1 :])
