"""The gate's other rules, and the gate asking them all."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opendialer.compliance.frequency import PlacedCall
from opendialer.compliance.gate import RULES, Attempt, decide
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
from opendialer.compliance.states import Address

CHICAGO = "America/Chicago"
RING = timedelta(seconds=25)


def at(*fields: int, zone: str = CHICAGO) -> datetime:
    return datetime(*fields, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


# Monday 2 March 2026, noon in Chicago: a Chicago cell with consent, an Illinois address.
GOOD = Attempt(
    now=at(2026, 3, 2, 12),
    mode=Mode.PROGRESSIVE,
    e164="+13125550100",
    address=Address("IL", "60601"),
    line_type=LineType.CELL,
    consented=True,
)


def test_an_ordinary_attempt_is_allowed() -> None:
    decision = decide(GOOD)
    assert decision.allowed and decision.refusals == ()


# A change to the ordinary attempt, and the one rule it makes refuse.
ONE_RULE_EACH = [
    ({"dnc_lists": [frozenset({"+13125550100"})]}, "dnc"),
    ({"flags": frozenset({Flag.CEASE})}, "borrower_flag"),
    ({"now": at(2026, 3, 2, 7, 30)}, "calling_hours"),
    ({"inconvenient": [Inconvenient(frozenset({0}), time(11), time(13))]}, "inconvenient_time"),
    (
        {
            "calls": [PlacedCall(at(2026, 2, 24, 10) + timedelta(days=d)) for d in range(6)]
            + [PlacedCall(at(2026, 3, 2, 9))]
        },
        "frequency_7_in_7",
    ),
    ({"calls": [PlacedCall(at(2026, 2, 27, 10), conversation=True)]}, "after_conversation"),
    (
        {
            "address": Address("MA", "02108"),
            "e164": "+16175550100",
            "calls": [PlacedCall(at(2026, 2, 27, 10)), PlacedCall(at(2026, 3, 1, 10))],
        },
        "state_cap",
    ),
    ({"consented": False}, "consent"),
    ({"bucket": Bucket(date(2026, 3, 10), 5, 0, 5, 2)}, "bucket_cap"),
    ({"contact": ContactState(locked=True)}, "contact_state"),
]


@pytest.mark.parametrize(("change", "rule"), ONE_RULE_EACH)
def test_each_rule_refuses_through_the_gate(change: dict[str, object], rule: str) -> None:
    decision = decide(replace(GOOD, **change))  # type: ignore[arg-type]
    assert not decision.allowed
    assert [refusal.rule for refusal in decision.refusals] == [rule]
    assert rule in RULES


def test_every_failing_rule_is_named_in_the_gates_order() -> None:
    decision = decide(replace(GOOD, now=at(2026, 3, 2, 22), consented=False, flags={Flag.DECEASED}))
    assert [r.rule for r in decision.refusals] == ["borrower_flag", "calling_hours", "consent"]
    assert decision.next_allowed_at is None  # the flag and the consent need other data


def test_the_decisions_next_time_is_when_every_refusal_has_lifted() -> None:
    late = replace(GOOD, now=at(2026, 3, 2, 22), calls=[PlacedCall(at(2026, 3, 1, 10), True)])
    decision = decide(late)
    assert [r.rule for r in decision.refusals] == ["calling_hours", "after_conversation"]
    assert decision.next_allowed_at == at(2026, 3, 8, 0)


def test_dnc_matches_the_e164_number_on_any_list() -> None:
    lists = [frozenset({"+13125550199"}), frozenset({"+13125550100"})]
    refusal = dnc("+13125550100", lists)
    assert refusal is not None and refusal.next_allowed_at is None
    assert dnc("+13125550101", lists) is None


@pytest.mark.parametrize("flag", list(Flag))
def test_each_flag_refuses_with_its_citation(flag: Flag) -> None:
    refusal = borrower_flag({flag})
    assert refusal is not None and refusal.rule == "borrower_flag" and refusal.citation


def test_an_inconvenient_time_is_refused_in_any_zone_until_it_ends() -> None:
    sundays_lunch = [Inconvenient(frozenset({6}), time(12), time(14))]
    now = at(2026, 3, 8, 12, 30)  # a Sunday, in Chicago
    refusal = inconvenient_time(now, sundays_lunch, [CHICAGO], RING)
    assert refusal is not None and refusal.next_allowed_at == at(2026, 3, 8, 14)
    # A call whose ring would reach noon is refused too.
    assert inconvenient_time(at(2026, 3, 8, 11, 59, 50), sundays_lunch, [CHICAGO], RING)
    assert inconvenient_time(at(2026, 3, 9, 12, 30), sundays_lunch, [CHICAGO], RING) is None


def test_an_inconvenient_range_may_run_past_midnight() -> None:
    evenings = [Inconvenient(frozenset({4}), time(19), time(9))]  # Friday 19:00 to Saturday 09:00
    assert inconvenient_time(at(2026, 3, 7, 8), evenings, [CHICAGO], RING)  # Saturday 08:00
    assert inconvenient_time(at(2026, 3, 8, 8), evenings, [CHICAGO], RING) is None  # Sunday


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("line", list(LineType))
@pytest.mark.parametrize("consented", [False, True])
def test_consent(mode: Mode, line: LineType, consented: bool) -> None:
    refused = consent(mode, line, consented) is not None
    if consented or mode is Mode.PREVIEW:
        assert not refused
    elif mode is Mode.AGENTLESS:
        assert refused  # a prerecorded call needs consent on any line
    else:
        assert refused == (line is not LineType.LANDLINE)


def test_a_used_bucket_refuses_until_its_window_ends() -> None:
    refusal = bucket_cap(Bucket(date(2026, 3, 10), attempts=1, contacts=2, attempts_allowed=9,
                                contacts_allowed=2))  # fmt: skip
    assert refusal is not None and "2 of 2 contacts" in refusal.reason
    assert refusal.next_allowed_at == datetime(2026, 3, 11, tzinfo=UTC)
    assert bucket_cap(Bucket(date(2026, 3, 10), 8, 1, 9, 2)) is None
    assert bucket_cap(None) is None


@pytest.mark.parametrize(
    ("state", "words", "waits"),
    [
        (ContactState(locked=True), "locked", False),
        (ContactState(begins=at(2026, 3, 5, 9)), "begin date", True),
        (ContactState(ends=at(2026, 3, 1, 9)), "end date", False),
        (ContactState(number_invalid=True), "invalid", False),
        (ContactState(number_tries=3, max_tries_per_number=3), "number's tries", False),
        (ContactState(contact_tries=9, max_tries_per_contact=9), "contact's tries", False),
    ],
)
def test_the_contacts_own_state(state: ContactState, words: str, waits: bool) -> None:
    refusal = contact_state(at(2026, 3, 2, 12), state)
    assert refusal is not None and words in refusal.reason
    assert (refusal.next_allowed_at is not None) == waits
    assert contact_state(at(2026, 3, 2, 12), ContactState(max_tries_per_number=0)) is None


# -- nothing is allowed when what is needed to decide is missing -------------------------------

missing = st.sampled_from(["number", "number and address", "consent", "zone of an unknown number"])


@settings(max_examples=200, deadline=None)
@given(
    now=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1),
                     timezones=st.just(UTC)),
    mode=st.sampled_from([m for m in Mode if m is not Mode.PREVIEW]),
    gap=missing,
)  # fmt: skip
def test_nothing_is_allowed_when_an_input_needed_to_decide_is_missing(
    now: datetime, mode: Mode, gap: str
) -> None:
    attempt = replace(GOOD, now=now, mode=mode)
    if gap == "number":
        attempt = replace(attempt, e164=None)
    elif gap == "number and address":
        attempt = replace(attempt, e164=None, address=Address(None, None))
    elif gap == "consent":
        attempt = replace(attempt, consented=False, line_type=LineType.UNKNOWN)
    else:
        attempt = replace(attempt, e164="+999", address=Address(None, None))
    assert not decide(attempt).allowed
