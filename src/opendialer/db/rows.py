"""A select run straight on the driver's connection, for the hottest reads.

Answering `GET /dialler/contacts/{id}` through a Session cost about 165 µs of CPU for a read
that takes the driver about 30: the session, its transaction, SQLAlchemy's execution context
and result objects. A `RowQuery` is compiled once per dialect; each call binds its
parameters in the driver's own style, runs the statement on a pooled connection, and converts
the one row's values with the column types' own result processors, so that the row reads back
exactly as through a Session (datetimes, floats for amounts). `send` runs one for all its
rows, and in psycopg's pipeline mode only sends it, so that the server can work on several
while the caller goes on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import CompoundSelect, Select
from sqlalchemy.engine import Dialect


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # parameter names in order, for positional drivers
    keys: tuple[str, ...]
    types: tuple[Any, ...]  # each column's type as the dialect implements it
    # The values the statement binds itself (its literals), as the driver takes them.
    fixed: Mapping[str, Any]
    # The named parameters' types' bind processors, where they have one (datetimes).
    binds: Mapping[str, Callable[[Any], Any]]
    # Each column's result processor, once the driver has said what type it sends back.
    processors: tuple[Callable[[Any], Any] | None, ...] | None = None

    def bound(self, params: Mapping[str, Any]) -> Any:
        """`params`, with the statement's own values, in the driver's style."""
        if self.fixed or self.binds:
            params = {**self.fixed, **params}
            for name, process in self.binds.items():
                params[name] = process(params[name])
        if self.positions is not None:
            return tuple(params[name] for name in self.positions)
        return params


class RowQuery:
    """A select of plain columns (no ORM entities) whose parameters are bound by name with
    `bindparam` (it may bind literals of its own), run straight on a DBAPI connection."""

    def __init__(self, statement: Select[Any] | CompoundSelect[Any]) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            columns = self.statement.selected_columns
            fixed, binds = {}, {}
            for bind, name in compiled.bind_names.items():
                process = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if not bind.required:
                    value = bind.effective_value
                    fixed[name] = value if process is None else process(value)
                elif process is not None:
                    binds[name] = process
            found = _Compiled(
                sql=str(compiled),
                positions=tuple(compiled.positiontup or ()) if compiled.positional else None,
                keys=tuple(str(column.key) for column in columns),
                types=tuple(column.type.dialect_impl(dialect) for column in columns),
                fixed=fixed,
                binds=binds,
            )
            self._by_dialect[dialect.name] = found
        return found

    def processors(
        self, dialect: Dialect, description: Any
    ) -> tuple[Callable[[Any], Any] | None, ...]:
        """Each column's result processor, worked out once the driver has described them."""
        compiled = self.compiled(dialect)
        processors = compiled.processors
        if processors is None:
            processors = tuple(
                kind.result_processor(dialect, column[1])
                for kind, column in zip(compiled.types, description, strict=True)
            )
            self._by_dialect[dialect.name] = replace(compiled, processors=processors)
        return processors

    def first(
        self, connection: Any, dialect: Dialect, params: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The first row on a DBAPI connection, as a dict of column key to value."""
        compiled = self.compiled(dialect)
        cursor = connection.cursor()
        try:
            cursor.execute(compiled.sql, compiled.bound(params))
            row = cursor.fetchone()
            processors = self.processors(dialect, cursor.description)
        finally:
            cursor.close()
        if row is None:
            return None
        return {
            key: value if process is None else process(value)
            for key, process, value in zip(compiled.keys, processors, row, strict=True)
        }

    def send(self, connection: Any, dialect: Dialect, params: Mapping[str, Any]) -> Rows:
        """Runs the select on a DBAPI connection for all its rows, read by `Rows.all`. In
        psycopg's pipeline mode the statement is only sent: the server works on it while the
        caller goes on, until the rows are read."""
        compiled = self.compiled(dialect)
        cursor = connection.cursor()
        try:
            cursor.execute(compiled.sql, compiled.bound(params))
        except BaseException:
            cursor.close()
            raise
        return Rows(self, dialect, cursor)


class Rows:
    """The rows of a select sent by `RowQuery.send`, read once."""

    __slots__ = ("_cursor", "_dialect", "_query")

    def __init__(self, query: RowQuery, dialect: Dialect, cursor: Any) -> None:
        self._query = query
        self._dialect = dialect
        self._cursor = cursor

    def all(self) -> list[tuple[Any, ...]]:
        """Every row, as a tuple of the columns' values read back as a Session reads them."""
        cursor = self._cursor
        try:
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            processors = self._query.processors(self._dialect, cursor.description)
        finally:
            cursor.close()
        processed = [(at, process) for at, process in enumerate(processors) if process]
        if not processed:
            return rows
        converted = []
        for row in rows:
            values = list(row)
            for at, process in processed:
                values[at] = process(values[at])
            converted.append(tuple(values))
        return converted

    def mappings(self) -> list[dict[str, Any]]:
        """Every row, as a dict of column key to value."""
        keys = self._query.compiled(self._dialect).keys
        return [dict(zip(keys, row, strict=True)) for row in self.all()]
