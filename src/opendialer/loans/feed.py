"""Loan feeds: rows of a loan with its borrower and lender, created or brought up to date by
their natural keys, from `POST /loans/bulk` or a CSV file of millions of rows.

Everything a feed's speed rests on stays in this module, behind LoanFeed: rows are checked a
chunk at a time in one validation call and kept as lists of values in one order (FeedRow);
each chunk is planned (which rows it creates, as rows ready for the database, and which stored
ones it may change) where it is read, which for a large file is a second process (csvfeed); and
rows are written by COPY or one executemany."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NamedTuple, Required

from pydantic import AfterValidator, ConfigDict, StringConstraints, TypeAdapter, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError
from sqlalchemy import Table
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from opendialer.db.base import utcnow
from opendialer.db.bulk import Encoded, bulk_load, encode_rows, insert_encoded
from opendialer.db.ids import new_ids
from opendialer.kit import csvfeed
from opendialer.kit.apimodel import python_type, text_problem
from opendialer.kit.csvfeed import Checked, Row, validate
from opendialer.kit.phones import to_e164
from opendialer.loans.models import (
    BORROWER_DEFAULTS,
    Borrower,
    BorrowerType,
    Lender,
    Loan,
    LoanStatus,
)
from opendialer.loans.repository import OwnedRepository, borrowers, lenders, loans
from opendialer.loans.schemas import (
    BORROWER_FIELDS,
    LENDER_FIELDS,
    LOAN_FIELDS,
    MONEY_FIELDS,
    Amount,
    StateCode,
    to_cents,
)

# Loans read, checked, planned and written at a time when a file is imported: the reading
# process checks and plans one such chunk while the importing one writes the one before.
FILE_CHUNK = 5000


# A feed row's parts: its lender's, its borrower's and its loan's fields, in this order.
FEED_PARTS: list[list[tuple[str, str]]] = [LENDER_FIELDS, BORROWER_FIELDS, LOAN_FIELDS]
# Every field a feed row can send, in the order of a FeedRow's values: a part's fields are a
# run of them, in its FIELDS order.
FEED_NAMES: list[str] = [api for fields in FEED_PARTS for api, _ in fields]
FEED_POSITIONS: dict[str, int] = {api: index for index, api in enumerate(FEED_NAMES)}
# Where a FeedRow's values hold the lender's name and the borrower's and loan's keys.
LENDER_KEY = FEED_POSITIONS["lenderName"]
BORROWER_KEY = FEED_POSITIONS["borrowerExternalReferenceId"]
LOAN_KEY = FEED_POSITIONS["loanExternalReferenceId"]


class FeedRow(NamedTuple):
    """A checked loan-feed row: the value of every field in FEED_NAMES order (None when the
    row does not send it), and the names of the fields it sends."""

    values: list[Any]
    sent: tuple[str, ...]

    def part(self, index: int) -> dict[str, Any]:
        """The columns the row sends of its lender (0), borrower (1) or loan (2), by column
        name."""
        sent = set(self.sent)
        start = FEED_STARTS[index]
        return {
            column: self.values[start + offset]
            for offset, (api, column) in enumerate(FEED_PARTS[index])
            if api in sent
        }


# Where each part's run of values starts and ends.
FEED_ENDS = list(itertools.accumulate(len(fields) for fields in FEED_PARTS))
FEED_STARTS = [0, *FEED_ENDS[:-1]]
# Each feed field's part of a FeedRow (0 lender, 1 borrower, 2 loan).
_FEED_PART = {api: part for part, fields in enumerate(FEED_PARTS) for api, _ in fields}
_MONEY_POSITIONS = [FEED_POSITIONS[api] for api in MONEY_FIELDS]
# Each key a feed row names a lender or borrower by: its part, position and noun.
_FEED_KEYS = [
    ("lenderName", 0, LENDER_KEY, "lender"),
    ("borrowerExternalReferenceId", 1, BORROWER_KEY, "borrower"),
]
_NO_VALUES = [None] * len(FEED_NAMES)


def _feed_fields() -> Any:
    """Every lender, borrower and loan field, flat, in the API's names: a TypedDict whose
    checks all run inside pydantic's core (a feed has millions of rows); what needs Python is
    left to _checked_feed_row, once per row."""
    definitions: dict[str, Any] = {}
    for table, fields in (
        (Lender.__table__, LENDER_FIELDS),
        (Borrower.__table__, BORROWER_FIELDS),
        (Loan.__table__, LOAN_FIELDS),
    ):
        for api_name, column in fields:
            definitions[api_name] = python_type(table.c[column], text_checked=False) | None
    for api_name in MONEY_FIELDS:
        definitions[api_name] = Amount | None
    definitions["loanStatus"] = Required[LoanStatus]
    definitions["loanExternalReferenceId"] = Required[
        Annotated[str, StringConstraints(min_length=1, max_length=100)]
    ]
    definitions["borrowerType"] = BorrowerType | None
    definitions["borrowerState"] = StateCode | None
    feed_fields: Any = TypedDict("LoanFeedRow", definitions, total=False)  # type: ignore[misc]
    feed_fields.__pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[attr-defined]
    return feed_fields


def _error(field: str, kind: str, message: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=(field,), input=value)


def _checked_feed_row(row: dict[str, Any]) -> FeedRow:
    """The row as a FeedRow, once its texts are found storable, its amounts kept to the cent,
    and a row sending lender or borrower fields found to name the lender or borrower by its
    key."""
    # Every field's value in FEED_NAMES order, taken in C (a feed has millions of rows).
    values = list(map(row.get, FEED_NAMES, _NO_VALUES))
    for index in _MONEY_POSITIONS:
        if values[index] is not None:
            values[index] = to_cents(values[index])
    errors: list[InitErrorDetails] = []
    # What text_problem looks for is in single characters: the row's texts are looked at
    # together, and one by one only when they have a problem.
    texts = [value for value in values if value.__class__ is str]
    if text_problem("".join(texts)) is not None:
        for api, value in row.items():
            problem = text_problem(value) if value.__class__ is str else None
            if problem is not None:
                errors.append(_error(api, "value_error", f"Value error, {problem}", value))
    for key, part, position, noun in _FEED_KEYS:
        if values[position]:
            continue
        sent = [api for api in row if _FEED_PART[api] == part]
        if sent:
            others = ", ".join(sorted(api for api in sent if api != key))
            message = (
                f"required when other {noun} fields are sent ({others})"
                if others
                else "must not be empty"
            )
            errors.append(_error(key, "key_missing", message, row.get(key)))
    if errors:
        # Raised as a ValidationError so that each error names its field, and a feed's row
        # index is put in front of it like any other field error.
        raise ValidationError.from_exception_data("LoanFeedRow", errors)
    return FeedRow(values, tuple(row))


LoanFeedRow: Any = Annotated[_feed_fields(), AfterValidator(_checked_feed_row)]
"""One row of a loan feed, the loan with its borrower and lender, flat, in the seed's names;
validated, a FeedRow.

Used by `POST /loans/bulk` and `opendialer import loans`: a re-sent row finds its loan by
`loanExternalReferenceId`, its borrower by `borrowerExternalReferenceId` and its lender by
`lenderName`, so sending a feed twice creates nothing twice."""

LOAN_FEED: TypeAdapter[list[FeedRow]] = TypeAdapter(list[LoanFeedRow])
"""A whole feed's rows, checked in one call."""


def check_feed_rows(rows: list[Row]) -> Checked:
    """A loan feed file's rows checked (`csvfeed.validate` against LoanFeedRow), by a name
    that a worker process checking the file imports."""
    return validate(rows, LoanFeedRow)


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


@dataclass
class FeedCounts:
    """What a feed did to the loans it names."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows of a file refused, each reported with its line.
    rejected: int = 0

    def add(self, other: FeedCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


class LoanFeed:
    """The loan feed of one servicer: each row's lender, borrower and loan created or brought
    up to date by their natural keys; a row identical to what is stored changes nothing."""

    def __init__(self, session: Session, tenant_id: int, servicer_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.servicer_id = servicer_id
        self.repositories: list[OwnedRepository[Any]] = [
            lenders(session, tenant_id),
            borrowers(session, tenant_id),
            loans(session, tenant_id),
        ]

    def apply(self, rows: Sequence[FeedRow]) -> FeedCounts:
        """Apply checked rows (LOAN_FEED's, or LoanFeedRow's) all at once."""
        return self._store(self._planner(rows).plan(rows))

    def import_file(
        self,
        path: Path,
        *,
        strict: bool,
        second_process: bool,
        on_chunk: Callable[[int, list[str]], None],
    ) -> FeedCounts:
        """Apply a CSV file, read, checked and written a chunk at a time so that a feed of
        millions of loans never sits in memory whole (the caller's transaction still takes all
        of it or none). `on_chunk` hears how many rows each chunk read and a message for each
        bad one. A strict import stores nothing once a row is bad: the rest is only checked.
        A file that is no CSV in UTF-8 raises UnicodeDecodeError or csv.Error, a reading
        process that died csvfeed.ReaderStopped."""
        counts = FeedCounts()
        planner = self._planner(None)
        checked = csvfeed.checked_chunks(
            path, FILE_CHUNK, planner.check, in_second_process=second_process
        )
        tables = [repository.table for repository in self.repositories]
        with bulk_load(self.session, *tables):
            for read, plan, problems in checked:
                counts.rejected += len(problems)
                on_chunk(read, problems)
                if plan is not None and not (strict and counts.rejected):
                    counts.add(self._store(plan))
        return counts

    def _planner(self, rows: Sequence[FeedRow] | None) -> FeedPlanner:
        """A planner knowing the ids of the stored keys the feed may name: those `rows` name,
        or, ahead of a file read a chunk at a time, all of them (a first import finds none,
        and looks none up)."""
        keys: list[Collection[str] | None] = [None, None, None]
        if rows is not None:
            keys = [
                {row.values[position] for row in rows if row.values[position]}
                for position in (LENDER_KEY, BORROWER_KEY, LOAN_KEY)
            ]
        ids = {
            repository.table.name: repository.ids_by_key(self.servicer_id, named)
            for repository, named in zip(self.repositories, keys, strict=True)
        }
        dialect = self.session.get_bind().dialect.name
        return FeedPlanner(self.tenant_id, self.servicer_id, dialect, ids)

    def _store(self, plan: FeedPlan) -> FeedCounts:
        """Store what the planner planned: the rows created first (the loans' lenders and
        borrowers before them), then the changes."""
        plan.build()
        for repository in self.repositories:
            table = repository.table
            insert_encoded(
                self.session, table, INSERT_COLUMNS[table.name], plan.created.get(table.name, [])
            )
        lender_rows, borrower_rows, loan_rows = self.repositories
        lender_rows.change(plan.changes.get("lenders", {}))
        borrower_rows.change(plan.changes.get("borrowers", {}))
        updated, unchanged = loan_rows.change(plan.changes.get("loans", {}))
        return FeedCounts(plan.loans_created, updated, unchanged)
