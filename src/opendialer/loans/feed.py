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

from opendialer.csvfeed import Row
from opendialer.db.base import utcnow
from opendialer.db.bulk import Encoded, encode_rows
from opendialer.db.ids import new_ids
from opendialer.loans.models import BORROWER_DEFAULTS, Borrower, Lender, Loan
from opendialer.loans.schemas import (
    BORROWER_FIELDS,
    LENDER_FIELDS,
    LOAN_FIELDS,
    FeedRow,
    check_feed_rows,
)
from opendialer.phones import to_e164

TABLES: dict[str, Table] = {
    model.__tablename__: model.__table__  # type: ignore[misc]
    for model in (Lender, Borrower, Loan)
}
# The natural key a feed names each row by.
KEYS = {"lenders": "name", "borrowers": "external_reference_id", "loans": "external_reference_id"}
# The columns of a created row, in the order its values are encoded: what a feed can send (and
# what is worked out from it), then the id, the owner and the times.
OWNED_COLUMNS = ["id", "tenant_id", "servicer_id", "created_at", "updated_at"]
INSERT_COLUMNS = {
    "lenders": [column for _, column in LENDER_FIELDS] + OWNED_COLUMNS,
    "borrowers": [column for _, column in BORROWER_FIELDS] + ["phone_e164"] + OWNED_COLUMNS,
    "loans": [column for _, column in LOAN_FIELDS] + ["lender_id", "borrower_id"] + OWNED_COLUMNS,
}
# Values of NOT NULL columns for created rows that do not send them.
DEFAULTS = {"borrowers": BORROWER_DEFAULTS}


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
    """What one chunk of a feed does, by table name: the rows it creates, encoded in
    INSERT_COLUMNS order, and the columns it sends of stored rows, by their ids."""

    created: dict[str, Encoded] = field(default_factory=dict)
    changes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    loans_created: int = 0


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
        a module-level object's method, for a process reading the file."""
        valid, problems = check_feed_rows(rows)
        return (self.plan(valid) if valid else None), problems

    def plan(self, rows: Sequence[FeedRow]) -> FeedPlan:
        """Each row's lender, borrower and loan created or changed by their natural keys; of
        rows naming the same key, the last one's values count."""
        parts: dict[str, dict[str, dict[str, Any]]] = {table: {} for table in TABLES}
        links: dict[str, tuple[str | None, str | None]] = {}
        for lender, borrower, loan in rows:
            # LoanFeedRow has made sure that a row sending lender or borrower fields has its key.
            lender_name = lender.get("name")
            borrower_key = borrower.get("external_reference_id")
            if lender_name:
                parts["lenders"][lender_name] = lender
            if borrower_key:
                parts["borrowers"][borrower_key] = borrower_values(borrower)
            loan_key = loan["external_reference_id"]
            parts["loans"][loan_key] = loan
            links[loan_key] = (lender_name, borrower_key)
        plan = FeedPlan()
        now = utcnow()
        self._plan("lenders", parts["lenders"], now, plan)
        self._plan("borrowers", parts["borrowers"], now, plan)
        lender_ids, borrower_ids = self.ids["lenders"], self.ids["borrowers"]
        for loan_key, (lender_name, borrower_key) in links.items():
            loan = parts["loans"][loan_key]
            if lender_name:
                loan["lender_id"] = lender_ids[lender_name]
            if borrower_key:
                loan["borrower_id"] = borrower_ids[borrower_key]
        plan.loans_created = self._plan("loans", parts["loans"], now, plan)
        return plan

    def _plan(
        self, table: str, rows: dict[str, dict[str, Any]], now: datetime, plan: FeedPlan
    ) -> int:
        """Plans `rows` of `table` by natural key; answers how many it creates."""
        ids = self.ids[table]
        new = [key for key in rows if key not in ids]
        changes = {ids[key]: values for key, values in rows.items() if key in ids}
        if changes:
            plan.changes[table] = changes
        if not new:
            return 0
        columns = INSERT_COLUMNS[table]
        sent = columns[: -len(OWNED_COLUMNS)]
        defaults = [(sent.index(c), value) for c, value in DEFAULTS.get(table, {}).items()]
        owned = [self.tenant_id, self.servicer_id, now, now]
        created: list[list[Any]] = []
        for key, row_id in zip(new, new_ids(len(new)), strict=True):
            ids[key] = row_id
            row = list(map(rows[key].get, sent))
            for index, default in defaults:
                if row[index] is None:
                    row[index] = default
            row += [row_id, *owned]
            created.append(row)
        plan.created[table] = encode_rows(self.dialect, TABLES[table], columns, created)
        return len(created)
