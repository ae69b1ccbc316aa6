"""Every query on lenders, borrowers, loans and buckets, each scoped to one tenant."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from opendialer.db.base import utcnow
from opendialer.db.repository import TenantRepository
from opendialer.loans.models import Borrower, BucketPolicy, Lender, Loan

Owned = TypeVar("Owned", bound=Lender | Borrower | Loan)

# Ids or keys per IN (...) look-up.
CHUNK = 500


class OwnedRepository(TenantRepository, Generic[Owned]):
    """Queries on one table of tenant- and servicer-owned rows, keyed by a natural key too."""

    def __init__(self, model: type[Owned], key: str, session: Session, tenant_id: int) -> None:
        super().__init__(session, tenant_id)
        self.model: type[Owned] = model
        self.key = key
        self.table: Table = model.__table__  # type: ignore[assignment]

    def _base(self) -> Select[Owned]:
        return self.scoped(self.model)

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

    def ids_by_key(self, servicer_id: int, keys: Collection[str] | None = None) -> dict[str, str]:
        """The ids of the servicer's rows by natural key: of all of them, or of `keys`."""
        key_column = self.table.c[self.key]
        query = self.scoped(self.table, key_column, self.table.c.id).where(
            self.table.c.servicer_id == servicer_id
        )
        if keys is None:
            return {key: row_id for key, row_id in self.session.execute(query)}
        ids: dict[str, str] = {}
        listed = list(keys)
        for start in range(0, len(listed), CHUNK):
            chunk = listed[start : start + CHUNK]
            looked_up = self.session.execute(query.where(key_column.in_(chunk)))
            ids.update({key: row_id for key, row_id in looked_up})
        return ids

    def known_ids(self, ids: Collection[str]) -> set[str]:
        """Those of `ids` that are the tenant's rows."""
        known: set[str] = set()
        listed = list(ids)
        for start in range(0, len(listed), CHUNK):
            query = self.scoped(self.table, self.table.c.id, by_key=True).where(
                self.table.c.id.in_(listed[start : start + CHUNK])
            )
            known.update(self.session.scalars(query))
        return known

    def change(self, rows: dict[str, dict[str, Any]]) -> tuple[int, int]:
        """Set the columns sent of stored rows (`rows` by id); rows whose values all match stay
        as they are (their updated time too), so re-sending a feed changes nothing. Answers how
        many rows changed and how many did not."""
        columns: list[str] = sorted({column for sent in rows.values() for column in sent})
        ids = list(rows)
        updates: list[dict[str, Any]] = []
        unchanged = 0
        now = utcnow()
        for start in range(0, len(ids), CHUNK):
            columns_read = [self.table.c[c] for c in columns]
            query = self.scoped(self.table, self.table.c.id, *columns_read, by_key=True).where(
                self.table.c.id.in_(ids[start : start + CHUNK])
            )
            for found in self.session.execute(query).mappings():
                values = rows[found["id"]]
                if any(found[c] != v for c, v in values.items()):
                    updates.append({**found, **values, "_id": found["id"], "updated_at": now})
                else:
                    unchanged += 1
        self._update(updates, columns)
        return len(updates), unchanged

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
    return OwnedRepository(Borrower, "external_reference_id", session, tenant_id)


def loans(session: Session, tenant_id: int) -> OwnedRepository[Loan]:
    return OwnedRepository(Loan, "external_reference_id", session, tenant_id)


class BucketRepository(TenantRepository):
    def _base(self) -> Select[BucketPolicy]:
        return self.scoped(BucketPolicy)

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
