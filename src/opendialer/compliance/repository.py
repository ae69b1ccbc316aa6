"""Every query the compliance gate asks: who a contact or loan is, the debt's placed calls from
contact history, call tracking and the call reports, the do-not-call lists, the buckets, and
the log of refusals."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import RowMapping, Table, func, select
from sqlalchemy.sql import Select

from opendialer.callreports.models import CallDetailRecord
from opendialer.calltracking.models import TrackedCall
from opendialer.calltracking.schemas import DIALLER
from opendialer.compliance.models import RefusalRecord
from opendialer.db.bulk import bulk_insert
from opendialer.db.repository import TenantRepository
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
# Records of calls placed through the dialler: their history entry is counted instead.
DIALLER_CDR = "opendialer-history-%"


class ComplianceRepository(TenantRepository):
    def debt_grouping(self) -> str:
        grouping = self.session.execute(
            select(Tenant.debt_grouping).where(Tenant.id == self.tenant_id)
        ).scalar_one_or_none()
        return grouping or "loan"

    def contacts(self, ids: Collection[int]) -> list[RowMapping]:
        query = self.scoped(Contact, *CONTACT_COLUMNS, by_key=True).where(
            self.one_of(CONTACTS.c.id, ids)
        )
        return list(self.session.execute(query).mappings())

    def contact_ids_by_user_data(self, user_data: str) -> list[int]:
        query = (
            self.scoped(Contact, CONTACTS.c.id)
            .where(CONTACTS.c.user_data == user_data)
            .order_by(CONTACTS.c.id)
        )
        return list(self.session.execute(query).scalars())

    def contacts_of_loans(
        self,
        loan_ids: Collection[str],
        columns: Sequence[Any] = CONTACT_COLUMNS,
        known: Collection[int] = (),
    ) -> list[RowMapping]:
        """The contacts called about these loans (`columns` of each) but the `known` ones:
        linked by LoanID, or else by a UserData that is the loan's id (as call tracking links
        them). One look-up per loan, by the index on that link; the known ones are left out
        by the index alone, before their rows are read."""
        query = self.scoped(Contact, *columns).where(self.one_of(LINK, loan_ids))
        if known:
            query = query.where(self.none_of(CONTACTS.c.id, known))
        return list(self.session.execute(query).mappings())

    def campaigns(self, ids: Collection[int]) -> dict[int, RowMapping]:
        query = self.scoped(
            Campaign,
            Campaign.id,
            Campaign.region,
            Campaign.max_tries_per_number,
            Campaign.max_tries_per_contact,
        ).where(self.one_of(CAMPAIGNS.c.id, ids))
        return {row["id"]: row for row in self.session.execute(query).mappings()}

    def loans(self, ids: Collection[str], servicer_id: int | None = None) -> list[RowMapping]:
        """The loans, each with its borrower's columns (None without one)."""
        query = self._loans(by_key=True).where(self.one_of(LOANS.c.id, ids))
        if servicer_id is not None:
            query = query.where(LOANS.c.servicer_id == servicer_id)
        return list(self.session.execute(query).mappings())

    def loans_of_borrowers(self, borrower_ids: Collection[str]) -> list[RowMapping]:
        """Every loan of these borrowers (as `loans`): a borrower's loans of one lender may be
        one debt."""
        query = self._loans().where(self.one_of(LOANS.c.borrower_id, borrower_ids))
        return list(self.session.execute(query).mappings())

    def _loans(self, *, by_key: bool = False) -> Select[Any]:
        # Read with the loan in one look-up: a second one, by the borrowers' ids, cost as
        # much again.
        joined = LOANS.outerjoin(
            BORROWERS,
            (BORROWERS.c.id == LOANS.c.borrower_id) & self.owns(BORROWERS),
        )
        return self.scoped(Loan, *LOAN_COLUMNS, *BORROWER_COLUMNS, by_key=by_key).select_from(
            joined
        )

    def history(self, contact_ids: Collection[int], since: datetime) -> list[HistoryRow]:
        """The contacts' calls that started at or after `since`: (contact id, start, whether
        it alerted, whether it connected, cause code, mailbox). Whether a call alerted or
        connected is told by the database: their moments would be read and thrown away."""
        query = self.scoped(
            ContactHistory,
            HISTORY.c.contact_id,
            HISTORY.c.dt_call_start,
            HISTORY.c.dt_call_alert.is_not(None),
            HISTORY.c.dt_call_connect.is_not(None),
            HISTORY.c.cause_code,
            HISTORY.c.mailbox,
        ).where(self.one_of(HISTORY.c.contact_id, contact_ids), HISTORY.c.dt_call_start >= since)
        return cast("list[HistoryRow]", self.session.execute(query).all())

    def under_way(self, contact_ids: Collection[int]) -> list[tuple[int, datetime]]:
        """(contact id, start) of the engine's calls to these contacts placed and not yet
        recorded (their history entries are written when they end)."""
        query = self.scoped(Attempt, ATTEMPTS.c.contact_id, ATTEMPTS.c.started_at).where(
            self.one_of(ATTEMPTS.c.contact_id, contact_ids),
            ATTEMPTS.c.ended_at.is_(None),
            ATTEMPTS.c.state == DIALING,
        )
        return [(contact_id, start) for contact_id, start in self.session.execute(query)]

    def tracked(
        self, loan_ids: Collection[str], since: datetime, *, outside_only: bool = False
    ) -> list[TrackedRow]:
        """The loans' tracked calls at or after `since`: (loan id, moment, status, who
        recorded it); with `outside_only`, only those the dialler did not record (its history
        has them)."""
        query = self.scoped(
            TrackedCall,
            TRACKED.c.loan_id,
            TRACKED.c.call_timestamp,
            TRACKED.c.call_status,
            TRACKED.c.created_by,
        ).where(self.one_of(TRACKED.c.loan_id, loan_ids), TRACKED.c.call_timestamp >= since)
        if outside_only:
            query = query.where(TRACKED.c.created_by.is_(None) | (TRACKED.c.created_by != DIALLER))
        return cast("list[TrackedRow]", self.session.execute(query).all())

    def reported(self, numbers: Collection[str], since: datetime) -> list[ReportedRow]:
        """Calls the call reports hold to these numbers at or after `since` that rang (not
        `FAILED`), but those the dialler placed (their history entries count them): (number,
        moment, whether it was answered with talk time)."""
        talked = (CDRS.c.disposition == "ANSWERED") & (
            func.coalesce(CDRS.c.after_answer_duration, 0) > 0
        )
        query = self.scoped(CallDetailRecord, CDRS.c.dialed_e164, CDRS.c.time, talked).where(
            self.one_of(CDRS.c.dialed_e164, numbers),
            CDRS.c.time >= since,
            CDRS.c.unique_id.not_like(DIALLER_CDR),
            CDRS.c.disposition != "FAILED",
        )
        return cast("list[ReportedRow]", self.session.execute(query).all())

    def listed(
        self, numbers: Collection[str], campaign_ids: Collection[int]
    ) -> set[tuple[int | None, str]]:
        """(campaign id, or None for the tenant's list; number) of each of `numbers` that is on
        the tenant's list or on one of the campaigns'."""
        entries = DncEntry.__table__
        # One look-up per list kind, each stating its partial index's condition: asked for
        # both at once, SQLite walked every entry of the tenant.
        tenant_list = self.scoped(DncEntry, entries.c.campaign_id, entries.c.e164).where(
            entries.c.campaign_id.is_(None), self.one_of(entries.c.e164, numbers)
        )
        query: Any = tenant_list
        if campaign_ids:
            query = tenant_list.union_all(
                self.scoped(DncEntry, entries.c.campaign_id, entries.c.e164).where(
                    entries.c.campaign_id.is_not(None),
                    self.one_of(entries.c.e164, numbers),
                    entries.c.campaign_id.in_(list(campaign_ids)),
                )
            )
        return {(row[0], row[1]) for row in self.session.execute(query)}

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
