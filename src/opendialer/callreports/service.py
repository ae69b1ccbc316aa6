"""Who may read which CDRs over which range, loading CDRs, and streaming a report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from sqlalchemy import Float, select
from sqlalchemy.orm import Session

from opendialer.auth.principal import Principal, Role
from opendialer.callreports.models import CallDetailRecord
from opendialer.callreports.repository import CdrRepository
from opendialer.callreports.schemas import CDR_API_NAMES, CDR_COLUMNS, CdrInput
from opendialer.db.base import utcnow
from opendialer.db.ids import new_id
from opendialer.errors import Conflict, Forbidden, Invalid, NotFound
from opendialer.tenancy.models import Tenant
from opendialer.tenancy.service import tenant_for_billing_code

DEFAULT_TIMEZONE = "America/Chicago"
MAX_RANGE = timedelta(days=31)
PARTNER_WIDE_RANGE = timedelta(hours=24)
END_SECOND = timedelta(seconds=1) - timedelta(microseconds=1)
STREAM_BATCH = 2000
READERS = frozenset({Role.ACCOUNT_ADMIN, Role.REPORTS_ADMIN, Role.PARTNER_ADMIN})


@dataclass(frozen=True)
class ReportRange:
    """A report's window: the UTC instants to read, the zone to write times in, and its length
    on that zone's clock."""

    start: datetime
    end: datetime
    zone: tzinfo
    wall_span: timedelta


def parse_range(start: str | None, end: str | None, timezone: str | None) -> ReportRange:
    """start/end as YYYY-MM-DD HH:MM:SS on the clock of `timezone` (default America/Chicago).

    Ranges are measured on that clock: 31 days (or a partner's 24 hours) of wall-clock time,
    whatever daylight-saving change falls inside."""
    name = timezone or DEFAULT_TIMEZONE
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"timezone {name!r} is not an IANA time zone") from None
    begin, finish = _wall_clock("start", start), _wall_clock("end", end)
    if finish < begin:
        raise Invalid("end is before start")
    if finish - begin > MAX_RANGE:
        raise Invalid("the range from start to end is over 31 days")
    # Times are written to the second, so the end second is included whole.
    last = _instant("end", finish, zone) + END_SECOND
    return ReportRange(_instant("start", begin, zone), last, zone, finish - begin)


def _instant(name: str, wall: datetime, zone: tzinfo) -> datetime:
    try:
        return wall.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:
        raise Invalid(f"{name} is out of range once converted to UTC") from None


def _wall_clock(name: str, raw: str | None) -> datetime:
    if not raw:
        raise Invalid(f"{name} is required (YYYY-MM-DD HH:MM:SS)")
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(raw.strip(), pattern)
        except ValueError:
            continue
    raise Invalid(f"{name} must be YYYY-MM-DD HH:MM:SS, got {raw!r}")


def require_reader(principal: Principal) -> None:
    """Only account, reports and partner admins read call reports, whatever they ask for."""
    if principal.role not in READERS:
        raise Forbidden(f"role {principal.role.value} may not read call reports")


def readable_tenants(
    session: Session,
    principal: Principal,
    tenant_id: str | None,
    billing_code: str | None,
    window: ReportRange,
) -> list[int]:
    """The tenants whose CDRs a reader (see `require_reader`) may read here, by the seed's
    rules."""
    tenant = _tenant_number(tenant_id)
    if principal.role is not Role.PARTNER_ADMIN:
        if billing_code:
            raise Invalid("billingCode is for partner admins; give tenantId")
        if tenant is None:
            raise Invalid("tenantId is required")
        if tenant != principal.tenant_id:
            raise NotFound(f"tenant {tenant} not found")
        return [tenant]
    partner = principal.partner_id
    owned = (
        [t for t in session.scalars(select(Tenant.id).where(Tenant.partner_id == partner)).all()]
        if partner is not None
        else []
    )
    if tenant is None and not billing_code:
        if window.wall_span > PARTNER_WIDE_RANGE:
            raise Invalid(
                "without tenantId or billingCode a partner's report covers at most 24 hours"
            )
        if not owned:
            raise NotFound("the partner has no tenants")
        return sorted(owned)
    if billing_code:
        found = tenant_for_billing_code(session, partner, billing_code) if partner else None
        if found is None or (tenant is not None and found.id != tenant):
            raise NotFound(f"no tenant of the partner has billing code {billing_code!r}")
        return [found.id]
    if tenant not in owned:
        raise NotFound(f"tenant {tenant} not found")
    return [tenant]


def _tenant_number(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"tenantId must be an integer, got {raw!r}") from None
    if not 0 < value < 2**31:
        raise Invalid(f"tenantId {value} is out of range")
    return value


@dataclass
class LoadCounts:
    created: int = 0
    duplicates: int = 0


class CallReports:
    def __init__(self, session: Session, tenant_ids: Sequence[int]) -> None:
        self.cdrs = CdrRepository(session, tenant_ids)

    def load(self, tenant_id: int, records: Sequence[CdrInput]) -> LoadCounts:
        """Store new records; one whose uniqueId the tenant already has is skipped. A new
        record whose id another record of the tenant (or an earlier one of the batch) has is a
        conflict; other tenants' ids are not looked at, so that none can be learnt here."""
        counts = LoadCounts()
        known = self.cdrs.known_unique_ids(tenant_id, {r.unique_id for r in records})
        rows: list[dict[str, Any]] = []
        sent_ids: dict[str, int] = {}
        now = utcnow()
        for index, record in enumerate(records):
            if record.unique_id in known:
                counts.duplicates += 1
                continue
            known.add(record.unique_id)
            values = {column: getattr(record, column) for column in CDR_COLUMNS}
            if record.id is None:
                values["id"] = new_id()
            else:
                values["id"] = str(record.id)
                if values["id"] in sent_ids:
                    raise Conflict(f"[{index}].id {values['id']} is used twice in the batch")
                sent_ids[values["id"]] = index
            values.update(tenant_id=tenant_id, created_at=now)
            rows.append(values)
        taken = self.cdrs.taken_ids(tenant_id, sent_ids)
        if taken:
            index = min(sent_ids[record_id] for record_id in taken)
            raise Conflict(f"[{index}].id {records[index].id} is already taken by another record")
        self.cdrs.insert(rows)
        counts.created = len(rows)
        return counts

    def batches(self, window: ReportRange) -> Iterator[Batch]:
        """The window's records, newest first, a batch at a time."""
        after: tuple[str, str] | None = None
        clock = SeedClock(window.zone)
        while True:
            rows = self.cdrs.newest_first(window.start, window.end, after, STREAM_BATCH)
            if not rows:
                return
            after = (rows[-1][1], rows[-1][0])
            yield Batch(rows, clock.write([row[1] for row in rows]))
            if len(rows) < STREAM_BATCH:
                return


class Batch(NamedTuple):
    """Records as the repository reads them (CDR_COLUMNS values, `time` in UTC), and the time
    of each on the report's clock. Each format builds its own records straight from the rows:
    one container per record is less work for the garbage collector than two."""

    rows: list[tuple[Any, ...]]
    times: list[str]


# The positions and names of the floating-point columns, the only ones a whole number is
# written for.
MEASUREMENTS = tuple(
    index
    for index, column in enumerate(CDR_COLUMNS)
    if isinstance(CallDetailRecord.__table__.c[column].type, Float)
)
MEASUREMENT_NAMES = tuple(CDR_API_NAMES[index] for index in MEASUREMENTS)


def _whole_numbers(values: list[Any] | dict[str, Any], keys: tuple[Any, ...]) -> None:
    """A measurement that is a whole number as the seed writes it, 0 rather than 0.0 (4.4
    stays as it is)."""
    for key in keys:
        value = values[key]
        if type(value) is float and value.is_integer():
            values[key] = int(value)


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
            _whole_numbers(record, MEASUREMENT_NAMES)
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
                writer.writerow(values)
                lines.append(buffer.getvalue().encode())
        yield b"".join(lines)


def _value_tuples(batch: Batch) -> list[tuple[Any, ...]]:
    records = []
    for row, time in zip(batch.rows, batch.times, strict=True):
        values = list(row)
        values[1] = time
        _whole_numbers(values, MEASUREMENTS)
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
    arrays: list[bytes | None] = []
    for array, values in zip(encoded, batch, strict=True):
        plain = b"\\" not in array and array.count(b",") == FIELDS - 1
        for index in MEASUREMENTS:
            value = values[index]
            if type(value) is float and not low <= abs(value) < high:
                plain = False
        arrays.append(array if plain else None)
    return arrays
