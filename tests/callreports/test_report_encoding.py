"""How a report writes its records: CSV exactly as the csv module writes it, and each `time` on
the requested zone's clock exactly as a conversion through the zone writes it."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from opendialer.callreports.schemas import CDR_API_NAMES
from opendialer.web.callreports import (
    MEASUREMENTS,
    Batch,
    SeedClock,
    csv_chunks,
    json_chunks,
)

# Strings a CSV cell must quote, JSON must escape, or that look like JSON's own tokens.
AWKWARD = ["", ",", '"', "\r\n", "\n", "\\", "\t", "\x00", "null", "],[", "[null,", "é", "☎"]
awkward_text = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(alphabet=st.sampled_from(list('ab ,"\\\r\n[]nul\x1fé')), max_size=12),
)
measurement = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 0.5, 4.4, 1e-4, 9.9e-5, 1.5e-7, 123456.25, 1e20]),
)
integer = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1), st.integers(min_value=2**63)
)
# What the columns hold: text and integers, and floats in the measurements' columns. A record
# is mostly ordinary values, with a few unusual ones put in.
ORDINARY = [None, "", "OUT", "NO ANSWER", "+13125550100", "PJSIP/agent-0007", 0, 1, 4821]
ordinary = st.tuples(
    *[
        st.sampled_from([None, 0.0, 1.4, 4.4, 0.25] if index in MEASUREMENTS else ORDINARY)
        for index in range(len(CDR_API_NAMES))
    ]
)
unusual = st.dictionaries(
    st.integers(min_value=0, max_value=len(CDR_API_NAMES) - 1),
    st.one_of(awkward_text, integer, measurement),
    max_size=3,
)


@st.composite
def rows(draw: st.DrawFn) -> tuple[Any, ...]:
    """A row as the repository reads it."""
    values = list(draw(ordinary))
    for index, value in draw(unusual).items():
        if (index in MEASUREMENTS) == (type(value) is float):
            values[index] = value
    return tuple(values)


@st.composite
def batches(draw: st.DrawFn) -> list[Batch]:
    found = draw(st.lists(st.lists(rows(), min_size=1, max_size=6), max_size=3))
    return [Batch(read, [f"10/01/26 12:00:{n:02d}" for n in range(len(read))]) for read in found]


def seed_values(row: tuple[Any, ...], time: str) -> list[Any]:
    """A row's values as the report writes them: `time` on the report's clock, everything else
    as read (a measurement stays a float, whole or not)."""
    values = list(row)
    values[1] = time
    return values


def inert(value: Any) -> Any:
    """A text a spreadsheet would run as a formula, with the ' that keeps it text (OWASP): one
    starting with =, +, -, @, tab or CR that is not a number with its sign."""
    formula = isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r")
    if formula and not re.fullmatch(r"[+-][0-9]+(\.[0-9]+)?", value):
        return "'" + value
    return value


def as_csv_module_writes(batches: list[Batch]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CDR_API_NAMES)
    for batch in batches:
        for record in zip(*batch, strict=True):
            writer.writerow([inert(value) for value in seed_values(*record)])
    return buffer.getvalue().encode()


def as_orjson_writes(batches: list[Batch]) -> bytes:
    records = [
        dict(zip(CDR_API_NAMES, seed_values(*record), strict=True))
        for batch in batches
        for record in zip(*batch, strict=True)
    ]
    return orjson.dumps(records)


@settings(max_examples=150)
@given(batches())
def test_csv_is_what_the_csv_module_writes(found: list[Batch]) -> None:
    assert b"".join(csv_chunks(iter(found))) == as_csv_module_writes(found)


@settings(max_examples=50)
@given(batches())
def test_json_is_one_array_of_the_records_in_the_seeds_field_order(found: list[Batch]) -> None:
    try:
        expected = as_orjson_writes(found)
    except orjson.JSONEncodeError:  # an integer over 64 bits
        reject()
    assert b"".join(json_chunks(iter(found))) == expected


def test_a_plain_record_is_written_to_csv_as_the_csv_module_writes_it() -> None:
    plain = (
        "0f8b3c1e-0000-4000-8000-000000000001",
        "2026-10-01 05:00:00.000000",
        "+13125550100",
        None,
        "",
        "OUT",
        "NO ANSWER",
        0,
        1.4,
        0.0,
        4.4,
        "1767000000.1",
    )
    batch = Batch([plain + (None, "null", 7) * 8 + ("end", 3.25)], ["10/01/26 00:00:00"])
    assert len(batch.rows[0]) == len(CDR_API_NAMES)

    assert b"".join(csv_chunks(iter([batch]))) == as_csv_module_writes([batch])


ZONES = [
    "America/Chicago",
    "Europe/Dublin",
    "Asia/Kolkata",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Antarctica/Troll",
    "Africa/Casablanca",
    "UTC",
]
instants = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 1, 1))


def iso(moment: datetime) -> str:
    """A UTC time as the repository reads it."""
    return moment.isoformat(sep=" ", timespec="microseconds")


def through_the_zone(moment: datetime, zone: ZoneInfo) -> str:
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%m/%d/%y %H:%M:%S")


@settings(max_examples=150)
@given(st.sampled_from(ZONES), st.lists(instants, min_size=1, max_size=40))
def test_times_are_written_as_a_conversion_through_the_zone_writes_them(
    name: str, moments: list[datetime]
) -> None:
    zone = ZoneInfo(name)
    moments.sort(reverse=True)

    written = SeedClock(zone).write([iso(moment) for moment in moments])

    assert written == [through_the_zone(moment, zone) for moment in moments]


def test_every_minute_around_a_daylight_saving_change_is_written_on_the_zones_clock() -> None:
    # Chicago falls back at 07:00Z on 2026-11-01 and Lord Howe moves by half an hour at
    # 15:30Z on 2026-10-03; the two hours each side of each change are walked minute by minute.
    for name, change in (
        ("America/Chicago", datetime(2026, 11, 1, 7)),
        ("Australia/Lord_Howe", datetime(2026, 10, 3, 15, 30)),
        ("America/Chicago", datetime(2026, 3, 8, 8)),
    ):
        zone = ZoneInfo(name)
        moments = [change + timedelta(minutes=m, seconds=59) for m in range(120, -121, -1)]
        clock = SeedClock(zone)

        assert clock.write([iso(m) for m in moments]) == [
            through_the_zone(m, zone) for m in moments
        ]
