"""Loan feeds planned a chunk at a time, where they are read: which lenders, borrowers and loans
a chunk creates, as rows ready for the database, and which stored ones it may change.

A feed of a million loans is read and checked in a second process (csvfeed); planning it there
too leaves the importing process nothing to do for a created row but send it on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table

from opendialer.db.base import utcnow
from opendialer.db.bulk import Encoded, encode_rows
from opendialer.db.ids import new_ids
from opendialer.kit.csvfeed import Row
from opendialer.kit.phones import to_e164
from opendialer.loans.models import BORROWER_DEFAULTS, Borrower, Lender, Loan
from opendialer.loans.schemas import (
    BORROWER_KEY,
    FEED_ENDS,
    FEED_PARTS,
    FEED_STARTS,
    LENDER_KEY,
    LOAN_KEY,
    FeedRow,
    check_feed_rows,
)

TABLES: dict[str, Table] = {
    model.__tablename__: model.__table__  # type: ignore[misc]
    for model in (Lender, Borrower, Loan)
}
# The columns of a created row, in the order its values are encoded: what a feed can send (and
# what is worked out from it), then the id, the owner and the times.
OWNED_COLUMNS = ["id", "tenant_id", "servicer_id", "created_at", "updated_at"]
# Each table's part of a FeedRow.
PARTS = {"lenders": 0, "borrowers": 1, "loans": 2}
_WORKED_OUT = {"lenders": [], "borrowers": ["phone_e164"], "loans": ["lender_id", "borrower_id"]}
INSERT_COLUMNS = {
    table: [column for _, column in FEED_PARTS[part]] + _WORKED_OUT[table] + OWNED_COLUMNS
    for table, part in PARTS.items()
}
_BORROWER_COLUMNS = INSERT_COLUMNS["borrowers"]
# Values of the borrowers' NOT NULL columns for created rows that do not send them, by where
# the row's columns hold them; and where they hold the phone number.
_BORROWER_DEFAULTS = [(_BORROWER_COLUMNS.index(c), v) for c, v in BORROWER_DEFAULTS.items()]
_PHONE = _BORROWER_COLUMNS.index("phone_number")


def borrower_values(values: dict[str, Any]) -> dict[str, Any]:
    """Borrower columns as stored: a type or consent sent as null is its default, and the
    phone number's E.164 form goes with it when it is set."""
    for column, default in BORROWER_DEFAULTS.items():
        if column in values and values[column] is None:
            values[column] = default
    if "phone_number" in values:
        values["phone_e164"] = to_e164(values["phone_number"])
    return values


@dataclass
class FeedPlan:
    """What one chunk of a feed does, by table name: the rows it creates and the columns it
    sends of stored rows, by their ids (`changes`).

    The rows it creates are first their ids and values (`new`: for each, its id, for a loan
    its lender's and borrower's ids too, and the FeedRow's values); build() makes them rows of
    INSERT_COLUMNS, encoded for the database (`created`)."""

    tenant_id: int
    servicer_id: int
    dialect: str
    now: datetime
    new: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    created: dict[str, Encoded] = field(default_factory=dict)
    changes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    loans_created: int = 0

    def build(self) -> FeedPlan:
        """The new rows made and encoded, if they are not yet."""
        owned = [self.tenant_id, self.servicer_id, self.now, self.now]
        for table, new in self.new.items():
            part = PARTS[table]
            start, end = FEED_STARTS[part], FEED_ENDS[part]
            rows: list[list[Any]] = []
            # The part's run of values is its columns' (INSERT_COLUMNS starts with them).
            if table == "borrowers":
                for row_id, values in new:
                    row = values[start:end]
                    for index, default in _BORROWER_DEFAULTS:
                        if row[index] is None:
                            row[index] = default
                    row += [to_e164(row[_PHONE]), row_id, *owned]
                    rows.append(row)
            elif table == "loans":
                for row_id, lender_id, borrower_id, values in new:
                    rows.append([*values[start:end], lender_id, borrower_id, row_id, *owned])
            else:
                for row_id, values in new:
                    rows.append([*values[start:end], row_id, *owned])
            self.created[table] = encode_rows(
                self.dialect, TABLES[table], INSERT_COLUMNS[table], rows
            )
        self.new = {}
        return self


@dataclass
class FeedPlanner:
    """Plans a servicer's feed chunk by chunk, each chunk after those before it.

    `ids` holds, by table name, the id of every natural key stored (those the feed may name)
    and, as chunks are planned, of every key they create: a key seen again is a change of a
    stored row. Every plan must then be applied, in order, in one transaction."""

    tenant_id: int
    servicer_id: int
    dialect: str
    ids: dict[str, dict[str, str]]

    def check(self, rows: list[Row]) -> tuple[FeedPlan | None, list[str]]:
        """A feed file's rows checked (a message for each bad one) and the good ones planned;
        a module-level object's method, for a process reading the file.

        For PostgreSQL the plan is built here too: the importing process then only sends its
        rows, while the server, on the other core, stores them. SQLite stores them in the
        importing process, which builds them there, between chunks: the two processes then
        take about as long for a chunk."""
        valid, problems = check_feed_rows(rows)
        if not valid:
            return None, problems
        plan = self.plan(valid)
        return (plan.build() if self.dialect == "postgresql" else plan), problems

    def plan(self, rows: Sequence[FeedRow]) -> FeedPlan:
        """Each row's lender, borrower and loan created or changed by their natural keys; of
        rows naming the same key, the last one's values count. The plan is not built."""
        lenders: dict[str, FeedRow] = {}
        borrowers: dict[str, FeedRow] = {}
        loans: dict[str, FeedRow] = {}
        for row in rows:
            values = row.values
            # LoanFeedRow has made sure that a row sending lender or borrower fields has its key.
            if name := values[LENDER_KEY]:
                lenders[name] = row
            if key := values[BORROWER_KEY]:
                borrowers[key] = row
            loans[values[LOAN_KEY]] = row
        plan = FeedPlan(self.tenant_id, self.servicer_id, self.dialect, utcnow())
        # Lenders and borrowers first: the loans take their ids.
        for table, keyed in (("lenders", lenders), ("borrowers", borrowers)):
            new = self._plan(table, keyed, plan)
            if new:
                plan.new[table] = [(row_id, keyed[key].values) for key, row_id in new]
        new = self._plan("loans", loans, plan)
        if new:
            lender_ids, borrower_ids = self.ids["lenders"], self.ids["borrowers"]
            new_loans = plan.new["loans"] = []
            for key, row_id in new:
                values = loans[key].values
                lender_id = lender_ids.get(values[LENDER_KEY])
                borrower_id = borrower_ids.get(values[BORROWER_KEY])
                new_loans.append((row_id, lender_id, borrower_id, values))
        plan.loans_created = len(new)
        return plan

    def _plan(self, table: str, rows: dict[str, FeedRow], plan: FeedPlan) -> list[tuple[str, str]]:
        """Plans `rows` of `table` by natural key: the changes of stored rows go in the plan,
        the keys of new rows get ids, and are answered with them."""
        ids = self.ids[table]
        changes = {ids[key]: self._sent(table, row) for key, row in rows.items() if key in ids}
        if changes:
            plan.changes[table] = changes
        new = [key for key in rows if key not in ids]
        created = list(zip(new, new_ids(len(new)), strict=True))
        ids.update(created)
        return created

    def _sent(self, table: str, row: FeedRow) -> dict[str, Any]:
        """The columns `row` sends of its part in `table`: what it changes of a stored row."""
        values = row.part(PARTS[table])
        if table == "borrowers":
            return borrower_values(values)
        if table == "loans":
            lender, borrower = row.values[LENDER_KEY], row.values[BORROWER_KEY]
            if lender:
                values["lender_id"] = self.ids["lenders"][lender]
            if borrower:
                values["borrower_id"] = self.ids["borrowers"][borrower]
        return values
