"""Rules for lenders, borrowers, loans, loan feeds and bucket policies."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Table
from sqlalchemy.orm import Session

from opendialer.db.bulk import insert_encoded
from opendialer.errors import Conflict, Invalid, NotFound
from opendialer.loans.feed import INSERT_COLUMNS, FeedPlan, FeedPlanner, borrower_values
from opendialer.loans.models import Borrower, BucketPolicy, Lender, Loan
from opendialer.loans.repository import (
    BucketRepository,
    OwnedRepository,
    borrowers,
    lenders,
    loans,
)
from opendialer.loans.schemas import (
    BORROWER_KEY,
    BUCKET_MANDATORY,
    LENDER_KEY,
    LENDER_MANDATORY,
    LOAN_KEY,
    LOAN_MANDATORY,
    BucketInput,
    FeedRow,
)

Row = TypeVar("Row", bound=Lender | Borrower | Loan)

# A bucket's days late end at 100 years: its window (paid-to date plus the days) must stay a
# date both databases can store.
MAX_BUCKET_DAYS = 36500


@dataclass
class FeedCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: FeedCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


class _OwnedRows(Generic[Row]):
    """Lenders, borrowers or loans of one tenant: listing, reading, creating and changing them.
    `noun` names one in messages, `key_name` its natural key, `mandatory` what a create must
    send and a change may not clear, (API name, column) each."""

    noun: str
    key_name: str
    mandatory: Sequence[tuple[str, str]] = ()

    def __init__(self, session: Session, repository: OwnedRepository[Row]) -> None:
        self.session = session
        self.rows = repository

    def get(self, row_id: str, servicer_id: int | None = None) -> Row:
        row = self.rows.get(row_id, servicer_id)
        if row is None:
            raise NotFound(f"{self.noun} {row_id} not found")
        return row

    def page(
        self, servicer_id: int | None, key: str | None, offset: int, limit: int
    ) -> tuple[int, Sequence[Row]]:
        """One page of the servicer's rows (all servicers' with None), oldest first, or of those
        with natural key `key`; and how many there are."""
        if key is None:
            return self.rows.page(servicer_id, offset, limit)
        matches = self.rows.by_key(servicer_id, key)
        return len(matches), matches[offset : offset + limit]

    def create(self, servicer_id: int, body: BaseModel) -> Row:
        values = self._values(servicer_id, body, creating=True)
        key = values.get(self.rows.key)
        if key is not None and self.rows.by_key(servicer_id, key):
            raise Conflict(f"a {self.noun} with {self.key_name} {key!r} exists")
        return self.rows.add(self.rows.model(servicer_id=servicer_id, **values))

    def update(self, row_id: str, servicer_id: int | None, body: BaseModel) -> Row:
        row = self.get(row_id, servicer_id)
        values = self._values(row.servicer_id, body, creating=False)
        key = values.get(self.rows.key)
        if (
            key is not None
            and key != getattr(row, self.rows.key)
            and self.rows.by_key(row.servicer_id, key)
        ):
            raise Conflict(f"a {self.noun} with {self.key_name} {key!r} exists")
        for column, value in values.items():
            setattr(row, column, value)
        self.session.flush()
        return row

    def require(self, row_id: str, servicer_id: int) -> Row:
        """A row named inside a request body: one that is not the servicer's is bad input."""
        row = self.rows.get(row_id, servicer_id)
        if row is None:
            raise Invalid(f"{self.noun}Id {row_id} does not exist")
        return row

    def _values(self, servicer_id: int, body: BaseModel, *, creating: bool) -> dict[str, Any]:
        values = body.model_dump(exclude_unset=True)
        for api, column in self.mandatory:
            if (creating and values.get(column) is None) or (
                column in values and values[column] is None
            ):
                raise Invalid(f"{api} is required")
        return self._checked(servicer_id, values)

    def _checked(self, servicer_id: int, values: dict[str, Any]) -> dict[str, Any]:
        """The columns to store of what a body sent, once checked."""
        return values


class Lenders(_OwnedRows[Lender]):
    noun, key_name, mandatory = "lender", "lenderName", LENDER_MANDATORY

    def __init__(self, session: Session, tenant_id: int) -> None:
        super().__init__(session, lenders(session, tenant_id))


class Borrowers(_OwnedRows[Borrower]):
    noun, key_name = "borrower", "borrowerExternalReferenceId"

    def __init__(self, session: Session, tenant_id: int) -> None:
        super().__init__(session, borrowers(session, tenant_id))

    def _checked(self, servicer_id: int, values: dict[str, Any]) -> dict[str, Any]:
        # Not given at all, the type and consent take the columns' defaults when created.
        return borrower_values(values)


class Loans(_OwnedRows[Loan]):
    noun, key_name, mandatory = "loan", "loanExternalReferenceId", LOAN_MANDATORY

    def __init__(self, session: Session, tenant_id: int) -> None:
        super().__init__(session, loans(session, tenant_id))
        self.tenant_id = tenant_id

    def _checked(self, servicer_id: int, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("lender_id") is not None:
            Lenders(self.session, self.tenant_id).require(values["lender_id"], servicer_id)
        if values.get("borrower_id") is not None:
            Borrowers(self.session, self.tenant_id).require(values["borrower_id"], servicer_id)
        return values

    def unknown(self, loan_ids: Sequence[str]) -> list[str]:
        """Those of `loan_ids` that are no loan of the tenant, in the order given."""
        known = self.rows.known_ids(loan_ids)
        return [loan_id for loan_id in loan_ids if loan_id not in known]


class LoanBook:
    """The loan feed of one tenant: lenders, borrowers and loans created or brought up to date
    by their natural keys, many at a time."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.lenders = lenders(session, tenant_id)
        self.borrowers = borrowers(session, tenant_id)
        self.loans = loans(session, tenant_id)

    @property
    def tables(self) -> list[Table]:
        """The lenders', borrowers' and loans' tables, which a feed writes."""
        return [repository.table for repository in self._feed_repositories]

    def feed_planner(self, servicer_id: int, rows: Sequence[FeedRow] | None = None) -> FeedPlanner:
        """A planner of the servicer's feed, knowing the ids of the stored keys the feed may
        name: those `rows` name, or, ahead of a feed read a chunk at a time, all of them (a
        first import finds none, and looks none up)."""
        keys: list[Collection[str] | None] = [None, None, None]
        if rows is not None:
            keys = [
                {row.values[position] for row in rows if row.values[position]}
                for position in (LENDER_KEY, BORROWER_KEY, LOAN_KEY)
            ]
        ids = {
            repository.table.name: repository.ids_by_key(servicer_id, named)
            for repository, named in zip(self._feed_repositories, keys, strict=True)
        }
        dialect = self.session.get_bind().dialect.name
        return FeedPlanner(self.tenant_id, servicer_id, dialect, ids)

    def upsert_feed(self, servicer_id: int, rows: Sequence[FeedRow]) -> FeedCounts:
        """Apply a loan feed: each row's lender, borrower and loan are created or brought up to
        date by their natural keys; a row identical to what is stored changes nothing."""
        return self.apply_feed(self.feed_planner(servicer_id, rows).plan(rows))

    def apply_feed(self, plan: FeedPlan) -> FeedCounts:
        """Store what a planner of this book's feed planned: the rows created first (the loans'
        lenders and borrowers before them), then the changes."""
        plan.build()
        for repository in self._feed_repositories:
            table = repository.table
            insert_encoded(
                self.session, table, INSERT_COLUMNS[table.name], plan.created.get(table.name, [])
            )
        self.lenders.change(plan.changes.get("lenders", {}))
        self.borrowers.change(plan.changes.get("borrowers", {}))
        updated, unchanged = self.loans.change(plan.changes.get("loans", {}))
        return FeedCounts(plan.loans_created, updated, unchanged)

    @property
    def _feed_repositories(self) -> list[OwnedRepository[Any]]:
        return [self.lenders, self.borrowers, self.loans]


class BucketService:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.buckets = BucketRepository(session, tenant_id)
        self.lenders = Lenders(session, tenant_id)

    def get(self, bucket_id: str, servicer_id: int | None = None) -> BucketPolicy:
        bucket = self.buckets.get(bucket_id, servicer_id)
        if bucket is None:
            raise NotFound(f"bucket {bucket_id} not found")
        return bucket

    def list(self, servicer_id: int | None) -> Sequence[BucketPolicy]:
        return self.buckets.in_scope(servicer_id)

    def create(self, servicer_id: int, body: BucketInput) -> BucketPolicy:
        values = body.model_dump(exclude_unset=True)
        names = {column: api for api, column in BUCKET_MANDATORY}
        missing = [api for column, api in names.items() if values.get(column) is None]
        if missing:
            raise Invalid("missing mandatory field(s): " + ", ".join(missing))
        for column, api in names.items():
            if column != "call_code" and values[column] < 0:
                raise Invalid(f"{api} must not be negative")
        for column in ("call_days_start", "call_days_end"):
            if values[column] > MAX_BUCKET_DAYS:
                raise Invalid(f"{names[column]} must be at most {MAX_BUCKET_DAYS} days")
        if not values["call_code"].strip():
            raise Invalid("callCode must not be empty")
        start, end = values["call_days_start"], values["call_days_end"]
        if start > end:
            raise Invalid(f"callDaysStart {start} is after callDaysEnd {end}")
        lender_id = values.get("lender_id")
        if lender_id is not None:
            self.lenders.require(lender_id, servicer_id)
        clash = self.buckets.overlapping(servicer_id, lender_id, start, end)
        if clash is not None:
            raise Conflict(
                f"days {start}-{end} overlap bucket {clash.call_code} "
                f"({clash.call_days_start}-{clash.call_days_end}) of the same scope"
            )
        return self.buckets.add(BucketPolicy(servicer_id=servicer_id, **values))

    def delete(self, bucket_id: str, servicer_id: int | None = None) -> None:
        self.buckets.delete(self.get(bucket_id, servicer_id))
