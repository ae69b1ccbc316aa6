"""Importing dialler contacts into a campaign: one from `POST /dialler/contacts/import`, many
from `opendialer import contacts` (a CSV file of up to millions of rows), by the same rules.

A file is read, checked and made into rows for the database a chunk at a time (csvfeed: in a
second process for a large file), and each chunk is written before more of the file is read:
memory stays flat however long the file, while the caller's one transaction still takes all
of it or none. Contacts are kept as lists of values in the order of ROW_COLUMNS (or of the
part of it a chunk sends), and written by COPY or one executemany a chunk."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from itertools import islice, repeat
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from opendialer.db.base import utcnow
from opendialer.db.bulk import bulk_load, copy_text, encode_rows, insert_encoded
from opendialer.dialler.models import Campaign, Contact
from opendialer.dialler.repository import CONTACTS, ContactRepository
from opendialer.dialler.schemas import (
    CONTACT_INPUT_FIELDS,
    CONTACT_STATE_FIELDS,
    PHONE_OFFSETS,
    ContactImport,
    ContactImportRow,
    ContactImportRowQuick,
)
from opendialer.errors import Invalid
from opendialer.kit import csvfeed
from opendialer.kit.csvfeed import Row, validate
from opendialer.kit.phones import to_e164
from opendialer.loans.service import Loans

# Contacts read, checked and written at a time when a file is imported: few enough that the
# chunks on their way between two processes take little memory; larger ones were no faster.
IMPORT_CHUNK = 1000

INPUT_COLUMNS = tuple(column for _, column in CONTACT_INPUT_FIELDS)
PHONE_COLUMNS = tuple(f"phone_number{n}" for n in PHONE_OFFSETS)
PHONE_FIELD_NAMES = "PhoneNumber1..PhoneNumber6"
# A contact's values as the import holds them: its fields in CONTACT_INPUT_FIELDS order, then
# the E.164 form of each of its numbers.
ROW_COLUMNS = [*INPUT_COLUMNS, *(f"{column}_e164" for column in PHONE_COLUMNS)]
# What a freshly imported contact's dialing state is, and what reset restores.
IMPORTED_STATE: dict[str, Any] = {
    column: 0 if column.startswith("n_tries_") else None for _, column in CONTACT_STATE_FIELDS
}
# A new contact's columns beside its values: a column left out of an insert is NULL.
IMPORTED_SET = {column: value for column, value in IMPORTED_STATE.items() if value is not None}
NEW_COLUMNS = ["campaign_id", "tenant_id", *IMPORTED_SET, "locked", "created_at", "updated_at"]
# What an overwrite sets of every column its row does not.
IMPORT_BLANK = dict.fromkeys(ROW_COLUMNS)

# The file's names of the fields and the columns they fill; the numbers' names and the
# columns of their E.164 forms.
_COLUMN_OF = dict(CONTACT_INPUT_FIELDS)
_INPUT_NAMES = [api for api, _ in CONTACT_INPUT_FIELDS]
_PHONE_NAMES = [f"PhoneNumber{n}" for n in PHONE_OFFSETS]
_E164_OF = {f"PhoneNumber{n}": f"phone_number{n}_e164" for n in PHONE_OFFSETS}
_PHONE_POSITIONS = [INPUT_COLUMNS.index(column) for column in PHONE_COLUMNS]
_LOAN_POSITION = INPUT_COLUMNS.index("loan_id")


@dataclass
class ImportCounts:
    imported: int = 0
    overwritten: int = 0
    rejected: int = 0

    def add(self, other: ImportCounts) -> None:
        self.imported += other.imported
        self.overwritten += other.overwritten
        self.rejected += other.rejected


def missing_fields(name: str | None, phones: Iterable[str | None], campaign: bool) -> list[str]:
    """The seed's mandatory import fields a contact lacks, named as the seed names them: it
    sends `name` and `phones`, and names its campaign or not."""
    missing = []
    if not (name or "").strip():
        missing.append("Name")
    if not campaign:
        missing.append("DiallerCampaignsID or DiallerCampaignsName")
    if not any(phones):
        missing.append(f"at least one of {PHONE_FIELD_NAMES}")
    return missing


def missing_import_fields(body: ContactImport) -> list[str]:
    """The seed's mandatory import fields that `body` lacks."""
    phones = (getattr(body, column) for column in PHONE_COLUMNS)
    named = body.campaign_id is not None or bool(body.campaign_name)
    return missing_fields(body.name, phones, named)


def check_import(body: ContactImport) -> None:
    missing = missing_import_fields(body)
    if missing:
        raise Invalid("missing mandatory field(s): " + ", ".join(missing))


def row_problem(row: dict[str, Any]) -> str | None:
    """What a file's row (ContactImportRow, its campaign named by the import) lacks of the
    mandatory fields, as check_import words it."""
    name = row.get("Name")
    # Nearly every row has both, which calls into C alone find before anything is worded.
    if name and not name.isspace() and any(map(row.get, _PHONE_NAMES)):
        return None
    missing = missing_fields(name, map(row.get, _PHONE_NAMES), True)
    return "missing mandatory field(s): " + ", ".join(missing) if missing else None


def with_e164(values: dict[str, Any], region: str) -> dict[str, Any]:
    """`values` plus the E.164 form of each phone number it sets."""
    for column in PHONE_COLUMNS:
        if column in values:
            values[f"{column}_e164"] = to_e164(values[column], region)
    return values


@dataclass
class ContactChunk:
    """Some contacts of an import, checked: their values a column at a time (`by_column`), of
    `columns` (part of ROW_COLUMNS: those a chunk of a file sends). Or, when every one is a new
    contact written by COPY, `encoded` holds them as rows of `columns` and NEW_COLUMNS in
    COPY's text, with the LoanIDs they name: csvfeed's reading process does that work too."""

    columns: list[str]
    count: int
    # Lists of values pass between processes several times faster than lists of rows.
    by_column: list[list[Any]] = field(default_factory=list)
    encoded: str | None = None
    loan_ids: list[str] = field(default_factory=list)

    def rows(self) -> list[list[Any]]:
        """The contacts' values, one list a contact."""
        return list(map(list, zip(*self.by_column, strict=True)))


@dataclass(frozen=True)
class ContactChecker:
    """Checks the rows of a file imported into one campaign, and makes the good ones the
    campaign's contacts; a module-level object's method, for a process reading the file."""

    tenant_id: int
    campaign_id: int
    region: str
    # Whether new contacts are encoded for COPY here (PostgreSQL, no overwriting).
    copy: bool

    def check(self, rows: list[Row]) -> tuple[ContactChunk | None, list[str]]:
        """The rows' good contacts, and a message naming the line of each bad row."""
        for _, raw in rows:
            # The import names the campaign: what a file says of it does not count.
            raw.pop("DiallerCampaignsID", None)
            raw.pop("DiallerCampaignsName", None)
        valid, problems = validate(
            rows, ContactImportRow, quick=ContactImportRowQuick, rule=row_problem
        )
        if not valid:
            return None, problems
        # Only the fields that some row of the chunk sends are columns of its statement.
        sent: set[str] = set().union(*valid)
        names = [name for name in _INPUT_NAMES if name in sent]
        phones = [name for name in _PHONE_NAMES if name in sent]
        columns = [_COLUMN_OF[name] for name in names] + [_E164_OF[name] for name in phones]
        # Made a column at a time, the loops in C: a file has millions of rows.
        fields = [list(map(dict.get, valid, repeat(name))) for name in names]
        region = repeat(self.region)
        e164 = [list(map(to_e164, fields[names.index(name)], region)) for name in phones]
        chunk = ContactChunk(columns, len(valid), [*fields, *e164])
        if not self.copy:
            return chunk, problems
        owned = [
            repeat(value, chunk.count) for value in new_values(self.campaign_id, self.tenant_id)
        ]
        encoded = copy_text(list(map(list, zip(*chunk.by_column, *owned, strict=True))))
        loans = fields[names.index("LoanID")] if "LoanID" in sent else []
        loan_ids = sorted(set(filter(None, loans)))
        return ContactChunk(columns, chunk.count, encoded=encoded, loan_ids=loan_ids), problems


def new_values(campaign_id: int, tenant_id: int) -> list[Any]:
    """A new contact's values of NEW_COLUMNS."""
    now = utcnow()
    return [campaign_id, tenant_id, *IMPORTED_SET.values(), False, now, now]


def _loan_ids(columns: list[str], rows: Iterable[list[Any]]) -> list[str]:
    """The LoanIDs that `rows` name, sorted."""
    if "loan_id" not in columns:
        return []
    position = columns.index("loan_id")
    return sorted({row[position] for row in rows if row[position]})


@dataclass
class _Plan:
    """What a chunk does: contacts it creates (values in the chunk's columns) and those it
    overwrites, by id."""

    new: list[list[Any]]
    changed: dict[int, list[Any]]
    counts: ImportCounts


class ContactImporter:
    """Imports contacts into one campaign. Overwriting, a contact whose UserData is that of a
    contact of the campaign (the oldest, when several share it) overwrites it; otherwise every
    contact is a new one."""

    def __init__(self, contacts: ContactRepository, campaign: Campaign, *, overwrite: bool):
        self.contacts = contacts
        self.session: Session = contacts.session
        self.campaign = campaign
        self.overwrite = overwrite

    def import_one(self, body: ContactImport) -> Contact:
        """One contact, checked (check_import) and in this importer's campaign."""
        values = {column: getattr(body, column) for column in INPUT_COLUMNS}
        values = with_e164(values, self.campaign.region)
        values["loan_id"] = values["loan_id"] or None
        self._check_loans([values["loan_id"]] if values["loan_id"] else [])
        user_data = values.get("user_data")
        if self.overwrite and user_data:
            existing = self.contacts.first_in_campaign_by_user_data(self.campaign.id, user_data)
            if existing is not None:
                for column, value in values.items():
                    setattr(existing, column, value)
                self.session.flush()
                return existing
        return self.contacts.add({**values, **IMPORTED_STATE, "campaign_id": self.campaign.id})

    def import_many(self, bodies: Iterable[ContactImport]) -> ImportCounts:
        """Contacts already validated, a chunk at a time; a contact lacking a mandatory field
        raises Invalid."""
        counts = ImportCounts()
        region = self.campaign.region
        each = iter(bodies)
        while chunk := list(islice(each, IMPORT_CHUNK)):
            rows = []
            for body in chunk:
                check_import(body)
                values = [getattr(body, column) for column in INPUT_COLUMNS]
                values[_LOAN_POSITION] = values[_LOAN_POSITION] or None
                rows.append(values + [to_e164(values[i], region) for i in _PHONE_POSITIONS])
            plan = self._plan(ROW_COLUMNS, rows)
            self._check_loans(_loan_ids(ROW_COLUMNS, [*plan.new, *plan.changed.values()]))
            counts.add(self._write(ROW_COLUMNS, plan))
        return counts

    def import_file(
        self,
        path: Path,
        *,
        strict: bool,
        second_process: bool,
        on_chunk: Callable[[int, list[str]], None],
    ) -> ImportCounts:
        """A CSV file whose header names the API's fields, read, checked and written a chunk
        at a time. `on_chunk` hears, once a chunk is written, how many rows it read and a
        message naming the line of each bad one. A strict import stores nothing once a row
        is bad, and a LoanID that is no loan of the tenant stores nothing (Invalid, naming
        the first such LoanID in sorted order, unless a strict import had bad rows): the rest
        of the file is then only checked, so that every bad row is reported. A file that is
        no CSV in UTF-8 raises UnicodeDecodeError or csv.Error, a reading process that died
        csvfeed.ReaderStopped."""
        counts = ImportCounts()
        dialect = self.session.get_bind().dialect.name
        checker = ContactChecker(
            self.contacts.tenant_id,
            self.campaign.id,
            self.campaign.region,
            copy=dialect == "postgresql" and not self.overwrite,
        )
        checked = csvfeed.checked_chunks(
            path, IMPORT_CHUNK, checker.check, in_second_process=second_process
        )
        unknown: list[str] = []
        with self._loading(dialect):
            for read, chunk, problems in checked:
                counts.rejected += len(problems)
                if chunk is not None and not (strict and counts.rejected):
                    stored, bad_loans = self._store(chunk, stop=bool(unknown))
                    counts.add(stored)
                    unknown += bad_loans
                on_chunk(read, problems)
        if unknown and not (strict and counts.rejected):
            raise Invalid(f"LoanID {min(unknown)} does not exist")
        return counts

    def _store(self, chunk: ContactChunk, *, stop: bool) -> tuple[ImportCounts, list[str]]:
        """Write a file's checked chunk, unless it names a LoanID that is no loan of the
        tenant, or `stop` says a chunk before did; what it did, and those LoanIDs."""
        if chunk.encoded is not None:
            unknown = self._unknown_loans(chunk.loan_ids)
            if unknown or stop:
                return ImportCounts(), unknown
            insert_encoded(self.session, CONTACTS, chunk.columns + NEW_COLUMNS, chunk.encoded)
            return ImportCounts(imported=chunk.count), []
        plan = self._plan(chunk.columns, chunk.rows())
        unknown = self._unknown_loans(_loan_ids(chunk.columns, [*plan.new, *plan.changed.values()]))
        if unknown or stop:
            return ImportCounts(), unknown
        return self._write(chunk.columns, plan), []

    def _loading(self, dialect: str) -> AbstractContextManager[None]:
        """Around the writes of a file: bulk_load on PostgreSQL. Not on SQLite, where its
        larger page cache would keep every page the import writes until the commit: memory
        would grow with the file."""
        return bulk_load(self.session, CONTACTS) if dialect == "postgresql" else nullcontext()

    def _plan(self, columns: list[str], rows: list[list[Any]]) -> _Plan:
        """Which of some contacts (values of `columns`) are new and which overwrite a stored
        one; of those naming the same UserData, the last one's values count."""
        if not self.overwrite or "user_data" not in columns:
            return _Plan(rows, {}, ImportCounts(imported=len(rows)))
        position = columns.index("user_data")
        # Stored contacts include those of the chunks before, written already.
        keys = {row[position] for row in rows if row[position]}
        known = self.contacts.ids_in_campaign_by_user_data_among(self.campaign.id, keys)
        counts = ImportCounts()
        new: list[list[Any]] = []
        new_at: dict[str, int] = {}
        changed: dict[int, list[Any]] = {}
        for row in rows:
            user_data = row[position]
            if user_data and user_data in known:
                changed[known[user_data]] = row
                counts.overwritten += 1
            elif user_data and user_data in new_at:
                new[new_at[user_data]] = row
                counts.overwritten += 1
            else:
                if user_data:
                    new_at[user_data] = len(new)
                new.append(row)
                counts.imported += 1
        return _Plan(new, changed, counts)

    def _write(self, columns: list[str], plan: _Plan) -> ImportCounts:
        """Store a planned chunk: its new contacts, then the contacts it overwrites."""
        owned = new_values(self.campaign.id, self.contacts.tenant_id)
        if plan.new:
            dialect = self.session.get_bind().dialect.name
            rows = list(map(list.__add__, plan.new, repeat(owned)))
            encoded = encode_rows(dialect, CONTACTS, columns + NEW_COLUMNS, rows)
            insert_encoded(self.session, CONTACTS, columns + NEW_COLUMNS, encoded)
        now = owned[-1]
        self.contacts.update_many(
            (
                contact_id,
                {**IMPORT_BLANK, **dict(zip(columns, row, strict=True)), "updated_at": now},
            )
            for contact_id, row in plan.changed.items()
        )
        return plan.counts

    def _unknown_loans(self, loan_ids: Sequence[str]) -> list[str]:
        """Those of `loan_ids` (sorted) that are no loan of the tenant."""
        if not loan_ids:
            return []
        return Loans(self.session, self.contacts.tenant_id).unknown(loan_ids)

    def _check_loans(self, loan_ids: Sequence[str]) -> None:
        """Each LoanID must be a loan of the tenant."""
        unknown = self._unknown_loans(loan_ids)
        if unknown:
            raise Invalid(f"LoanID {unknown[0]} does not exist")
