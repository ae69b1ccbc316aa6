"""A select run straight on the driver's connection, for the hottest reads.

Answering `GET /dialler/contacts/{id}` through a Session cost about 165 µs of CPU for a read
that takes the driver about 30: the session, its transaction, SQLAlchemy's execution context
and result objects. A `RowQuery` is compiled once per dialect; each call binds its
parameters in the driver's own style, runs the statement on a pooled connection, and converts
the one row's values with the column types' own result processors, so that the row reads back
exactly as through a Session (datetimes, floats for amounts)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # parameter names in order, for positional drivers
    keys: tuple[str, ...]
    types: tuple[Any, ...]  # each column's type as the dialect implements it
    # Each column's result processor, once the driver has said what type it sends back.
    processors: tuple[Callable[[Any], Any] | None, ...] | None = None


class RowQuery:
    """A select of plain columns (no ORM entities) whose parameters are all bound by name
    with `bindparam`, run for at most one row. Parameter values go to the driver as given:
    whole numbers and text, which no driver needs converted."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            columns = self.statement.selected_columns
            found = _Compiled(
                sql=str(compiled),
                positions=tuple(compiled.positiontup or ()) if compiled.positional else None,
                keys=tuple(str(column.key) for column in columns),
                types=tuple(column.type.dialect_impl(dialect) for column in columns),
            )
            self._by_dialect[dialect.name] = found
        return found

    def first(
        self, connection: Any, dialect: Dialect, params: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The first row on a DBAPI connection, as a dict of column key to value."""
        compiled = self.compiled(dialect)
        bound: Any = params
        if compiled.positions is not None:
            bound = tuple(params[name] for name in compiled.positions)
        cursor = connection.cursor()
        try:
            cursor.execute(compiled.sql, bound)
            row = cursor.fetchone()
            processors = compiled.processors
            if processors is None:
                processors = tuple(
                    kind.result_processor(dialect, description[1])
                    for kind, description in zip(compiled.types, cursor.description, strict=True)
                )
                self._by_dialect[dialect.name] = replace(compiled, processors=processors)
        finally:
            cursor.close()
        if row is None:
            return None
        return {
            key: value if process is None else process(value)
            for key, process, value in zip(compiled.keys, processors, row, strict=True)
        }
