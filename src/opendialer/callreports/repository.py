"""Every CDR query, scoped to one tenant or to a partner's set of tenants."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from opendialer.callreports.models import CallDetailRecord
from opendialer.callreports.schemas import CDR_COLUMNS
from opendialer.db.bulk import bulk_insert, sqlite_value
from opendialer.db.repository import owned_by

CDRS: Table = CallDetailRecord.__table__  # type: ignore[assignment]
LOOKUP_CHUNK = 500


class CdrRepository:
    def __init__(self, session: Session, tenant_ids: Sequence[int]) -> None:
        if not tenant_ids:
            raise ValueError("a CDR query needs at least one tenant")
        self.session = session
        self.tenant_ids = list(tenant_ids)

    def known_unique_ids(self, tenant_id: int, unique_ids: Iterable[str]) -> set[str]:
        wanted = list(unique_ids)
        known: set[str] = set()
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            query = select(CDRS.c.unique_id).where(
                owned_by(CDRS, tenant_id),
                CDRS.c.unique_id.in_(wanted[start : start + LOOKUP_CHUNK]),
            )
            known.update(self.session.scalars(query))
        return known

    def taken_ids(self, tenant_id: int, ids: Iterable[str]) -> set[str]:
        """Which of `ids` a record of the tenant already has."""
        wanted = list(ids)
        taken: set[str] = set()
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            query = select(CDRS.c.id).where(
                owned_by(CDRS, tenant_id),
                CDRS.c.id.in_(wanted[start : start + LOOKUP_CHUNK]),
            )
            taken.update(self.session.scalars(query))
        return taken

    def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        bulk_insert(self.session, CDRS, rows)

    def insert_new(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert `rows` (dicts with the same keys), but those whose `unique_id` their tenant
        has already: in one statement, the unique index on it telling which as each row goes
        in, rather than a look-up first. (Without statistics, PostgreSQL answered that look-up
        by reading every record of the tenant.)"""
        if not rows:
            return
        columns = tuple(rows[0])
        if self.session.get_bind().dialect.name != "postgresql":
            self.session.execute(_insert_new_sqlite(), list(rows))
            return
        params = {column: [row[column] for row in rows] for column in columns}
        self.session.execute(_insert_new_postgresql(columns), params)

    def newest_first(
        self, start: datetime, end: datetime, after: tuple[str, str] | None, limit: int
    ) -> list[tuple[Any, ...]]:
        """Up to `limit` records with start <= time <= end (more when other tenants' records
        share the last one's time and id), newest first, resuming after the (time, id) of the
        last record of the previous batch, as value tuples in CDR_COLUMNS order with `time` as
        UTC ISO text, YYYY-MM-DD HH:MM:SS.ffffff (how SQLite stores it).

        The rows come straight from the driver's cursor: SQLAlchemy's result rows and its UTC
        timestamp type would cost a report more CPU per record than the database reading it."""
        connection = self.session.connection()
        postgres = connection.dialect.name == "postgresql"
        mark = "%s" if postgres else "?"
        columns = ", ".join(
            f"to_char(\"time\" AT TIME ZONE 'UTC', '{PG_ISO_TEXT}')"
            if postgres and c == "time"
            else f'"{c}"'
            for c in CDR_COLUMNS
        )
        tenants = ", ".join(mark for _ in self.tenant_ids)
        bound = _postgres_time if postgres else sqlite_value
        # After a batch, the range ends at its last record's time (which the key implies): as
        # the upper bound of the index range, each batch starts where the last one ended
        # instead of walking past every record the earlier batches sent.
        last = bound(end) if after is None else bound(after[0])
        select_from = f'SELECT {columns} FROM "{CDRS.name}" WHERE "tenant_id" IN ({tenants})'
        sql = f'{select_from} AND "time" >= {mark} AND "time" <= {mark}'
        params: list[Any] = [*self.tenant_ids, bound(start), last]
        if after is not None:
            sql += f' AND ("time", "id") < ({mark}, {mark})'
            params += [last, after[1]]
        # Ids are unique within a tenant only, so across tenants records may share a time and
        # an id: those are ordered by tenant, and the ones past the batch's last record join
        # the batch, since the next one starts after that time and id.
        several = len(self.tenant_ids) > 1
        sql += ' ORDER BY "time" DESC, "id" DESC'
        sql += f', "tenant_id" DESC LIMIT {mark}' if several else f" LIMIT {mark}"
        params.append(limit)
        rows = _fetch(connection, sql, params)
        if several and len(rows) == limit:
            record_id, time = rows[-1][0], rows[-1][1]
            sent = sum(1 for row in rows if row[0] == record_id and row[1] == time)
            tied = f'{select_from} AND "time" = {mark} AND "id" = {mark} ORDER BY "tenant_id" DESC'
            rows += _fetch(connection, tied, [*self.tenant_ids, bound(time), record_id])[sent:]
        return rows


def _fetch(connection: Connection, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    finally:
        cursor.close()
    return rows


# PostgreSQL's to_char pattern for a time as SQLite stores it.
PG_ISO_TEXT = "YYYY-MM-DD HH24:MI:SS.US"


def _postgres_time(moment: datetime | str) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@lru_cache(maxsize=8)
def _insert_new_postgresql(columns: tuple[str, ...]) -> Any:
    """INSERT of rows given as one array per column, skipping those whose (tenant, unique_id)
    is taken: built once per set of columns, its few parameters bound at each call."""
    arrays = [bindparam(column, type_=ARRAY(_type_of(CDRS.c[column]))) for column in columns]
    rows = func.unnest(*arrays).table_valued(*columns).render_derived()
    return (
        postgresql.insert(CDRS)
        .from_select(
            list(columns), select(*(rows.c[column] for column in columns)), include_defaults=False
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "unique_id"])
    )


def _type_of(column: Any) -> Any:
    """A column's type; a foreign key's without one of its own is its target's."""
    if isinstance(column.type, NullType):
        return next(iter(column.foreign_keys)).column.type
    return column.type


@lru_cache(maxsize=1)
def _insert_new_sqlite() -> Any:
    return sqlite.insert(CDRS).on_conflict_do_nothing(index_elements=["tenant_id", "unique_id"])
