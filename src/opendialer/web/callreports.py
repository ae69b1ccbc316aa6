"""The call reports face on the wire: the seed's JSON array or CSV, streamed, with times on the
report's clock as the seed writes them (10/01/26 00:00:00)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Float

from opendialer.callreports.models import CallDetailRecord
from opendialer.callreports.schemas import (
    CDR_API_NAMES,
    CDR_COLUMNS,
    CDR_FIELDS,
    Direction,
    Disposition,
)
from opendialer.errors import Invalid
from opendialer.web.openapi import FaceDocs, StatusMessage, Wire, column_model, text


class Batch(NamedTuple):
    """Records as the service reads them (CDR_COLUMNS values, `time` in UTC), and the time of
    each on the report's clock. Each format builds its own records straight from the rows: one
    container per record is less work for the garbage collector than two."""

    rows: list[tuple[Any, ...]]
    times: list[str]


def clocked(rows: Iterable[list[tuple[Any, ...]]], zone: tzinfo) -> Iterator[Batch]:
    """Each batch of records with their times on `zone`'s clock."""
    clock = SeedClock(zone)
    for batch in rows:
        yield Batch(batch, clock.write([row[1] for row in batch]))


# The positions of the floating-point columns (the measurements), the only ones that may hold
# a value orjson and the csv module write differently.
MEASUREMENTS = tuple(
    index
    for index, column in enumerate(CDR_COLUMNS)
    if isinstance(CallDetailRecord.__table__.c[column].type, Float)
)


# Marks an hour whose times are each converted through the zone.
PER_TIME = ""
WHOLE_HOUR = timedelta(hours=1)
REST_OF_HOUR = WHOLE_HOUR - timedelta(microseconds=1)


class SeedClock:
    """Writes UTC times, given as ISO text (YYYY-MM-DD HH:MM:SS...), on a zone's clock as the
    seed does: strftime's %m/%d/%y %H:%M:%S (10/01/26 00:00:00).

    Most hours are moved by a whole number of hours: their date and hour are written once and
    each time's minutes and seconds are copied as they are. Other hours (one with an offset
    change, or any of a zone such as Asia/Kolkata, half an hour off) convert each time."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        # UTC "YYYY-MM-DD HH" -> "MM/DD/YY HH" on the zone's clock, or PER_TIME.
        self.hours: dict[str, str] = {}

    def write(self, utc_times: Iterable[str]) -> list[str]:
        hours = self.hours
        written = []
        for utc in utc_times:
            local = hours.get(utc[:13])
            if local is None:
                local = self._hour(utc[:13])
            written.append(local + utc[13:19] if local else self._convert(utc))
        return written

    def _hour(self, utc_hour: str) -> str:
        """Learn how the hour starting at `utc_hour` (YYYY-MM-DD HH) is written."""
        start = datetime.fromisoformat(utc_hour).replace(tzinfo=UTC)
        written = PER_TIME
        try:
            offset = start.astimezone(self.zone).utcoffset()
            # No zone of the tz database changes its UTC offset twice within four days, so an
            # offset that is the same at both ends of the hour holds for all of it.
            if (
                offset is not None
                and offset % WHOLE_HOUR == timedelta(0)
                and offset == (start + REST_OF_HOUR).astimezone(self.zone).utcoffset()
            ):
                written = _seed_text((start + offset).isoformat())[:11]
        except OverflowError:
            # An hour at the calendar's ends whose start or end falls outside it on the zone's
            # clock (year 1 west of UTC, 9999 east of it): its times, inside the range asked
            # for, are converted one by one.
            pass
        self.hours[utc_hour] = written
        return written

    def _convert(self, utc: str) -> str:
        moment = datetime.fromisoformat(utc).replace(tzinfo=UTC)
        return _seed_text(moment.astimezone(self.zone).isoformat())


def _seed_text(iso: str) -> str:
    """An ISO time (YYYY-MM-DDTHH:MM:SS...) as the seed writes it, cut from its text: at a
    hundred thousand records strftime is a good share of the report's time."""
    return f"{iso[5:7]}/{iso[8:10]}/{iso[2:4]} {iso[11:19]}"


# Which fractional floats orjson writes as Python's str() does (which the csv module uses):
# all but those Python writes with an exponent, and not infinity or NaN.
PLAIN_FLOATS = (1e-4, 1e16)
FIELDS = len(CDR_API_NAMES)


def json_chunks(batches: Iterator[Batch]) -> Iterator[bytes]:
    """The seed's plain JSON array, a chunk per batch."""
    yield b"["
    separator = b""
    for rows, times in batches:
        records = []
        for row, time in zip(rows, times, strict=True):
            record = dict(zip(CDR_API_NAMES, row, strict=True))
            record["time"] = time
            records.append(record)
        # One call for the batch; the array's brackets are cut off (through a view, so that
        # its megabytes are copied once), leaving the records separated by commas exactly as
        # they would be written one by one.
        yield separator + memoryview(orjson.dumps(records))[1:-1]
        separator = b","
    yield b"]"


def csv_chunks(batches: Iterator[Batch]) -> Iterator[bytes]:
    """CSV with a header row in the JSON field order; null is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CDR_API_NAMES)
    yield buffer.getvalue().encode()
    for batch in batches:
        records = _value_tuples(batch)
        lines: list[bytes] = []
        for array, values in zip(_json_arrays(records), records, strict=True):
            if array is not None:
                # Only a null token has a comma (or the array's edge) on both sides of it.
                cells = (b"," + array + b",").replace(b",null,", b",,").replace(b",null,", b",,")
                lines.append(cells[1:-1].replace(b'"', b"") + b"\r\n")
            else:
                buffer.seek(0)
                buffer.truncate()
                writer.writerow([_inert(value) for value in values])
                lines.append(buffer.getvalue().encode())
        yield b"".join(lines)


# What a spreadsheet takes a cell starting with for a formula (OWASP, "CSV Injection"). A
# number with its sign (+13125550100, -5) is read as the number and runs nothing: it is kept.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"[+-][0-9]+(\.[0-9]+)?")
# The same, as a JSON string that is a cell of a record's array starts (a tab or CR is escaped
# in JSON, which sends the record to the csv module anyway).
_JSON_FORMULA = re.compile(rb',"(?:[=@]|[+-](?![0-9]+(?:\.[0-9]+)?"))')


def _inert(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, with a ' before it, which makes the
    spreadsheet show it as the text it is."""
    if (
        value.__class__ is str
        and value.startswith(FORMULA_STARTS)
        and not _SIGNED_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _value_tuples(batch: Batch) -> list[tuple[Any, ...]]:
    records = []
    for row, time in zip(batch.rows, batch.times, strict=True):
        values = list(row)
        values[1] = time
        # A tuple of plain values leaves the garbage collector's tracking at its first pass,
        # where lists kept for a whole batch would be carried into its oldest generation.
        records.append(tuple(values))
    return records


def _json_arrays(batch: list[tuple[Any, ...]]) -> list[bytes | None]:
    """Each record as the inside of a JSON array, where that is its CSV row but for the
    quotes around strings and the word null, else None, for the csv module to write.

    Writing the batch as JSON is several times faster than the csv module. A record's JSON is
    its CSV row when no string needs quoting in CSV: none has a quote, a line break or another
    control character (JSON escapes them with a backslash) or a comma (the array has only its
    separators), and when no number is written otherwise: orjson and str() differ on floats
    Python writes with an exponent, infinity and NaN, which only the measurements' columns
    can hold (the others are integers and text)."""
    try:
        encoded = orjson.dumps(batch)[2:-2].split(b"],[")
    except orjson.JSONEncodeError:  # an integer over 64 bits
        return [None] * len(batch)
    if len(encoded) != len(batch):  # a string with "],[" in it
        return [None] * len(batch)
    low, high = PLAIN_FLOATS
    # A text starting like a formula goes to the csv module too (a tab or CR is escaped in
    # JSON, so it goes there already); looked for in the whole batch first.
    formulas = _JSON_FORMULA.search(b"," + b",".join(encoded)) is not None
    arrays: list[bytes | None] = []
    for array, values in zip(encoded, batch, strict=True):
        plain = b"\\" not in array and array.count(b",") == FIELDS - 1
        if plain and formulas:
            plain = _JSON_FORMULA.search(b"," + array) is None
        for index in MEASUREMENTS:
            value = values[index]
            # Zero (a measurement not taken) is written alike, 0.0, by both.
            if type(value) is float and value and not low <= abs(value) < high:
                plain = False
        arrays.append(array if plain else None)
    return arrays


def wants_csv(accept: str, format: str | None) -> bool:
    """Whether a report is asked for as CSV: by `format` (json or csv) when sent, else by the
    Accept header."""
    if format is not None:
        if format.lower() not in ("json", "csv"):
            raise Invalid(f"format must be json or csv, got {format!r}")
        return format.lower() == "csv"
    return prefers_csv(accept)


def prefers_csv(accept: str) -> bool:
    """Whether an Accept header asks for CSV: it names `text/csv` with a quality above 0 and
    at least that of JSON (`application/json`, else `application/*`, else `*/*`). JSON is the
    answer otherwise, so `*/*` alone or `application/json, text/csv;q=0.5` get JSON."""
    quality: dict[str, float] = {}
    for entry in accept.split(","):
        media, *parameters = (part.strip() for part in entry.split(";"))
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        media = media.lower()
        quality[media] = max(q, quality.get(media, 0.0))
    csv_q = quality.get("text/csv", 0.0)
    json_q = next(
        (quality[m] for m in ("application/json", "application/*", "*/*") if m in quality), 0.0
    )
    return csv_q > 0 and csv_q >= json_q


# -- the OpenAPI document's description of the above -----------------------------------------

DOCS = FaceDocs(StatusMessage)

CallReport = column_model(
    "CallReport",
    CallDetailRecord.__table__,
    CDR_FIELDS,
    moment=str,
    doc="A call detail record in the seed's fields and order. `time` is on the report's "
    "clock (`timezone`), written as the seed does; the measurements (`percentJitter`, "
    "`packetLoss`, `qos`, `mos`) are decimals, the counts and flags integers.",
    override={
        "time": text(r"^\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}$", "10/10/22 23:07:20"),
        "direction": Direction,
        "disposition": Disposition,
    },
)

CallReportArray: Any = list[CallReport]  # type: ignore[valid-type]
REPORT: dict[str, Any] = {
    "description": "The records, newest first: a JSON array, or CSV (`format=csv`, or an "
    "`Accept` header preferring text/csv) with a header row of the JSON field names.",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}


class LoadCounts(Wire):
    """How many records of the batch were stored, and how many skipped as already loaded."""

    created: int
    duplicates: int
