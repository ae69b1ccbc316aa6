"""The base of every repository of tenant-owned rows: the one place that scopes a query to its
tenant, so that no query can leave the tenant out."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    FromClause,
    Select,
    all_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

# What a repository is scoped to: one tenant, or a partner's several (call reports).
Tenants = int | Sequence[int] | BindParameter[Any]


def owned_by(entity: Any, tenants: Tenants, *, by_key: bool = False) -> ColumnElement[bool]:
    """The condition that a row of `entity` (a mapped class or a table) belongs to `tenants`.

    `by_key`: for a look-up by primary key, `tenant_id + 0` keeps the tenant's condition from
    being used as an index: offered an index that starts with the tenant, both databases,
    without statistics, walked every row the tenant owns instead of looking the ids up."""
    table: FromClause = getattr(entity, "__table__", entity)
    if not isinstance(tenants, int | BindParameter):
        return table.c.tenant_id.in_(list(tenants))
    if by_key:
        return table.c.tenant_id + 0 == tenants
    return table.c.tenant_id == tenants


class TenantRepository:
    """Queries on rows owned by one tenant. Every query starts from `scoped` (or, for a
    statement built once, `owned_by` with a bound tenant), so none can leave the tenant out."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def owns(self, entity: Any, *, by_key: bool = False) -> ColumnElement[bool]:
        """The condition that a row of `entity` is this repository's tenant's."""
        return owned_by(entity, self.tenant_id, by_key=by_key)

    def scoped(self, entity: Any, *columns: Any, by_key: bool = False) -> Select[Any]:
        """`select(*columns)`, or `select(entity)` when no columns are named, of the tenant's
        rows of `entity`."""
        return select(*(columns or (entity,))).where(self.owns(entity, by_key=by_key))

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def one_of(self, column: ColumnElement[Any], values: Collection[Any]) -> ColumnElement[bool]:
        """`column` is one of `values` (strings or integers), bound as one value: an array on
        PostgreSQL, a JSON array on SQLite, each read as a set of rows. An IN list of a
        thousand values cost more to render, bind and plan than the look-up itself, and so
        did PostgreSQL's `= ANY(array)` on a column with statistics (ten milliseconds of
        planning for 1,800 phone numbers)."""
        return one_of(column, self.values(values), self.dialect)

    def none_of(self, column: ColumnElement[Any], values: Collection[Any]) -> ColumnElement[bool]:
        """`column` is none of `values`, bound as `one_of` binds them."""
        return none_of(column, self.values(values), self.dialect)

    def values(self, values: Collection[Any]) -> Any:
        """`values` as `one_of` and `none_of` bind them, for a statement built once."""
        if self.dialect == "postgresql":
            return list(values)
        return orjson.dumps(list(values)).decode()


def one_of(column: ColumnElement[Any], values: Any, dialect: str) -> ColumnElement[bool]:
    """`TenantRepository.one_of`, its values bound as `TenantRepository.values` makes them:
    a statement built once binds them by name (a `bindparam` without a value)."""
    if dialect == "postgresql":
        return column.in_(select(func.unnest(_array(column, values))))
    return column.in_(select(_json_values(values)))


def none_of(column: ColumnElement[Any], values: Any, dialect: str) -> ColumnElement[bool]:
    """`column` is none of the values, bound as `one_of` binds them. On PostgreSQL as
    `<> ALL(array)`: NOT IN a set of rows made it read the whole table."""
    if dialect == "postgresql":
        return column != all_(_array(column, values))
    return column.not_in(select(_json_values(values)))


def _array(column: ColumnElement[Any], values: Any) -> BindParameter[Any]:
    if isinstance(values, BindParameter):
        return bindparam(values.key, type_=ARRAY(column.type))
    return bindparam(None, values, type_=ARRAY(column.type))


def _json_values(values: Any) -> Any:
    return func.json_each(values).table_valued("value").c.value
