"""Every call tracking query: tracked calls and the loans and borrowers they are posted for."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.engine import RowMapping

from opendialer.calltracking.models import TrackedCall
from opendialer.db.bulk import bulk_insert, sqlite_page_cache
from opendialer.db.repository import TenantRepository
from opendialer.loans.models import Borrower, Loan

CALLS: Table = TrackedCall.__table__  # type: ignore[assignment]
LOANS: Table = Loan.__table__  # type: ignore[assignment]
BORROWERS: Table = Borrower.__table__  # type: ignore[assignment]


class LoanOwner(NamedTuple):
    """What a tracked call takes from its loan."""

    servicer_id: int
    borrower_id: str | None


@dataclass(frozen=True)
class CallFilter:
    """Filters in stored terms: ids, an E.164 number and a [since, before) window on the call
    time."""

    servicer_id: int | None = None
    loan_id: str | None = None
    borrower_id: str | None = None
    phone_e164: str | None = None
    since: datetime | None = None
    before: datetime | None = None


# SQLite page cache while a batch of calls is inserted, in KiB (the connection's default is
# 2 MiB; the cache is put back afterwards), for batches of at least BATCH_CACHE_FROM calls:
# fewer fit the default cache, and a call the dialler records alone is not slowed by it.
BATCH_CACHE_KIB = 64 * 1024
BATCH_CACHE_FROM = 100


class TrackedCallRepository(TenantRepository):
    def _where(self, where: CallFilter) -> list[ColumnElement[bool]]:
        clauses = [self.owns(CALLS)]
        if where.servicer_id is not None:
            # With a loan, borrower or number named, their index finds the few calls; offered
            # the servicer's index too, SQLite, which keeps no statistics, took it and walked
            # all the servicer's calls (388 ms for none among 221,000). `+ 0` keeps it from
            # being used as an index there. PostgreSQL's statistics choose well by themselves.
            named = (where.loan_id, where.borrower_id, where.phone_e164)
            servicer: ColumnElement[int] = CALLS.c.servicer_id
            if any(named) and self.dialect == "sqlite":
                servicer = servicer + 0
            clauses.append(servicer == where.servicer_id)
        if where.loan_id is not None:
            clauses.append(CALLS.c.loan_id == where.loan_id)
        if where.borrower_id is not None:
            clauses.append(CALLS.c.borrower_id == where.borrower_id)
        if where.phone_e164 is not None:
            clauses.append(CALLS.c.phone_e164 == where.phone_e164)
        if where.since is not None:
            clauses.append(CALLS.c.call_timestamp >= where.since)
        if where.before is not None:
            clauses.append(CALLS.c.call_timestamp < where.before)
        return clauses

    def page(self, where: CallFilter, offset: int, limit: int) -> tuple[int, list[RowMapping]]:
        """How many calls match, and one page of them, newest call first."""
        clauses = self._where(where)
        total = self.session.scalar(select(func.count()).select_from(CALLS).where(*clauses)) or 0
        if offset >= total:
            return int(total), []
        query = (
            select(CALLS)
            .where(*clauses)
            .order_by(CALLS.c.call_timestamp.desc(), CALLS.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return int(total), list(self.session.execute(query).mappings())

    def insert_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """One executemany (a binary COPY on PostgreSQL) for the rows, which all name the same
        columns, each value of its column's type. On SQLite the batch's index pages are kept
        in memory until the commit (a thousand calls dirty three thousand pages, and past the
        default cache they were written and read back during the insert)."""
        cache = (
            sqlite_page_cache(self.session, BATCH_CACHE_KIB)
            if len(rows) >= BATCH_CACHE_FROM
            else nullcontext()
        )
        with cache:
            bulk_insert(self.session, CALLS, rows, binary=True)

    def loans(self, loan_ids: Collection[str], servicer_id: int | None) -> dict[str, LoanOwner]:
        """The tenant's loans among `loan_ids` (the servicer's only, when one is named)."""
        if not loan_ids:
            return {}
        # Looked up by primary key, the (tenant_id, servicer_id, status) index out of the
        # planner's choices: offered it, both databases walked every loan of the servicer
        # testing each against the batch's ids.
        query = self.scoped(
            LOANS, LOANS.c.id, LOANS.c.servicer_id, LOANS.c.borrower_id, by_key=True
        ).where(self.one_of(LOANS.c.id, loan_ids))
        if servicer_id is not None:
            query = query.where(LOANS.c.servicer_id + 0 == servicer_id)
        return {row[0]: LoanOwner(row[1], row[2]) for row in self.session.execute(query).all()}

    def borrower_servicers(self, borrower_ids: Collection[str]) -> dict[str, int]:
        """The servicer of each of the tenant's borrowers among `borrower_ids`."""
        if not borrower_ids:
            return {}
        # By primary key, as the loans above.
        query = self.scoped(BORROWERS, BORROWERS.c.id, BORROWERS.c.servicer_id, by_key=True).where(
            self.one_of(BORROWERS.c.id, borrower_ids)
        )
        return {borrower_id: owner for borrower_id, owner in self.session.execute(query).all()}
