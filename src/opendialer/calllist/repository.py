"""Every call-list query: the build (one INSERT ... SELECT per servicer) and the pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    Table,
    bindparam,
    case,
    cast,
    delete,
    func,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from opendialer.calllist.models import CallListBuild, CallListEntry
from opendialer.calltracking.models import TrackedCall
from opendialer.db.base import UTCDateTime
from opendialer.db.bulk import bulk_load
from opendialer.db.ids import id_series
from opendialer.db.repository import TenantRepository
from opendialer.loans.models import Borrower, BucketPolicy, Lender, Loan

# The build, in SQL both databases run; {placeholders} take each dialect's date arithmetic.
# A loan is listed when it is in repayment and its days late fall inside a bucket of its
# servicer (a bucket narrowed to the loan's lender wins over a general one), and it has not yet
# reached the bucket's attempts or contacts cap within the bucket's window.
BUILD_SQL = """
INSERT INTO call_list_entries (
    call_id, tenant_id, servicer_id, list_date, position, loan_id, borrower_id, lender_id,
    bucket_id, call_code, loan_days_late, call_days_start, call_days_end,
    call_attempts_per_bucket, call_contacts_per_bucket, window_start, window_end, created_at
)
SELECT
    :id_series || {hex12}, m.tenant_id, m.servicer_id, :list_date, row_number() OVER ranked,
    m.loan_id, m.borrower_id, m.lender_id, m.bucket_id, m.call_code, m.days_late,
    m.call_days_start, m.call_days_end, m.call_attempts_per_bucket, m.call_contacts_per_bucket,
    m.window_start, m.window_end, :now
FROM (
    SELECT
        l.id AS loan_id, l.tenant_id, l.servicer_id, l.borrower_id, l.lender_id,
        b.id AS bucket_id, b.call_code, {days_late} AS days_late,
        b.call_days_start, b.call_days_end, b.call_attempts_per_bucket,
        b.call_contacts_per_bucket,
        {window_start} AS window_start, {window_end} AS window_end
    FROM loans l
    JOIN bucket_policies b
      ON b.tenant_id = l.tenant_id AND b.servicer_id = l.servicer_id
     AND {days_late} BETWEEN b.call_days_start AND b.call_days_end
     AND (
        b.lender_id = l.lender_id
        OR (b.lender_id IS NULL AND NOT EXISTS (
            SELECT 1 FROM bucket_policies n
            WHERE n.tenant_id = l.tenant_id AND n.servicer_id = l.servicer_id
              AND n.lender_id = l.lender_id
              AND {days_late} BETWEEN n.call_days_start AND n.call_days_end
        ))
     )
    WHERE l.tenant_id = :tenant_id AND l.servicer_id = :servicer_id
      AND l.status = 'repayment' AND l.paid_to_date IS NOT NULL
) m
WHERE (
    -- One look-up of the loan's calls in the window counts both its attempts and contacts.
    SELECT CASE
        WHEN count(*) >= m.call_attempts_per_bucket
          OR count(CASE WHEN t.call_status = 'Contacted' THEN 1 END) >= m.call_contacts_per_bucket
        THEN 1 ELSE 0 END
    FROM tracked_calls t
    WHERE t.tenant_id = m.tenant_id AND t.loan_id = m.loan_id
      AND t.call_timestamp >= {window_start_ts} AND t.call_timestamp < {window_after_ts}
) = 0
WINDOW ranked AS (ORDER BY m.days_late DESC, m.loan_id)
"""

ENTRIES: Table = CallListEntry.__table__  # type: ignore[assignment]

# A window's days stop at the calendar's last day, 9999-12-31, the last a date can hold.
DIALECT_SQL: dict[str, dict[str, str]] = {
    "sqlite": {
        "hex12": "printf('%012x', row_number() OVER ranked)",
        "days_late": "CAST(julianday(:list_date) - julianday(l.paid_to_date) AS INTEGER)",
        # date() answers NULL past 9999-12-31.
        "window_start": (
            "COALESCE(date(l.paid_to_date, '+' || b.call_days_start || ' days'), '9999-12-31')"
        ),
        "window_end": (
            "COALESCE(date(l.paid_to_date, '+' || b.call_days_end || ' days'), '9999-12-31')"
        ),
        # SQLite keeps UTC timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff', which sorts as text;
        # '9999-12-32' sorts after every moment of the last day.
        "window_start_ts": "m.window_start",
        "window_after_ts": "COALESCE(date(m.window_end, '+1 day'), '9999-12-32')",
    },
    "postgresql": {
        "hex12": "lpad(to_hex(row_number() OVER ranked), 12, '0')",
        "days_late": "(CAST(:list_date AS date) - l.paid_to_date)",
        "window_start": "LEAST(l.paid_to_date + b.call_days_start, DATE '9999-12-31')",
        "window_end": "LEAST(l.paid_to_date + b.call_days_end, DATE '9999-12-31')",
        "window_start_ts": "(m.window_start::timestamp AT TIME ZONE 'UTC')",
        "window_after_ts": "((m.window_end + 1)::timestamp AT TIME ZONE 'UTC')",
    },
}


class CallListRepository(TenantRepository):
    def servicers_with_buckets(self, servicer_id: int | None) -> list[int]:
        query = self.scoped(BucketPolicy, BucketPolicy.servicer_id).distinct()
        if servicer_id is not None:
            query = query.where(BucketPolicy.servicer_id == servicer_id)
        return sorted(self.session.scalars(query).all())

    def build(self, servicer_id: int, list_date: date, now: datetime) -> int:
        """Replace the servicer's list for `list_date`; answers how many entries it has."""
        keys = {"tenant_id": self.tenant_id, "servicer_id": servicer_id, "list_date": list_date}
        statement = text(BUILD_SQL.format(**DIALECT_SQL[self.dialect])).bindparams(
            bindparam("list_date", type_=CallListEntry.__table__.c.list_date.type),
            bindparam("now", type_=UTCDateTime()),
        )
        # A servicer's list can be a million entries, sorted by days late and written to
        # indexes keyed by loan and borrower: a bulk load.
        with bulk_load(self.session, ENTRIES):
            self.session.execute(delete(CallListEntry).filter_by(**keys))
            self.session.execute(delete(CallListBuild).filter_by(**keys))
            build = CallListBuild(**keys, built_at=now, entries=0)
            self.session.add(build)
            self.session.flush()
            # Each entry's callId is the build's series of ids numbered by its position, so
            # that entries are written in the order of their primary key.
            self.session.execute(statement, {**keys, "now": now, "id_series": id_series()})
        build.entries = self.count(servicer_id, list_date)
        self.session.flush()
        return build.entries

    def count(self, servicer_id: int, list_date: date) -> int:
        query = self.scoped(CallListEntry, func.count()).where(
            CallListEntry.servicer_id == servicer_id, CallListEntry.list_date == list_date
        )
        return int(self.session.scalar(query) or 0)

    def builds(self, list_date: date, servicer_id: int | None) -> Sequence[CallListBuild]:
        query = self.scoped(CallListBuild).where(CallListBuild.list_date == list_date)
        if servicer_id is not None:
            query = query.where(CallListBuild.servicer_id == servicer_id)
        return self.session.scalars(query.order_by(CallListBuild.servicer_id)).all()

    def latest_date(self, servicer_id: int | None) -> date | None:
        query = self.scoped(CallListBuild, func.max(CallListBuild.list_date))
        if servicer_id is not None:
            query = query.where(CallListBuild.servicer_id == servicer_id)
        value = self.session.scalar(query)
        return value if isinstance(value, date) else None

    def entries(self, list_date: date, servicer_id: int | None) -> list[CallListEntry]:
        """The day's list (of one servicer, or all), in its order."""
        query = self._entries(list_date, servicer_id).order_by(
            CallListEntry.servicer_id, CallListEntry.position
        )
        return list(self.session.scalars(query))

    def _entries(self, list_date: date, servicer_id: int | None) -> Select[CallListEntry]:
        query = self.scoped(CallListEntry).where(CallListEntry.list_date == list_date)
        if servicer_id is not None:
            query = query.where(CallListEntry.servicer_id == servicer_id)
        return query

    def seek(
        self, servicer_id: int, list_date: date, offset: int, limit: int
    ) -> list[CallListEntry]:
        """Entries offset+1..offset+limit of one servicer's list, found by position."""
        query = (
            self._entries(list_date, servicer_id)
            .where(CallListEntry.position > offset)
            .order_by(CallListEntry.position)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def filtered(
        self,
        list_date: date,
        servicer_id: int | None,
        *,
        loan_id: str | None,
        borrower_ids: Sequence[str] | None,
        call_code: str | None,
        offset: int,
        limit: int,
    ) -> tuple[int, list[CallListEntry]]:
        query = self._entries(list_date, servicer_id)
        if loan_id is not None:
            query = query.where(CallListEntry.loan_id == loan_id)
        if borrower_ids is not None:
            query = query.where(CallListEntry.borrower_id.in_(borrower_ids))
        if call_code is not None:
            query = query.where(CallListEntry.call_code == call_code)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        ordered = query.order_by(CallListEntry.servicer_id, CallListEntry.position)
        rows = list(self.session.scalars(ordered.offset(offset).limit(limit)))
        return int(total), rows

    def borrower_ids_with_phone(self, e164: str, servicer_id: int | None) -> list[str]:
        query = self.scoped(Borrower, Borrower.id).where(Borrower.phone_e164 == e164)
        if servicer_id is not None:
            query = query.where(Borrower.servicer_id == servicer_id)
        return list(self.session.scalars(query))

    def by_ids(self, model: type[Any], ids: set[str]) -> dict[str, Any]:
        if not ids:
            return {}
        rows = self.session.scalars(self.scoped(model, by_key=True).where(model.id.in_(ids)))
        return {row.id: row for row in rows}

    def loans(self, ids: set[str]) -> dict[str, Loan]:
        return self.by_ids(Loan, ids)

    def borrowers(self, ids: set[str]) -> dict[str, Borrower]:
        return self.by_ids(Borrower, ids)

    def lenders(self, ids: set[str]) -> dict[str, Lender]:
        return self.by_ids(Lender, ids)

    def tracked_call_days(
        self, loan_ids: set[str], since: datetime, before: datetime | None
    ) -> list[tuple[str, date, int, int]]:
        """(loan id, UTC day, calls, contacts) of the loans' tracked calls in [since, before)
        (with no end when `before` is None), a row per loan and day: counted by the
        database, so that a loan called 90,000 times sends back a row a day, not a call."""
        if not loan_ids:
            return []
        day = _utc_day(self.dialect)
        contacted = func.count(case((TrackedCall.call_status == "Contacted", 1)))
        query = (
            self.scoped(TrackedCall, TrackedCall.loan_id, day, func.count(), contacted)
            .where(TrackedCall.loan_id.in_(loan_ids), TrackedCall.call_timestamp >= since)
            .group_by(TrackedCall.loan_id, day)
        )
        if before is not None:
            query = query.where(TrackedCall.call_timestamp < before)
        return [
            (loan, _as_date(when), int(calls), int(contacts))
            for loan, when, calls, contacts in self.session.execute(query)
        ]


def _utc_day(dialect: str) -> ColumnElement[Any]:
    """A tracked call's day in UTC: SQLite keeps UTC times as text that starts with it."""
    if dialect == "sqlite":
        return func.substr(TrackedCall.call_timestamp, 1, 10)
    return cast(func.timezone("UTC", TrackedCall.call_timestamp), Date)


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def servicers_without_list(session: Session, list_date: date) -> list[tuple[int, int]]:
    """(tenant, servicer) of every servicer with buckets whose list of `list_date` is not
    built: housekeeping across tenants, as the daily build does it; no tenant's rows are
    read."""
    scope = (BucketPolicy.tenant_id, BucketPolicy.servicer_id)
    built = select(CallListBuild.tenant_id, CallListBuild.servicer_id).where(
        CallListBuild.list_date == list_date
    )
    query = select(*scope).distinct().where(tuple_(*scope).not_in(built))
    return [(tenant, servicer) for tenant, servicer in session.execute(query)]
