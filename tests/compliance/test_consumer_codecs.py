"""How a consumer's flags and inconvenient times are stored: the exact column texts the gate
reads, and every value read back as it was written."""

from __future__ import annotations

import json
from datetime import datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opendialer.compliance.consumer import (
    DAY_NAMES,
    decode_flags,
    decode_times,
    encode_flags,
    encode_times,
)
from opendialer.compliance.rules import Flag, Inconvenient

MONDAY = datetime(2024, 5, 6)


def test_flags_are_written_in_one_order_whatever_order_they_come_in() -> None:
    assert encode_flags([Flag.DECEASED, Flag.CEASE]) == "cease,deceased"
    assert encode_flags(["bankruptcy", "attorney", "cease", "deceased"]) == (
        "cease,attorney,bankruptcy,deceased"
    )
    assert encode_flags([Flag.ATTORNEY, Flag.ATTORNEY]) == "attorney"


def test_no_flag_is_null() -> None:
    assert encode_flags([]) is None
    assert decode_flags(None) == frozenset()
    assert decode_flags("") == frozenset()


def test_flags_are_read_back_as_the_gates_flags() -> None:
    assert decode_flags("cease,deceased") == {Flag.CEASE, Flag.DECEASED}
    assert decode_flags(" attorney , bankruptcy") == {Flag.ATTORNEY, Flag.BANKRUPTCY}


def test_a_word_that_is_no_flag_is_not_read_as_no_flag() -> None:
    with pytest.raises(ValueError, match="fraud"):
        decode_flags("cease,fraud")
    with pytest.raises(ValueError):
        encode_flags(["Cease"])


@given(st.sets(st.sampled_from(Flag)))
def test_any_set_of_flags_is_read_back_as_written(flags: set[Flag]) -> None:
    assert decode_flags(encode_flags(flags)) == flags


def test_times_are_written_as_json_with_days_as_numbers_from_monday() -> None:
    night = Inconvenient(frozenset({4, 0}), time(22, 0), time(7, 30))
    lunch = Inconvenient(frozenset({6}), time(12, 0), time(13, 0))

    text = encode_times([night, lunch])

    assert text is not None
    assert json.loads(text) == [
        {"days": [0, 4], "from": "22:00", "to": "07:30"},
        {"days": [6], "from": "12:00", "to": "13:00"},
    ]
    assert list(json.loads(text)[0]) == ["days", "from", "to"]


def test_no_time_is_null() -> None:
    assert encode_times([]) is None
    assert decode_times(None) == ()
    assert decode_times("") == ()


def test_stored_times_are_read_back_as_the_gates_ranges() -> None:
    stored = '[{"days": [0, 4], "from": "22:00", "to": "07:30"}]'

    (night,) = decode_times(stored)

    assert night == Inconvenient(frozenset({0, 4}), time(22, 0), time(7, 30))
    # Friday 23:00 and, past midnight, Saturday 07:00 are inside; Saturday 07:30 is not.
    assert night.covers(MONDAY.replace(day=10, hour=23))
    assert night.covers(MONDAY.replace(day=11, hour=7))
    assert not night.covers(MONDAY.replace(day=11, hour=7, minute=30))


@pytest.mark.parametrize(
    "stored",
    [
        "not json",
        '{"days": [0], "from": "22:00", "to": "07:00"}',
        '[{"days": [7], "from": "22:00", "to": "07:00"}]',
        '[{"days": [true], "from": "22:00", "to": "07:00"}]',
        '[{"days": [0], "from": "22:00"}]',
        '[{"days": [0], "from": "late", "to": "07:00"}]',
    ],
)
def test_text_that_is_no_list_of_times_is_refused(stored: str) -> None:
    with pytest.raises(ValueError):
        decode_times(stored)


def test_the_apis_day_names_follow_the_weekday_numbers() -> None:
    # 2024-05-06 is a Monday, 2024-05-12 a Sunday.
    assert [DAY_NAMES[MONDAY.replace(day=day).weekday()] for day in range(6, 13)] == [
        "mon", "tue", "wed", "thu", "fri", "sat", "sun"
    ]  # fmt: skip


clocks = st.builds(time, st.integers(0, 23), st.integers(0, 59))
ranges = st.builds(
    Inconvenient, st.frozensets(st.integers(0, 6), min_size=1), clocks, clocks
).filter(lambda stated: stated.start != stated.end)


@given(st.lists(ranges, max_size=20))
def test_any_list_of_times_is_read_back_as_written(stated: list[Inconvenient]) -> None:
    assert decode_times(encode_times(stated)) == tuple(stated)
