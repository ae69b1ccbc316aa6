"""Every query on lenders, borrowers, loans and buckets, each scoped to one tenant."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from opendialer.db.base import utcnow
from opendialer.db.bulk import insert_values
from opendialer.db.ids import new_ids
from opendialer.loans.models import BORROWER_DEFAULTS, Borrower, BucketPolicy, Lender, Loan

Owned = TypeVar("Owned", Lender, Borrower, Loan)

# Rows per IN (...) look-up and per executemany batch in bulk upserts.
CHUNK = 500


@dataclass
class UpsertResult:
    """Ids by natural key, and how many rows were created, changed or left as they were."""

    ids: dict[str, str] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class OwnedRepository(Generic[Owned]):
    """Queries on one table of tenant- and servicer-owned rows, keyed by a natural key too."""

    def __init__(
        self,
        model: type[Owned],
        key: str,
        session: Session,
        tenant_id: int,
        defaults: dict[str, Any] | None = None,
    ) -> None:
        self.model: type[Owned] = model
        self.key = key
        # Values of NOT NULL columns for rows an upsert creates without them (bulk inserts
        # bypass the model's own defaults).
        self.defaults = defaults or {}
        self.session = session
        self.tenant_id = tenant_id
        self.table: Table = model.__table__  # type: ignore[assignment]
        # Each servicer's natural keys, once remember_keys has loaded them.
        self.keys: dict[int, set[str | None]] = {}

    def _base(self) -> Select[Owned]:
        return select(self.model).where(self.model.tenant_id == self.tenant_id)

    def get(self, row_id: str, servicer_id: int | None = None) -> Owned | None:
        query = self._base().where(self.model.id == row_id)
        if servicer_id is not None:
            query = query.where(self.model.servicer_id == servicer_id)
        return self.session.scalars(query).first()

    def by_key(self, servicer_id: int | None, value: str) -> Sequence[Owned]:
        query = self._base().where(getattr(self.model, self.key) == value)
        if servicer_id is not None:
            query = query.where(self.model.servicer_id == servicer_id)
        return self.session.scalars(query.order_by(self.model.created_at, self.model.id)).all()

    def page(self, servicer_id: int | None, offset: int, limit: int) -> tuple[int, Sequence[Owned]]:
        query = self._base()
        if servicer_id is not None:
            query = query.where(self.model.servicer_id == servicer_id)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(self.model.created_at, self.model.id).offset(offset).limit(limit)
        ).all()
        return int(total), rows

    def add(self, row: Owned) -> Owned:
        row.tenant_id = self.tenant_id
        self.session.add(row)
        self.session.flush()
        return row

    def remember_keys(self, servicer_id: int) -> None:
        """Load the servicer's natural keys once, ahead of many upserts (a feed of millions of
        rows): each upsert then looks up only the rows that exist, so a first import looks up
        none. Looked up batch by batch, a table filling inside one transaction has no
        statistics, and PostgreSQL answers each look-up by scanning all of it."""
        query = select(self.table.c[self.key]).where(
            self.table.c.tenant_id == self.tenant_id, self.table.c.servicer_id == servicer_id
        )
        self.keys[servicer_id] = set(self.session.scalars(query))

    def upsert(self, servicer_id: int, rows: dict[str, dict[str, Any]]) -> UpsertResult:
        """Create or change rows found by natural key; rows whose values all match stay as
        they are (their updated time too), so re-sending a feed changes nothing."""
        result = UpsertResult()
        columns: list[str] = sorted({column for sent in rows.values() for column in sent})
        key_column = self.table.c[self.key]
        known = self.keys.get(servicer_id)
        keys = list(rows) if known is None else [key for key in rows if key in known]
        existing: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), CHUNK):
            query = select(self.table.c.id, key_column, *[self.table.c[c] for c in columns]).where(
                self.table.c.tenant_id == self.tenant_id,
                self.table.c.servicer_id == servicer_id,
                key_column.in_(keys[start : start + CHUNK]),
            )
            for row in self.session.execute(query).mappings():
                existing[row[self.key]] = dict(row)
        now = utcnow()
        # Created rows are lists of values: the batch's columns (the key among them), those
        # with defaults, then the id and the owner's columns.
        insert_columns: list[str] = [*columns, *(c for c in self.defaults if c not in columns)]
        if self.key not in insert_columns:
            insert_columns.append(self.key)
        key_index = insert_columns.index(self.key)
        defaults = [(insert_columns.index(c), value) for c, value in self.defaults.items()]
        owned: list[Any] = [self.tenant_id, servicer_id, now, now]
        inserts: list[list[Any]] = []
        updates: list[dict[str, Any]] = []
        new_row_ids = iter(new_ids(sum(1 for key in rows if key not in existing)))
        for key, values in rows.items():
            found = existing.get(key)
            if found is None:
                row_id = next(new_row_ids)
                insert = [values.get(c) for c in insert_columns]
                insert += [row_id, *owned]
                insert[key_index] = key
                for index, default in defaults:
                    if insert[index] is None:
                        insert[index] = default
                inserts.append(insert)
                result.ids[key] = row_id
                result.created += 1
                continue
            result.ids[key] = found["id"]
            changed = {c: v for c, v in values.items() if found.get(c) != v}
            if changed:
                updates.append({**found, **values, "_id": found["id"], "updated_at": now})
                result.updated += 1
            else:
                result.unchanged += 1
        insert_columns += ["id", "tenant_id", "servicer_id", "created_at", "updated_at"]
        insert_values(self.session, self.table, insert_columns, inserts)
        self._update(updates, columns)
        if known is not None:
            known.update(result.ids)
        return result

    def _update(self, rows: list[dict[str, Any]], columns: Iterable[str]) -> None:
        if not rows:
            return
        names: list[str] = [c for c in columns if c != self.key]
        statement = (
            update(self.table)
            .where(self.table.c.id == bindparam("_id"))
            .values({c: bindparam(c) for c in [*names, "updated_at"]})
        )
        for row in rows:
            for name in names:
                row.setdefault(name, None)
        self.session.execute(statement, rows)


def lenders(session: Session, tenant_id: int) -> OwnedRepository[Lender]:
    return OwnedRepository(Lender, "name", session, tenant_id)


def borrowers(session: Session, tenant_id: int) -> OwnedRepository[Borrower]:
    return OwnedRepository(
        Borrower,
        "external_reference_id",
        session,
        tenant_id,
        defaults=BORROWER_DEFAULTS,
    )


def loans(session: Session, tenant_id: int) -> OwnedRepository[Loan]:
    return OwnedRepository(Loan, "external_reference_id", session, tenant_id)


class BucketRepository:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _base(self) -> Select[BucketPolicy]:
        return select(BucketPolicy).where(BucketPolicy.tenant_id == self.tenant_id)

    def get(self, bucket_id: str, servicer_id: int | None = None) -> BucketPolicy | None:
        query = self._base().where(BucketPolicy.id == bucket_id)
        if servicer_id is not None:
            query = query.where(BucketPolicy.servicer_id == servicer_id)
        return self.session.scalars(query).first()

    def in_scope(
        self, servicer_id: int | None, lender_id: str | None = None
    ) -> Sequence[BucketPolicy]:
        query = self._base()
        if servicer_id is not None:
            query = query.where(BucketPolicy.servicer_id == servicer_id)
        if lender_id is not None:
            query = query.where(BucketPolicy.lender_id == lender_id)
        order = (BucketPolicy.servicer_id, BucketPolicy.call_days_start, BucketPolicy.id)
        return self.session.scalars(query.order_by(*order)).all()

    def overlapping(
        self, servicer_id: int, lender_id: str | None, start: int, end: int
    ) -> BucketPolicy | None:
        lender_match = (
            BucketPolicy.lender_id.is_(None)
            if lender_id is None
            else BucketPolicy.lender_id == lender_id
        )
        query = self._base().where(
            BucketPolicy.servicer_id == servicer_id,
            lender_match,
            BucketPolicy.call_days_start <= end,
            BucketPolicy.call_days_end >= start,
        )
        return self.session.scalars(query.limit(1)).first()

    def add(self, bucket: BucketPolicy) -> BucketPolicy:
        bucket.tenant_id = self.tenant_id
        self.session.add(bucket)
        self.session.flush()
        return bucket

    def delete(self, bucket: BucketPolicy) -> None:
        self.session.delete(bucket)
        self.session.flush()
