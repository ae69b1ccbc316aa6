"""State and city caps on calls per debt, as data: Massachusetts, Washington, New York City."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from opendialer.compliance.frequency import PlacedCall
from opendialer.compliance.states import Address, StateCap, state_cap

BOSTON, SEATTLE, NEW_YORK = "America/New_York", "America/Los_Angeles", "America/New_York"


def at(zone: str, *fields: int) -> datetime:
    return datetime(*fields, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


def calls_on(zone: str, *days: int) -> list[PlacedCall]:
    return [PlacedCall(at(zone, 2026, 3, day, 10)) for day in days]


@pytest.mark.parametrize(
    ("address", "zone", "allowed", "citation"),
    [
        (Address("MA", "02108"), BOSTON, 2, "940 CMR 7.04(1)(f)"),
        (Address("WA", "98101"), SEATTLE, 3, "RCW 19.16.250"),
        (Address("NY", "11201"), NEW_YORK, 2, "6 RCNY 5-77"),  # Brooklyn
        (Address("NY", "10301"), NEW_YORK, 2, "6 RCNY 5-77"),  # Staten Island
    ],
)
def test_a_cap_refuses_the_call_past_it_until_the_window_has_room(
    address: Address, zone: str, allowed: int, citation: str
) -> None:
    now = at(zone, 2026, 3, 9, 12)
    earlier = calls_on(zone, *range(9 - allowed + 1, 9))  # allowed - 1 calls on the days before
    assert state_cap(now, earlier, [zone], address) is None

    placed = [*earlier, PlacedCall(at(zone, 2026, 3, 9, 9))]
    refusal = state_cap(now, placed, [zone], address)
    assert refusal is not None
    assert refusal.rule == "state_cap" and refusal.citation == citation
    # The oldest call leaves the seven days when its seventh day after begins.
    oldest_day = 9 - allowed + 1
    assert refusal.next_allowed_at == at(zone, 2026, 3, oldest_day + 7, 0)


@pytest.mark.parametrize(
    "address",
    [Address("NY", "10701"), Address("CO", "80202"), Address(None, None), Address("ma", None)],
    ids=["Westchester: none", "Colorado: none", "no address: none", "Massachusetts by its state"],
)
def test_a_cap_applies_by_the_borrowers_address_only(address: Address) -> None:
    calls = calls_on(NEW_YORK, 5, 6, 7, 8)
    refusal = state_cap(at(NEW_YORK, 2026, 3, 9, 12), calls, [NEW_YORK], address)
    expected_refused = (address.state or "").upper() == "MA"
    assert (refusal is not None) == expected_refused


def test_the_strictest_of_the_caps_that_apply_wins() -> None:
    everywhere = lambda _: True  # noqa: E731
    caps = [
        StateCap("loose", everywhere, 5, 7, "A"),
        StateCap("strict", everywhere, 2, 7, "B"),
        StateCap("longer", everywhere, 3, 14, "C"),
    ]
    calls = calls_on(NEW_YORK, 1, 3, 8)
    refusal = state_cap(at(NEW_YORK, 2026, 3, 9, 12), calls, [NEW_YORK], Address("XX", None), caps)
    # "strict" is reached (2 calls from the 3rd) and lets a call through on the 10th; "longer"
    # (3 calls in 14 days) holds it until the call of the 1st is 14 days back, the 15th.
    assert refusal is not None and refusal.citation == "C"
    assert refusal.next_allowed_at == at(NEW_YORK, 2026, 3, 15, 0)


@pytest.mark.parametrize(
    ("address", "calls"),
    [
        (Address(None, "02108"), 2),  # Boston, no state given
        (Address(None, "98101"), 3),  # Seattle
        (Address("NH", "02108"), 2),  # a state the ZIP code is not in: both hold
    ],
)
def test_a_zip_code_in_a_capped_state_is_held_without_the_state(
    address: Address, calls: int
) -> None:
    now = datetime(2026, 10, 22, 15, 0, tzinfo=UTC)
    placed = [PlacedCall(now - timedelta(days=day + 1)) for day in range(calls)]
    refused = state_cap(now, placed, ["America/New_York", "America/Los_Angeles"], address)
    assert refused is not None and refused.rule == "state_cap"
