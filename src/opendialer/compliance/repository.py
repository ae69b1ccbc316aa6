"""Every query the compliance gate asks: who a contact or loan is, the debt's placed calls from
contact history, call tracking and the call reports, the do-not-call lists, the buckets, and
the log of refusals."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Table,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.sql import Select

from opendialer.callreports.models import OUTSIDE_RECORD, CallDetailRecord
from opendialer.calltracking.models import OUTSIDE_CALL, TrackedCall
from opendialer.compliance.models import RefusalRecord
from opendialer.db.bulk import bulk_insert
from opendialer.db.repository import TenantRepository, none_of, one_of, owned_by
from opendialer.db.rows import RowQuery, Rows
from opendialer.dialler.models import Campaign, Contact, ContactHistory
from opendialer.dialler.schemas import PHONE_OFFSETS
from opendialer.dnc.models import DncEntry
from opendialer.engine.models import DIALING, Attempt
from opendialer.loans.models import Borrower, BucketPolicy, Loan
from opendialer.tenancy.models import Tenant

CONTACTS = Contact.__table__
HISTORY = ContactHistory.__table__
TRACKED = TrackedCall.__table__
CDRS = CallDetailRecord.__table__
ATTEMPTS = Attempt.__table__
CAMPAIGNS = Campaign.__table__
LOANS = Loan.__table__
BORROWERS = Borrower.__table__
REFUSALS: Table = RefusalRecord.__table__  # type: ignore[assignment]
BUCKETS = BucketPolicy.__table__


class NumberColumns(NamedTuple):
    """The names of one of a dialler contact's numbers' columns, with its offset."""

    offset: int
    number: str
    e164: str
    line_type: str
    consent: str
    tries: str
    invalid: str


NUMBER_COLUMNS = tuple(
    NumberColumns(
        n,
        f"phone_number{n}",
        f"phone_number{n}_e164",
        f"phone_number{n}_line_type",
        f"phone_number{n}_consent",
        f"n_tries_phone_number{n}",
        f"b_phone_number{n}_invalid",
    )
    for n in PHONE_OFFSETS
)
# What the gate reads of a contact: its numbers and their state, address and flags.
CONTACT_COLUMNS = [
    CONTACTS.c[name]
    for name in (
        "id",
        "campaign_id",
        "loan_id",
        "user_data",
        "locked",
        "dt_begin_date",
        "dt_end_date",
        "postal_code",
        "region",
        "country",
        "compliance_flags",
        "inconvenient_times",
    )
] + [CONTACTS.c[name] for names in NUMBER_COLUMNS for name in names[1:]]
# What the gate reads of a loan's borrower, beside the loan, named `borrower_...`;
# `borrower_id` (the borrower's own) is None when the loan has no borrower on record.
BORROWER_COLUMNS = [
    BORROWERS.c[name].label(f"borrower_{name}")
    for name in (
        "id",
        "phone_e164",
        "phone_line_type",
        "cell_phone_consent",
        "state",
        "postal_code",
        "compliance_flags",
        "inconvenient_times",
    )
]


class LoanRow(NamedTuple):
    """A loan as the gate reads it, with its borrower's columns (None without a borrower on
    record): `LOAN_COLUMNS` then `BORROWER_COLUMNS`. A tuple: read by the thousand, a row
    made a mapping cost a fifth of the look-up."""

    id: str
    servicer_id: int
    lender_id: str | None
    status: str | None
    paid_to_date: date | None
    borrower_id: str | None
    borrower_phone_e164: str | None
    borrower_phone_line_type: str | None
    borrower_cell_phone_consent: bool | None
    borrower_state: str | None
    borrower_postal_code: str | None
    borrower_compliance_flags: str | None
    borrower_inconvenient_times: str | None


# The loan a contact is called about, as its index has it.
LINK = func.coalesce(CONTACTS.c.loan_id, CONTACTS.c.user_data)
# What tells which debt a contact is called about, and the numbers it calls.
LINK_COLUMNS = [CONTACTS.c[name] for name in ("id", "campaign_id", "loan_id", "user_data")] + [
    CONTACTS.c[names.e164] for names in NUMBER_COLUMNS
]
LOAN_COLUMNS = [
    LOANS.c[name] for name in ("id", "servicer_id", "lender_id", "status", "paid_to_date")
]
# A contact's call: contact id, start, whether it alerted, whether it connected, cause, mailbox.
HistoryRow = tuple[int, datetime, bool, bool, int | None, bool | None]
# A tracked call: loan id, moment, status, who recorded it.
TrackedRow = tuple[str, datetime, str, str | None]
# A call report: the number dialed, the moment, whether it was answered with talk time.
ReportedRow = tuple[str, datetime, bool]


class PolicyRow(NamedTuple):
    """A bucket's policy, as the gate reads it."""

    servicer_id: int
    lender_id: str | None
    call_days_start: int
    call_days_end: int
    call_attempts_per_bucket: int
    call_contacts_per_bucket: int


T = TypeVar("T")


class Asked(Generic[T]):
    """A look-up sent to the database; `answer` reads what it found, once."""

    __slots__ = ("_read", "_rows")

    def __init__(self, rows: Rows, read: Callable[[Rows], T]) -> None:
        self._rows = rows
        self._read = read

    def answer(self) -> T:
        return self._read(self._rows)


def _loans(rows: Rows) -> list[LoanRow]:
    return [LoanRow(*row) for row in rows.all()]


class ComplianceRepository(TenantRepository):
    """The gate's look-ups are asked for every batch an engine judges: each statement is built
    and compiled once per database kind (`_statements`), its tenant and values bound by name,
    and run straight on the driver's connection; each answers an `Asked`, so that a batch can
    ask several before it reads any (`together`)."""

    @property
    def _built(self) -> _Statements:
        return _statements(self.dialect)

    def _driver(self) -> Any:
        """The driver's own connection under the session's, in its transaction."""
        return self.session.connection().connection.driver_connection

    def _ask(self, query: RowQuery, read: Callable[[Rows], T], **values: Any) -> Asked[T]:
        params = {"tenant": self.tenant_id, **values}
        return Asked(query.send(self._driver(), self.session.get_bind().dialect, params), read)

    @contextmanager
    def together(self) -> Iterator[None]:
        """On PostgreSQL, the look-ups asked inside are sent as they are asked (the driver's
        pipeline mode), each without waiting for the answers of those before: the server
        works through them while the caller goes on, until it reads an answer. Nothing but
        this repository's look-ups may run inside."""
        if self.dialect != "postgresql":
            yield
            return
        with self._driver().pipeline():
            yield

    def debt_grouping(self) -> str:
        grouping = self.session.execute(
            self._built.grouping, {"tenant": self.tenant_id}
        ).scalar_one_or_none()
        return grouping or "loan"

    def contacts(self, ids: Collection[int]) -> list[dict[str, Any]]:
        return self._ask(self._built.contacts, Rows.mappings, ids=self.values(ids)).answer()

    def contact_ids_by_user_data(self, user_data: str) -> list[int]:
        query = (
            self.scoped(Contact, CONTACTS.c.id)
            .where(CONTACTS.c.user_data == user_data)
            .order_by(CONTACTS.c.id)
        )
        return list(self.session.execute(query).scalars())

    def contacts_of_loans(self, loan_ids: Collection[str]) -> list[dict[str, Any]]:
        """The contacts called about these loans: linked by LoanID, or else by a UserData that
        is the loan's id (as call tracking links them). One look-up per loan, by the index on
        that link."""
        query = self._built.of_loans
        return self._ask(query, Rows.mappings, loans=self.values(loan_ids)).answer()

    def links_of_loans(
        self, loan_ids: Collection[str], known: Collection[int] = ()
    ) -> Asked[list[dict[str, Any]]]:
        """As `contacts_of_loans`, only the columns that tell each one's debt and numbers
        (`LINK_COLUMNS`), and but the `known` contacts: left out by the index alone, before
        their rows are read."""
        loans = self.values(loan_ids)
        if not known:
            return self._ask(self._built.linked, Rows.mappings, loans=loans)
        query = self._built.linked_others
        return self._ask(query, Rows.mappings, loans=loans, known=self.values(known))

    def campaigns(self, ids: Collection[int]) -> Asked[dict[int, dict[str, Any]]]:
        def by_id(rows: Rows) -> dict[int, dict[str, Any]]:
            return {row["id"]: row for row in rows.mappings()}

        return self._ask(self._built.campaigns, by_id, ids=self.values(ids))

    def loans(self, ids: Collection[str], servicer_id: int | None = None) -> Asked[list[LoanRow]]:
        """The loans, each with its borrower's columns."""
        if servicer_id is None:
            return self._ask(self._built.loans, _loans, ids=self.values(ids))
        query = self._built.servicers_loans
        return self._ask(query, _loans, ids=self.values(ids), servicer=servicer_id)

    def loans_of_borrowers(self, borrower_ids: Collection[str]) -> Asked[list[LoanRow]]:
        """Every loan of these borrowers (as `loans`): a borrower's loans of one lender may be
        one debt."""
        return self._ask(self._built.borrowers_loans, _loans, ids=self.values(borrower_ids))

    def history(self, contact_ids: Collection[int], since: datetime) -> Asked[list[HistoryRow]]:
        """The contacts' calls that started at or after `since`: (contact id, start, whether
        it alerted, whether it connected, cause code, mailbox). Whether a call alerted or
        connected is told by the database: their moments would be read and thrown away."""
        ids = self.values(contact_ids)
        return self._ask(self._built.history, Rows.all, ids=ids, since=since)

    def under_way(self, contact_ids: Collection[int]) -> Asked[list[tuple[int, datetime]]]:
        """(contact id, start) of the engine's calls to these contacts placed and not yet
        recorded (their history entries are written when they end)."""
        return self._ask(self._built.under_way, Rows.all, ids=self.values(contact_ids))

    def tracked(
        self, loan_ids: Collection[str], since: datetime, *, outside_only: bool = False
    ) -> Asked[list[TrackedRow]]:
        """The loans' tracked calls at or after `since`: (loan id, moment, status, who
        recorded it); with `outside_only`, only those the dialler did not record (its history
        has them)."""
        query = self._built.outside_tracked if outside_only else self._built.tracked
        return self._ask(query, Rows.all, ids=self.values(loan_ids), since=since)

    def reported(self, numbers: Collection[str], since: datetime) -> Asked[list[ReportedRow]]:
        """Calls the call reports hold to these numbers at or after `since` that rang (not
        `FAILED`), but those the dialler placed (their history entries count them): (number,
        moment, whether it was answered with talk time)."""
        query = self._built.reported
        return self._ask(query, Rows.all, numbers=self.values(numbers), since=since)

    def listed(
        self, numbers: Collection[str], campaign_ids: Collection[int]
    ) -> Asked[set[tuple[int | None, str]]]:
        """(campaign id, or None for the tenant's list; number) of each of `numbers` that is on
        the tenant's list or on one of the campaigns'."""

        def pairs(rows: Rows) -> set[tuple[int | None, str]]:
            return {(row[0], row[1]) for row in rows.all()}

        if not campaign_ids:
            return self._ask(self._built.listed, pairs, numbers=self.values(numbers))
        query = self._built.listed_in_campaigns
        values = {"numbers": self.values(numbers), "campaigns": self.values(campaign_ids)}
        return self._ask(query, pairs, **values)

    def policies(self) -> Asked[list[PolicyRow]]:
        """The tenant's bucket policies (a handful for each servicer)."""

        def read(rows: Rows) -> list[PolicyRow]:
            return [PolicyRow(*row) for row in rows.all()]

        return self._ask(self._built.policies, read)

    # -- the refusal log ---------------------------------------------------------------------

    def log(self, rows: Sequence[dict[str, Any]]) -> None:
        bulk_insert(self.session, REFUSALS, rows)

    def _refusals(
        self,
        campaign_id: int | None,
        rule: str | None,
        start: datetime | None,
        end: datetime | None,
    ) -> Select[Any]:
        query = self.scoped(RefusalRecord)
        if campaign_id is not None:
            query = query.where(REFUSALS.c.campaign_id == campaign_id)
        if rule is not None:
            query = query.where(REFUSALS.c.rule == rule)
        if start is not None:
            query = query.where(REFUSALS.c.at >= start)
        if end is not None:
            query = query.where(REFUSALS.c.at < end)
        return query

    def refusals(
        self,
        campaign_id: int | None,
        rule: str | None,
        start: datetime | None,
        end: datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[int, list[RefusalRecord]]:
        """A page of the refusals, newest first, and how many match."""
        query = self._refusals(campaign_id, rule, start, end)
        total = self.session.execute(
            query.with_only_columns(func.count()).order_by(None)
        ).scalar_one()
        page = query.order_by(REFUSALS.c.at.desc(), REFUSALS.c.id.desc()).offset(offset)
        return total, list(self.session.execute(page.limit(limit)).scalars())

    def refusal_counts(
        self, campaign_id: int | None, start: datetime | None, end: datetime | None
    ) -> list[tuple[int | None, str, int]]:
        """(campaign id, rule, refusals) of the matching refusals."""
        query = (
            self._refusals(campaign_id, None, start, end)
            .with_only_columns(REFUSALS.c.campaign_id, REFUSALS.c.rule, func.count())
            .group_by(REFUSALS.c.campaign_id, REFUSALS.c.rule)
            .order_by(REFUSALS.c.campaign_id, REFUSALS.c.rule)
        )
        return [(row[0], row[1], row[2]) for row in self.session.execute(query)]


class _Statements(NamedTuple):
    grouping: Select[Any]
    contacts: RowQuery
    of_loans: RowQuery
    linked: RowQuery
    linked_others: RowQuery
    campaigns: RowQuery
    loans: RowQuery
    servicers_loans: RowQuery
    borrowers_loans: RowQuery
    history: RowQuery
    under_way: RowQuery
    tracked: RowQuery
    outside_tracked: RowQuery
    reported: RowQuery
    listed: RowQuery
    listed_in_campaigns: RowQuery
    policies: RowQuery


@lru_cache(maxsize=4)
def _statements(dialect: str) -> _Statements:
    """The gate's look-ups, built once for a kind of database: the tenant is bound as
    `tenant`, the values each one is asked about by the names its method gives them."""
    tenant: BindParameter[int] = bindparam("tenant")
    since = bindparam("since", type_=HISTORY.c.dt_call_start.type)

    def owned(entity: Any, *columns: Any, by_key: bool = False) -> Select[Any]:
        return select(*columns).where(owned_by(entity, tenant, by_key=by_key))

    def of(column: Any, name: str) -> ColumnElement[bool]:
        return one_of(column, bindparam(name), dialect)

    linked = owned(Contact, *LINK_COLUMNS).where(of(LINK, "loans"))
    known = none_of(CONTACTS.c.id, bindparam("known"), dialect)
    # Loans are read with their borrowers in one look-up: a second one, by the borrowers'
    # ids, cost as much again.
    with_borrowers = LOANS.outerjoin(
        BORROWERS, (BORROWERS.c.id == LOANS.c.borrower_id) & owned_by(BORROWERS, tenant)
    )
    loans = owned(Loan, *LOAN_COLUMNS, *BORROWER_COLUMNS, by_key=True).select_from(with_borrowers)
    tracked = owned(
        TrackedCall,
        TRACKED.c.loan_id,
        TRACKED.c.call_timestamp,
        TRACKED.c.call_status,
        TRACKED.c.created_by,
    ).where(of(TRACKED.c.loan_id, "ids"), TRACKED.c.call_timestamp >= since)
    talked = (CDRS.c.disposition == "ANSWERED") & (
        func.coalesce(CDRS.c.after_answer_duration, 0) > 0
    )
    entries = DncEntry.__table__
    # One look-up per list kind, each stating its partial index's condition: asked for both
    # at once, SQLite walked every entry of the tenant.
    tenant_list = owned(DncEntry, entries.c.campaign_id, entries.c.e164).where(
        entries.c.campaign_id.is_(None), of(entries.c.e164, "numbers")
    )
    campaign_lists = owned(DncEntry, entries.c.campaign_id, entries.c.e164).where(
        entries.c.campaign_id.is_not(None),
        of(entries.c.e164, "numbers"),
        of(entries.c.campaign_id, "campaigns"),
    )
    queries: dict[str, Any] = dict(
        grouping=select(Tenant.debt_grouping).where(Tenant.id == tenant),
        contacts=owned(Contact, *CONTACT_COLUMNS, by_key=True).where(of(CONTACTS.c.id, "ids")),
        of_loans=owned(Contact, *CONTACT_COLUMNS).where(of(LINK, "loans")),
        linked=linked,
        linked_others=linked.where(known),
        campaigns=owned(
            Campaign,
            CAMPAIGNS.c.id,
            CAMPAIGNS.c.region,
            CAMPAIGNS.c.max_tries_per_number,
            CAMPAIGNS.c.max_tries_per_contact,
        ).where(of(CAMPAIGNS.c.id, "ids")),
        loans=loans.where(of(LOANS.c.id, "ids")),
        servicers_loans=loans.where(
            of(LOANS.c.id, "ids"), LOANS.c.servicer_id == bindparam("servicer")
        ),
        borrowers_loans=owned(Loan, *LOAN_COLUMNS, *BORROWER_COLUMNS)
        .select_from(with_borrowers)
        .where(of(LOANS.c.borrower_id, "ids")),
        history=owned(
            ContactHistory,
            HISTORY.c.contact_id,
            HISTORY.c.dt_call_start,
            HISTORY.c.dt_call_alert.is_not(None),
            HISTORY.c.dt_call_connect.is_not(None),
            HISTORY.c.cause_code,
            HISTORY.c.mailbox,
        ).where(of(HISTORY.c.contact_id, "ids"), HISTORY.c.dt_call_start >= since),
        under_way=owned(Attempt, ATTEMPTS.c.contact_id, ATTEMPTS.c.started_at).where(
            of(ATTEMPTS.c.contact_id, "ids"),
            ATTEMPTS.c.ended_at.is_(None),
            ATTEMPTS.c.state == DIALING,
        ),
        tracked=tracked,
        outside_tracked=tracked.where(text(f"({OUTSIDE_CALL})")),
        reported=owned(CallDetailRecord, CDRS.c.dialed_e164, CDRS.c.time, talked).where(
            of(CDRS.c.dialed_e164, "numbers"),
            CDRS.c.time >= since,
            text(f"({OUTSIDE_RECORD})"),
            CDRS.c.disposition != "FAILED",
        ),
        listed=tenant_list,
        listed_in_campaigns=tenant_list.union_all(campaign_lists),
        policies=owned(
            BucketPolicy,
            *(BUCKETS.c[name] for name in PolicyRow._fields),
        ).order_by(BUCKETS.c.id),
    )
    grouping = queries.pop("grouping")
    return _Statements(grouping, **{name: RowQuery(query) for name, query in queries.items()})
