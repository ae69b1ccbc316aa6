"""Who may read which CDRs over which range, loading CDRs, and reading a report's records."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from opendialer.auth.principal import Principal, Role
from opendialer.callreports.repository import CdrRepository
from opendialer.callreports.schemas import CDR_COLUMNS, CdrInput
from opendialer.db.base import utcnow
from opendialer.db.ids import new_id
from opendialer.errors import Conflict, Forbidden, Invalid, NotFound
from opendialer.kit.apimodel import INT32, whole_number
from opendialer.kit.phones import to_e164
from opendialer.tenancy.service import partner_tenants, tenant_for_billing_code

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
    owned = partner_tenants(session, partner) if partner is not None else []
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
    return whole_number("tenantId", raw, 1, INT32)


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
            values.update(
                tenant_id=tenant_id, dialed_e164=to_e164(record.dialed_num), created_at=now
            )
            rows.append(values)
        taken = self.cdrs.taken_ids(tenant_id, sent_ids)
        if taken:
            index = min(sent_ids[record_id] for record_id in taken)
            raise Conflict(f"[{index}].id {records[index].id} is already taken by another record")
        self.cdrs.insert(rows)
        counts.created = len(rows)
        return counts

    def add_once(self, rows: Sequence[dict[str, Any]]) -> None:
        """Store the records of calls placed through the dialler (of one tenant), but those
        whose `unique_id` the tenant already has (a client may have loaded one under it)."""
        self.cdrs.insert_new(rows)

    def batches(self, window: ReportRange) -> Iterator[list[tuple[Any, ...]]]:
        """The window's records, newest first, a batch at a time: value tuples in CDR_COLUMNS
        order, with `time` as UTC ISO text (YYYY-MM-DD HH:MM:SS.ffffff)."""
        after: tuple[str, str] | None = None
        while True:
            rows = self.cdrs.newest_first(window.start, window.end, after, STREAM_BATCH)
            if not rows:
                return
            after = (rows[-1][1], rows[-1][0])
            yield rows
            if len(rows) < STREAM_BATCH:
                return
