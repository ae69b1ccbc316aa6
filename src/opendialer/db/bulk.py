"""Fast bulk inserts (COPY on PostgreSQL, a plain executemany on SQLite) and updates.

All bypass SQLAlchemy's per-value bind processing, so values are converted here, once, the
way each database stores them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from itertools import repeat
from operator import is_
from typing import Any

from sqlalchemy import ColumnElement, Date, DateTime, Dialect, Table, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from opendialer.db.base import utc_iso_texts

# SQLite page cache for a bulk load's connection, in KiB (the default is 2 MiB).
BULK_LOAD_CACHE_KIB = 512 * 1024
# PostgreSQL sort memory for a bulk load's transaction (the default is 4 MB).
BULK_LOAD_WORK_MEM = "256MB"


def sqlite_value(value: Any) -> Any:
    """`value` as SQLite stores it: times as UTC text to the microsecond, dates as ISO text."""
    if isinstance(value, datetime):
        if value.tzinfo is UTC:
            # Most values are UTC already: one isoformat call, its "+00:00" cut off.
            return value.isoformat(sep=" ", timespec="microseconds")[:-6]
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def bulk_insert(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, binary: bool = False
) -> None:
    """Insert `rows` (dicts with the same keys, column names as keys) into `table`.

    `binary`: on PostgreSQL, COPY in the binary format, which psycopg writes several times
    faster than text. Each value must then be of the Python type psycopg dumps for its
    column's SQL type: a str for text, an int for an integer, an aware datetime for a
    timestamp with time zone; never a string standing for a number or a time."""
    if not rows:
        return
    columns = list(rows[0])
    insert_values(session, table, columns, [[row[c] for c in columns] for row in rows], binary)


def insert_values(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: list[list[Any]],
    binary: bool = False,
) -> None:
    """Insert `rows`, each a list of values in `columns` order, into `table`, as bulk_insert
    does; on SQLite the lists' date and time values are converted in place."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        insert_encoded(session, table, columns, _to_sqlite(table, columns, rows))
        return
    with _copy(session, table, columns, binary) as copy:
        if binary:
            copy.set_types([_pg_type(table.c[c], connection.dialect) for c in columns])
        for row in rows:
            copy.write_row(row)


# Rows encoded for one database by encode_rows: COPY's text on PostgreSQL, lists of the
# values SQLite stores elsewhere.
Encoded = str | list[list[Any]]


def encode_rows(
    dialect: str, table: Table, columns: Sequence[str], rows: list[list[Any]]
) -> Encoded:
    """`rows`, lists of values in `columns` order, encoded for insert_encoded on the database
    `dialect` names ("postgresql" or "sqlite"): where the rows are made (a second process,
    say), so that the writer only sends them. Values are None, text, numbers, booleans, dates
    and aware times; on SQLite the lists are converted in place."""
    if dialect == "postgresql":
        return copy_text(rows)
    return _to_sqlite(table, columns, rows)


def insert_encoded(session: Session, table: Table, columns: Sequence[str], rows: Encoded) -> None:
    """Insert rows that encode_rows encoded for this session's database into `table`."""
    if not rows:
        return
    if isinstance(rows, str):
        with _copy(session, table, columns) as copy:
            copy.write(rows)
        return
    connection = session.connection()
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with driver_errors(connection.dialect, statement):
            cursor.executemany(statement, rows)
    finally:
        cursor.close()


@contextmanager
def _copy(
    session: Session, table: Table, columns: Sequence[str], binary: bool = False
) -> Iterator[Any]:
    connection = session.connection()
    raw = connection.connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    if binary:
        statement += " (FORMAT BINARY)"
    cursor = raw.cursor()  # type: ignore[union-attr]
    with driver_errors(connection.dialect, statement), cursor, cursor.copy(statement) as copy:
        yield copy


@contextmanager
def driver_errors(dialect: Dialect, statement: str) -> Iterator[None]:
    """The driver's errors, from statements sent past SQLAlchemy, raised as SQLAlchemy's
    (IntegrityError for a duplicate key, OperationalError for a lock), as the same statement
    sent through the session would raise them: one handler answers both."""
    dbapi_error = dialect.loaded_dbapi.Error
    try:
        yield
    except dbapi_error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi_error, dialect=dialect) from exc


# COPY's text format: a row a line, values separated by tabs, \N for NULL, and a backslash
# before the backslashes, tabs and line breaks of a value.
_COPY_NULL = "\\N"
_COPY_SPECIAL = ("\\", "\t", "\n", "\r")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(rows: list[list[Any]]) -> str:
    """`rows` (lists of the same length) in COPY's text format. A value is written as str()
    spells it, which PostgreSQL reads back for every type encode_rows takes: "True", "12.5",
    "2020-08-03", "2026-12-01 01:30:00.123456+00:00"."""
    columns = [_copy_column(values) for values in zip(*rows, strict=True)]
    return "".join(["\t".join(row) + "\n" for row in zip(*columns, strict=True)])


def _copy_column(values: tuple[Any, ...]) -> list[str]:
    """One column's values as COPY's text spells them, converted a column at a time: most
    columns hold one type, many have nothing to escape, and several hold one value (the
    owner's, the batch's time)."""
    first = values[0]
    # The loops over every value run in C: map(is_, ...) rather than a generator.
    if len(values) > 1 and values[-1] is first and all(map(is_, values, repeat(first))):
        return _copy_column((first,)) * len(values)
    # A column's dates and amounts repeat: each value is spelled once (equal values of a
    # column's one type are spelled alike).
    spelled: dict[Any, str] = {}
    texts = [
        value
        if value.__class__ is str
        else ""
        if value is None
        else spelled.get(value) or spelled.setdefault(value, str(value))
        for value in values
    ]
    # Four scans for single characters are many times faster than one for a class of them.
    joined = "".join(texts)
    if any(special in joined for special in _COPY_SPECIAL):
        texts = [text.translate(_COPY_ESCAPES) for text in texts]
    if any(map(is_, values, repeat(None))):
        nulls = zip(values, texts, strict=True)
        texts = [_COPY_NULL if value is None else text for value, text in nulls]
    return texts


def bulk_update(
    session: Session, table: Table, keys: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """Set, in each row of `table` whose `keys` columns equal a row's values for them, the
    row's other columns; `rows` are dicts with the same keys, column names as keys.

    Column defaults are not applied: a row names every column it changes, timestamps too."""
    if not rows:
        return
    columns = [c for c in rows[0] if c not in keys]
    connection = session.connection()
    raw = connection.connection.driver_connection
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    assignments = ", ".join(f'"{c}" = {mark}' for c in columns)
    match = " AND ".join(f'"{c}" = {mark}' for c in keys)
    statement = f'UPDATE "{table.name}" SET {assignments} WHERE {match}'
    ordered = [*columns, *keys]
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        with driver_errors(connection.dialect, statement):
            if connection.dialect.name == "postgresql":
                cursor.executemany(statement, [[row[c] for c in ordered] for row in rows])
            else:
                values = [[row[c] for c in ordered] for row in rows]
                cursor.executemany(statement, _to_sqlite(table, ordered, values))
    finally:
        cursor.close()


def _to_sqlite(table: Table, columns: Sequence[str], values: list[list[Any]]) -> list[list[Any]]:
    """`values`, rows of values in `columns` order, with dates and times (converted in place)
    as SQLite stores them."""
    # Only the date and time columns' values are converted: at a hundred thousand rows a call
    # per value would cost more than SQLite takes to store them.
    for i, column in enumerate(columns):
        if not _is_temporal(table.c[column]):
            continue
        stored = _sqlite_column([row_values[i] for row_values in values])
        for row_values, value in zip(values, stored, strict=True):
            row_values[i] = value
    return values


def _sqlite_column(column: list[Any]) -> list[Any]:
    """`sqlite_value` of each of a column's values."""
    first = column[0]
    if all(value is first for value in column):  # a batch's one timestamp: converted once
        return [sqlite_value(first)] * len(column)
    if all(isinstance(value, datetime) and value.tzinfo is UTC for value in column):
        return [f"{text[:10]} {text[11:]}" for text in utc_iso_texts(column)]
    previous: Any = None
    stored: Any = None
    converted = []
    for value in column:
        if value is not previous:
            previous, stored = value, sqlite_value(value)
        converted.append(stored)
    return converted


def _pg_type(column: ColumnElement[Any], dialect: Dialect) -> str:
    """The column's SQL type as psycopg names it: "varchar", "integer", "timestamp with time
    zone"."""
    return column.type.compile(dialect=dialect).split("(")[0].strip().lower()


def _is_temporal(column: ColumnElement[Any]) -> bool:
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, Date | DateTime)


@contextmanager
def bulk_load(session: Session, *tables: Table) -> Iterator[None]:
    """Around a load of many rows into `tables`.

    On SQLite the connection's page cache is raised to 512 MiB meanwhile (sqlite_page_cache):
    rows indexed by values in no order (borrowers by phone number, call-list entries, listed by
    days late, by loan and borrower) land all over those indexes, and the cache's size also
    bounds how much of a large sort SQLite keeps in memory.

    On PostgreSQL the load sorts in memory (a million rows' sort spills to disk at the default
    4 MB of `work_mem`) and without JIT (which took over a second to compile a statement run
    once), both set back afterwards; and the tables are analyzed once loaded. Autovacuum would
    do it some time after the commit; until then the planner takes a table of a million rows
    for an empty one, and answers a look-up of a page's hundred ids by scanning all of them."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        settings = {"work_mem": BULK_LOAD_WORK_MEM, "jit": "off"}
        previous = {
            name: connection.exec_driver_sql(f"SHOW {name}").scalar_one() for name in settings
        }
        for name, value in settings.items():
            connection.exec_driver_sql(f"SET LOCAL {name} = '{value}'")
        yield
        for table in tables:
            connection.exec_driver_sql(f'ANALYZE "{table.name}"')
        # After an error the transaction is rolled back, which undoes SET LOCAL by itself.
        for name, value in previous.items():
            connection.exec_driver_sql(f"SET LOCAL {name} = '{value}'")
        return
    with sqlite_page_cache(session, BULK_LOAD_CACHE_KIB):
        yield


@contextmanager
def sqlite_page_cache(session: Session, kib: int) -> Iterator[None]:
    """On SQLite, the connection's page cache is `kib` KiB meanwhile, then put back, so the
    connection returns to its pool as it was; elsewhere, nothing.

    Pages dirtied past the cache's size are written to the write-ahead log while the
    transaction is still running, and read back when touched again: the default 2 MiB holds
    about 500 pages, where a thousand rows under three indexes in no order dirty three
    thousand. Dirty pages stay until the commit writes them once; then a smaller cache lets
    them go."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{kib}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


def new_ids(session: Session, table: Table, count: int) -> list[int] | range:
    """`count` new ids (its integer key `id`) of `table`, for rows inserted with their ids
    given: on PostgreSQL taken from the key's sequence in one statement, on SQLite
    `sqlite_ids`. Rows whose ids the database hands back go in one INSERT of many VALUES
    with RETURNING, which the driver parses anew each time (too long for its cache of
    statements); rows given their ids go in one COPY or executemany."""
    if session.get_bind().dialect.name != "postgresql":
        return sqlite_ids(session, table, count)
    params = {"table": table.name, "count": count}
    return list(session.scalars(_NEXT_IDS, params))


# The next ids of a table's serial key: its sequence named by the database, not guessed.
_NEXT_IDS = text(
    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"
)


def sqlite_ids(session: Session, table: Table, count: int) -> range:
    """On SQLite, `count` free ids (its integer key `id`) of `table`: those after the
    largest. SQLite has one writer at a time and the caller's transaction is it, so no other
    takes them; rows given their ids go in one executemany, where rows whose ids are asked
    back from the database are inserted one statement each."""
    last = session.scalar(select(func.max(table.c.id))) or 0
    return range(last + 1, last + 1 + count)
