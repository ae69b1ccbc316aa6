"""Rules for lenders, borrowers, loans, loan feeds and bucket policies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from opendialer.errors import Conflict, Invalid, NotFound
from opendialer.loans.feed import borrower_values
from opendialer.loans.models import Borrower, BucketPolicy, Lender, Loan
from opendialer.loans.repository import (
    BucketRepository,
    OwnedRepository,
    borrowers,
    lenders,
    loans,
)
from opendialer.loans.schemas import (
    BUCKET_MANDATORY,
    LENDER_MANDATORY,
    LOAN_MANDATORY,
    BucketInput,
)

Row = TypeVar("Row", bound=Lender | Borrower | Loan)

# A bucket's days late end at 100 years: its window (paid-to date plus the days) must stay a
# date both databases can store.
MAX_BUCKET_DAYS = 36500


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
