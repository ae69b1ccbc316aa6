"""Every query the compliance gate asks: who a contact or loan is, the debt's placed calls from
contact history, call tracking and the call reports, the do-not-call lists, the buckets, and
the log of refusals."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    RowMapping,
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


class ComplianceRepository(TenantRepository):
    """The gate's look-ups are asked for every batch an engine judges: each statement is built
    once per database kind (`_statements`), its tenant and values bound by name, so that
    neither building it nor working out its cache key is paid again."""

    @property
    def _built(self) -> _Statements:
        return _statements(self.dialect)

    def _rows(self, query: Select[Any], **values: Any) -> list[Any]:
        return list(self.session.execute(query, {"tenant": self.tenant_id, **values}).all())

    def _mappings(self, query: Select[Any], **values: Any) -> list[RowMapping]:
        params = {"tenant": self.tenant_id, **values}
        return list(self.session.execute(query, params).mappings())

    def debt_grouping(self) -> str:
        grouping = self.session.execute(
            self._built.grouping, {"tenant": self.tenant_id}
        ).scalar_one_or_none()
        return grouping or "loan"

    def contacts(self, ids: Collection[int]) -> list[RowMapping]:
        return self._mappings(self._built.contacts, ids=self.values(ids))

    def contact_ids_by_user_data(self, user_data: str) -> list[int]:
        query = (
            self.scoped(Contact, CONTACTS.c.id)
            .where(CONTACTS.c.user_data == user_data)
            .order_by(CONTACTS.c.id)
        )
        return list(self.session.execute(query).scalars())

    def contacts_of_loans(self, loan_ids: Collection[str]) -> list[RowMapping]:
        """The contacts called about these loans: linked by LoanID, or else by a UserData that
        is the loan's id (as call tracking links them). One look-up per loan, by the index on
        that link."""
        return self._mappings(self._built.of_loans, loans=self.values(loan_ids))

    def links_of_loans(
        self, loan_ids: Collection[str], known: Collection[int] = ()
    ) -> list[RowMapping]:
        """As `contacts_of_loans`, only the columns that tell each one's debt and numbers
        (`LINK_COLUMNS`), and but the `known` contacts: left out by the index alone, before
        their rows are read."""
        loans = self.values(loan_ids)
        if not known:
            return self._mappings(self._built.linked, loans=loans)
        return self._mappings(self._built.linked_others, loans=loans, known=self.values(known))

    def campaigns(self, ids: Collection[int]) -> dict[int, RowMapping]:
        rows = self._mappings(self._built.campaigns, ids=self.values(ids))
        return {row["id"]: row for row in rows}

    def loans(self, ids: Collection[str], servicer_id: int | None = None) -> list[LoanRow]:
        """The loans, each with its borrower's columns."""
        if servicer_id is None:
            rows = self._rows(self._built.loans, ids=self.values(ids))
        else:
            query = self._built.servicers_loans
            rows = self._rows(query, ids=self.values(ids), servicer=servicer_id)
        return [LoanRow(*row) for row in rows]

    def loans_of_borrowers(self, borrower_ids: Collection[str]) -> list[LoanRow]:
        """Every loan of these borrowers (as `loans`): a borrower's loans of one lender may be
        one debt."""
        rows = self._rows(self._built.borrowers_loans, ids=self.values(borrower_ids))
        return [LoanRow(*row) for row in rows]

    def history(self, contact_ids: Collection[int], since: datetime) -> list[HistoryRow]:
        """The contacts' calls that started at or after `since`: (contact id, start, whether
        it alerted, whether it connected, cause code, mailbox). Whether a call alerted or
        connected is told by the database: their moments would be read and thrown away."""
        rows = self._rows(self._built.history, ids=self.values(contact_ids), since=since)
        return cast("list[HistoryRow]", rows)

    def under_way(self, contact_ids: Collection[int]) -> list[tuple[int, datetime]]:
        """(contact id, start) of the engine's calls to these contacts placed and not yet
        recorded (their history entries are written when they end)."""
        rows = self._rows(self._built.under_way, ids=self.values(contact_ids))
        return [(contact_id, start) for contact_id, start in rows]

    def tracked(
        self, loan_ids: Collection[str], since: datetime, *, outside_only: bool = False
    ) -> list[TrackedRow]:
        """The loans' tracked calls at or after `since`: (loan id, moment, status, who
        recorded it); with `outside_only`, only those the dialler did not record (its history
        has them)."""
        query = self._built.outside_tracked if outside_only else self._built.tracked
        rows = self._rows(query, ids=self.values(loan_ids), since=since)
        return cast("list[TrackedRow]", rows)

    def reported(self, numbers: Collection[str], since: datetime) -> list[ReportedRow]:
        """Calls the call reports hold to these numbers at or after `since` that rang (not
        `FAILED`), but those the dialler placed (their history entries count them): (number,
        moment, whether it was answered with talk time)."""
        rows = self._rows(self._built.reported, numbers=self.values(numbers), since=since)
        return cast("list[ReportedRow]", rows)

    def listed(
        self, numbers: Collection[str], campaign_ids: Collection[int]
    ) -> set[tuple[int | None, str]]:
        """(campaign id, or None for the tenant's list; number) of each of `numbers` that is on
        the tenant's list or on one of the campaigns'."""
        if not campaign_ids:
            rows = self._rows(self._built.listed, numbers=self.values(numbers))
        else:
            rows = self._rows(
                self._built.listed_in_campaigns,
                numbers=self.values(numbers),
                campaigns=self.values(campaign_ids),
            )
        return {(row[0], row[1]) for row in rows}

    def buckets(self, servicer_ids: Collection[int]) -> list[BucketPolicy]:
        query = self.scoped(BucketPolicy).where(BucketPolicy.servicer_id.in_(list(servicer_ids)))
        return list(self.session.execute(query).scalars())

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
    contacts: Select[Any]
    of_loans: Select[Any]
    linked: Select[Any]
    linked_others: Select[Any]
    campaigns: Select[Any]
    loans: Select[Any]
    servicers_loans: Select[Any]
    borrowers_loans: Select[Any]
    history: Select[Any]
    under_way: Select[Any]
    tracked: Select[Any]
    outside_tracked: Select[Any]
    reported: Select[Any]
    listed: Select[Any]
    listed_in_campaigns: Select[Any]


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
    return _Statements(
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
        listed_in_campaigns=tenant_list.union_all(campaign_lists),  # type: ignore[arg-type]
    )
