"""Asking the gate about real contacts and loans: each number's attempt is built from what is
stored (the debt's placed calls, the lists, the flags, the consent, the bucket), decided, and
its refusals logged when the attempt is a real one."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import RowMapping
from sqlalchemy.orm import Session

from opendialer.calltracking.models import DIALLER
from opendialer.compliance.consumer import decode_flags, decode_times
from opendialer.compliance.frequency import PlacedCall
from opendialer.compliance.gate import Attempt, Decision, Moment
from opendialer.compliance.models import RefusalRecord
from opendialer.compliance.repository import (
    NUMBER_COLUMNS,
    ComplianceRepository,
    LoanRow,
    TrackedRow,
)
from opendialer.compliance.rules import Bucket, ContactState, Flag, Inconvenient, LineType, Mode
from opendialer.compliance.states import Address
from opendialer.compliance.zones import zones_of_state
from opendialer.dialler.causes import Outcome, classify
from opendialer.errors import NotFound
from opendialer.loans.models import BucketPolicy

# How far back a debt's calls are read: seven days, and a day on either side for the zones
# the consumer may be in.
LEDGER_DAYS = 9
# The ring time the gate assumes while campaigns do not set one.
DEFAULT_RING = timedelta(seconds=25)
# How a call is judged while campaigns have no dialing mode: as an automated one.
DEFAULT_MODE = Mode.PROGRESSIVE
# A debt key: ("loan", id), ("borrower_lender", borrower, lender) or ("contact", id).
DebtKey = tuple[Any, ...]
# A row of the gate's look-ups, read by column name.
Row = RowMapping | Mapping[Any, Any]


class Judgement(NamedTuple):
    """The gate's decision on one number: of a dialler contact (with its offset), or the
    borrower's own number (no contact). A tuple: one is made per attempt."""

    phone_number: str
    e164: str | None
    decision: Decision
    contact_id: int | None = None
    campaign_id: int | None = None
    offset: int | None = None
    loan_id: str | None = None


class _Debt:
    """A debt of the batch: its contacts, the numbers they and its borrowers call, and every
    call placed about it."""

    __slots__ = ("calls", "contacts", "ledger", "numbers")

    def __init__(self) -> None:
        self.contacts: set[int] = set()
        self.numbers: set[str] = set()
        self.calls: list[PlacedCall] = []
        self.ledger: tuple[PlacedCall, ...] = ()


class _Consumer(NamedTuple):
    """What the borrower of a loan says of the consumer, as the gate needs it."""

    address: Address
    e164: str | None
    consented: bool
    line_type: LineType
    flags: frozenset[Flag]
    inconvenient: tuple[Inconvenient, ...]


class ComplianceService:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.repo = ComplianceRepository(session, tenant_id)

    # -- judging -----------------------------------------------------------------------------

    def judge_contacts(
        self,
        contacts: Sequence[RowMapping],
        now: datetime,
        *,
        mode: Mode = DEFAULT_MODE,
        ring: timedelta = DEFAULT_RING,
    ) -> list[Judgement]:
        """The decision on every number of each contact (rows read by `contact_rows`), as
        the gate would answer at `now`: the look-ups of the whole batch are made together."""
        if not contacts:
            return []
        # The rules make and drop objects by the hundred thousand, freed as they are dropped,
        # and each of the collector's rounds walked everything the process keeps: it waits
        # until the batch is decided, then counts what is left, once: the batch dropped by
        # then (its rows, debts and ledgers, still held, made that round a twentieth of the
        # batch's time).
        with _collector_paused():
            return self._judged(contacts, now, mode, ring)

    def _judged(
        self, contacts: Sequence[RowMapping], now: datetime, mode: Mode, ring: timedelta
    ) -> list[Judgement]:
        batch = _Batch(self.repo, Moment(now), self.repo.debt_grouping())
        batch.load_contacts(contacts)
        return [judgement for row in contacts for judgement in batch.judge(row, mode, ring)]

    def judge_loan(
        self,
        loan_id: str,
        servicer_id: int | None,
        now: datetime,
        *,
        mode: Mode = DEFAULT_MODE,
        ring: timedelta = DEFAULT_RING,
    ) -> list[Judgement]:
        """The decision on the borrower's number of a loan, then on every number of each
        dialler contact called about it."""
        loans = self.repo.loans([loan_id], servicer_id)
        if not loans:
            raise NotFound(f"loan {loan_id} not found")
        batch = _Batch(self.repo, Moment(now), self.repo.debt_grouping())
        batch.set_loans(loans)
        contacts = self.repo.contacts_of_loans([loan_id])
        others = batch.loans.keys() - {loan_id}
        linked = self.repo.links_of_loans(others) if others else []
        batch.load([*contacts, *linked])
        judgements = []
        own = batch.judge_borrower(loans[0], mode, ring)
        if own is not None:
            judgements.append(own)
        for contact in sorted(contacts, key=lambda row: row["id"]):
            judgements.extend(batch.judge(contact, mode, ring))
        return judgements

    def contact_rows(self, ids: Iterable[int]) -> list[RowMapping]:
        """The contacts the gate judges, by id, in the order asked; unknown ids left out."""
        wanted = list(ids)
        found = {row["id"]: row for row in self.repo.contacts(wanted)}
        return [found[key] for key in wanted if key in found]

    def contact_row(self, contact_id: int) -> RowMapping:
        rows = self.contact_rows([contact_id])
        if not rows:
            raise NotFound(f"dialler contact {contact_id} not found")
        return rows[0]

    def contact_row_by_user_data(self, user_data: str) -> RowMapping:
        """The first contact (by id) with this UserData, as the dialler's other by-UserData
        calls take it."""
        ids = self.repo.contact_ids_by_user_data(user_data)
        if not ids:
            raise NotFound(f"no dialler contact with UserData {user_data!r}")
        return self.contact_row(ids[0])

    # -- the refusal log ---------------------------------------------------------------------

    def record(self, judgements: Iterable[Judgement], at: datetime) -> int:
        """Log every refusal of real attempts (one row per failing rule); answers how many."""
        rows = [
            {
                "tenant_id": self.repo.tenant_id,
                "campaign_id": judgement.campaign_id,
                "contact_id": judgement.contact_id,
                "loan_id": judgement.loan_id,
                "phone_number_offset": judgement.offset,
                "phone_number": judgement.e164 or judgement.phone_number[:20],
                "rule": refusal.rule,
                "reason": refusal.reason[:300],
                "citation": refusal.citation[:100],
                "at": at,
                "next_allowed_at": refusal.next_allowed_at,
            }
            for judgement in judgements
            for refusal in judgement.decision.refusals
        ]
        self.repo.log(rows)
        return len(rows)

    def refusals(
        self,
        campaign_id: int | None,
        rule: str | None,
        start: datetime | None,
        end: datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[int, list[RefusalRecord]]:
        return self.repo.refusals(campaign_id, rule, start, end, offset, limit)

    def refusal_counts(
        self, campaign_id: int | None, start: datetime | None, end: datetime | None
    ) -> list[tuple[int | None, str, int]]:
        return self.repo.refusal_counts(campaign_id, start, end)


class _Batch:
    """The look-ups of a batch of attempts, made together, and each attempt built from them."""

    def __init__(self, repo: ComplianceRepository, moment: Moment, grouping: str) -> None:
        self.repo = repo
        self.now = moment.now
        self.moment = moment
        self.grouping = grouping
        self.loans: dict[str, LoanRow] = {}
        self.debt_of_loan: dict[str, DebtKey] = {}
        self.debts: dict[DebtKey, _Debt] = defaultdict(_Debt)
        self.consumers: dict[str, _Consumer] = {}
        self.campaigns: dict[int, RowMapping] = {}
        self.listed: set[tuple[int | None, str]] = set()
        self.buckets: dict[str, Bucket] = {}
        self._dnc: dict[int | None, tuple[frozenset[str], ...]] = {}

    # -- loading -----------------------------------------------------------------------------

    def load_contacts(self, contacts: Sequence[RowMapping]) -> None:
        """Everything the contacts' attempts need: their loans and debts, the debts' other
        contacts and calls, the lists and the campaigns."""
        candidates = {link for row in contacts if (link := _link(row)) is not None}
        self.set_loans(self.repo.loans(candidates) if candidates else [])
        known = [row["id"] for row in contacts]
        # Every contact of the debts' loans, the borrower's other loans of the same lender
        # included when they make one debt: each one's calls count for it.
        linked = self.repo.links_of_loans(self.loans, known) if self.loans else []
        self.load([*contacts, *linked])

    def set_loans(self, loans: Sequence[LoanRow]) -> None:
        """The loans of the batch (each with its borrower, as the repository reads them) and,
        when a borrower's loans of one lender are one debt, each such borrower's other ones."""
        self.loans = {row.id: row for row in loans}
        if self.grouping == "borrower_lender":
            self._group_by_borrower_and_lender()

    def load(self, contacts: Sequence[RowMapping]) -> None:
        """Everything the attempts about the loans and these contacts need: each debt's
        contacts, numbers and calls, the campaigns, the buckets and the lists."""
        for loan_id, loan in self.loans.items():
            key = self.debt_of_loan.setdefault(loan_id, ("loan", loan_id))
            if loan.borrower_id is not None:
                consumer = self.consumers[loan_id] = _consumer(loan)
                if consumer.e164:
                    self.debts[key].numbers.add(consumer.e164)
        seen = {contact["id"]: contact for contact in contacts}
        for contact in seen.values():
            debt = self.debts[self._debt_key(contact)]
            debt.contacts.add(contact["id"])
            debt.numbers.update(
                number for names in NUMBER_COLUMNS if (number := contact[names.e164]) is not None
            )
        self.campaigns = self.repo.campaigns({row["campaign_id"] for row in seen.values()})
        self._load_calls(self._load_buckets())
        numbers = set().union(*(debt.numbers for debt in self.debts.values()))
        if numbers:
            self.listed = self.repo.listed(numbers, set(self.campaigns))

    def _group_by_borrower_and_lender(self) -> None:
        """A borrower's loans of one lender are one debt: every such loan is read, so that
        the calls about each count for all."""
        borrowers = {row.borrower_id for row in self.loans.values() if row.borrower_id}
        if not borrowers:
            return
        for loan in self.repo.loans_of_borrowers(borrowers):
            if loan.lender_id is None:
                continue
            self.loans.setdefault(loan.id, loan)
            key = ("borrower_lender", loan.borrower_id, loan.lender_id)
            self.debt_of_loan[loan.id] = key

    def _debt_key(self, contact: Row) -> DebtKey:
        """The debt a contact is called about: its loan's, or the contact itself."""
        link = _link(contact)
        if link is not None and link in self.debt_of_loan:
            return self.debt_of_loan[link]
        return ("contact", contact["id"])

    def _load_buckets(self) -> list[TrackedRow]:
        """Each listed loan's bucket today, with its attempts and contacts in the window; and
        the loans' tracked calls the ledger needs. A loan in a bucket has all its calls read,
        from the earliest day either needs; any other, only those the dialler did not record
        (its history holds those, and they were most of the rows)."""
        since = self.now - timedelta(days=LEDGER_DAYS)
        servicers = {loan.servicer_id for loan in self.loans.values()}
        policies = self.repo.buckets(servicers) if servicers else []
        today = self.now.astimezone(UTC).date()
        windows: dict[str, tuple[BucketPolicy, date, date]] = {}
        for loan_id, loan in self.loans.items():
            found = _bucket_of(loan, policies, today) if policies else None
            if found is not None:
                windows[loan_id] = found
        others = [loan_id for loan_id in self.loans if loan_id not in windows]
        calls = self.repo.tracked(others, since, outside_only=True) if others else []
        if windows:
            first = min(since, *(_day_start(window[1]) for window in windows.values()))
            counted = self.repo.tracked(windows, first)
            self._count_buckets(windows, counted)
            calls += counted
        return calls

    def _count_buckets(
        self, windows: Mapping[str, tuple[BucketPolicy, date, date]], calls: Sequence[TrackedRow]
    ) -> None:
        counts: dict[str, list[int]] = {loan_id: [0, 0] for loan_id in windows}
        for loan_id, moment, status, _ in calls:
            window = windows[loan_id]
            if moment > self.now or not _within(moment, *window[1:]):
                continue
            counts[loan_id][0] += 1
            counts[loan_id][1] += status == "Contacted"
        for loan_id, (policy, _, end) in windows.items():
            self.buckets[loan_id] = Bucket(
                window_end=end,
                attempts=counts[loan_id][0],
                contacts=counts[loan_id][1],
                attempts_allowed=policy.call_attempts_per_bucket,
                contacts_allowed=policy.call_contacts_per_bucket,
            )

    def _load_calls(self, tracked: Sequence[TrackedRow]) -> None:
        """Each debt's placed calls: its contacts' history and the engine's calls to them
        still under way, its loans' tracked calls the dialler did not record, and the calls
        the call reports hold to its numbers."""
        since = self.now - timedelta(days=LEDGER_DAYS)
        calls_of_contact = {
            contact: debt.calls for debt in self.debts.values() for contact in debt.contacts
        }
        if calls_of_contact:
            for contact_id, start, alerted, connected, cause, mailbox in self.repo.history(
                calls_of_contact, since
            ):
                # A call counts unless it failed before it rang.
                if alerted or classify(cause or 0, connected, bool(mailbox)) is not Outcome.FAILED:
                    calls_of_contact[contact_id].append(
                        PlacedCall(start, connected and not mailbox)
                    )
            # A call under way counts as placed (it rings, or rang) until its outcome is
            # recorded: another contact of the debt is not called beside it past the limits.
            for contact_id, start in self.repo.under_way(calls_of_contact):
                calls_of_contact[contact_id].append(PlacedCall(start))
        for loan_id, moment, status, created_by in tracked:
            if created_by != DIALLER and moment >= since:
                debt = self.debts[self.debt_of_loan[loan_id]]
                debt.calls.append(PlacedCall(moment, status == "Contacted"))
        debts_of_number: dict[str, list[_Debt]] = defaultdict(list)
        for debt in self.debts.values():
            for number in debt.numbers:
                debts_of_number[number].append(debt)
        if debts_of_number:
            # Only calls that rang are read: a failed one did not; an answered one with talk
            # time is taken for a conversation (the reading that calls less).
            for number, moment, talked in self.repo.reported(debts_of_number, since):
                placed = PlacedCall(moment, bool(talked))
                for debt in debts_of_number[number]:
                    debt.calls.append(placed)
        for debt in self.debts.values():
            debt.calls.sort()
            # A tuple: the gate keeps its answers by the calls, and hashes a tuple as it is.
            debt.ledger = tuple(debt.calls)

    # -- building attempts -------------------------------------------------------------------

    def judge(self, contact: RowMapping, mode: Mode, ring: timedelta) -> list[Judgement]:
        """The decision on each number of a contact: what holds for the whole contact is
        worked out once."""
        loan_id = _link(contact)
        loan_id = loan_id if loan_id in self.loans else None
        consumer = self.consumers.get(loan_id or "")
        campaign = self.campaigns.get(contact["campaign_id"])
        flags = decode_flags(contact["compliance_flags"])
        inconvenient = decode_times(contact["inconvenient_times"])
        address = _contact_address(contact)
        if consumer is not None:
            flags |= consumer.flags
            inconvenient = (*inconvenient, *consumer.inconvenient)
            if consumer.address.state or consumer.address.postal_code:
                address = consumer.address
        state = _Tries(contact, campaign)
        calls = self.debts[self._debt_key(contact)].ledger
        lists = self._lists(contact["campaign_id"])
        bucket = self.buckets.get(loan_id or "")
        contact_id, campaign_id = contact["id"], contact["campaign_id"]
        now, decide = self.now, self.moment.decide
        judgements = []
        for names in NUMBER_COLUMNS:
            number = contact[names.number]
            if not number:
                continue
            e164 = contact[names.e164]
            consented = bool(contact[names.consent])
            line_type = _LINE_TYPES.get(contact[names.line_type], LineType.UNKNOWN)
            if consumer is not None and consumer.e164 is not None and consumer.e164 == e164:
                # The borrower's word counts too: a revocation there, or a cell phone, holds
                # for the same number here.
                consented = consented and consumer.consented
                if consumer.line_type is LineType.CELL:
                    line_type = LineType.CELL
            # Built whole for each number: dataclasses.replace cost more than the rules.
            attempt = Attempt(
                now=now,
                mode=mode,
                e164=e164,
                address=address,
                calls=calls,
                line_type=line_type,
                consented=consented,
                ring=ring,
                dnc_lists=lists,
                flags=flags,
                inconvenient=inconvenient,
                bucket=bucket,
                contact=state.of(bool(contact[names.invalid]), contact[names.tries] or 0),
            )
            judgements.append(
                Judgement(
                    number, e164, decide(attempt), contact_id, campaign_id, names.offset, loan_id
                )
            )
        return judgements

    def judge_borrower(self, loan: LoanRow, mode: Mode, ring: timedelta) -> Judgement | None:
        """The decision on the borrower's own number of a loan, on the tenant's list."""
        consumer = self.consumers.get(loan.id)
        if consumer is None or consumer.e164 is None:
            return None
        attempt = Attempt(
            now=self.now,
            mode=mode,
            e164=consumer.e164,
            address=consumer.address,
            calls=self.debts[self.debt_of_loan[loan.id]].ledger,
            line_type=consumer.line_type,
            consented=consumer.consented,
            ring=ring,
            dnc_lists=self._lists(None),
            flags=consumer.flags,
            inconvenient=consumer.inconvenient,
            bucket=self.buckets.get(loan.id),
        )
        return Judgement(
            phone_number=consumer.e164, e164=consumer.e164, decision=self.moment.decide(attempt),
            loan_id=loan.id,
        )  # fmt: skip

    def _lists(self, campaign_id: int | None) -> tuple[frozenset[str], ...]:
        """The numbers on the tenant's list and on the campaign's, of those looked up; made
        once per list for the batch."""
        lists = self._dnc.get(campaign_id)
        if lists is None:
            tenant = frozenset(number for scope, number in self.listed if scope is None)
            own = frozenset(number for scope, number in self.listed if scope == campaign_id)
            lists = self._dnc[campaign_id] = (tenant, own) if campaign_id is not None else (tenant,)
        return lists


# A line type as stored; one the gate cannot read is taken as unknown (needing consent).
_LINE_TYPES: dict[str | None, LineType] = {kind.value: kind for kind in LineType}


class _Tries:
    """What a contact's state is for each of its numbers but the number's own mark and
    tries: worked out once per contact."""

    __slots__ = ("begins", "contact_tries", "ends", "locked", "per_contact", "per_number")

    def __init__(self, contact: Row, campaign: Row | None) -> None:
        self.locked = bool(contact["locked"])
        self.begins, self.ends = _moment(contact["dt_begin_date"]), _moment(contact["dt_end_date"])
        self.per_number = campaign["max_tries_per_number"] if campaign else None
        self.per_contact = campaign["max_tries_per_contact"] if campaign else None
        self.contact_tries = sum(contact[names.tries] or 0 for names in NUMBER_COLUMNS)

    def of(self, invalid: bool, tries: int) -> ContactState:
        # In the order of ContactState's fields: a tuple made from keywords took twice as long.
        return ContactState(
            self.locked,
            self.begins,
            self.ends,
            invalid,
            tries,
            self.per_number,
            self.contact_tries,
            self.per_contact,
        )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The garbage collector's automatic rounds held off while the block runs, when they are
    on; only the thread that turned them off turns them on again."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _link(contact: Row) -> str | None:
    """The loan a contact may be called about: its LoanID, or a UserData that may be a
    loan's id (as call tracking links the dialler's calls)."""
    if contact["loan_id"]:
        return str(contact["loan_id"])
    user_data = contact["user_data"]
    return user_data if user_data and len(user_data) <= 36 else None


def _consumer(loan: LoanRow) -> _Consumer:
    """What a loan's borrower (read with the loan) says of the consumer."""
    return _Consumer(
        address=Address(loan.borrower_state, loan.borrower_postal_code),
        e164=loan.borrower_phone_e164,
        consented=bool(loan.borrower_cell_phone_consent),
        line_type=_LINE_TYPES.get(loan.borrower_phone_line_type, LineType.UNKNOWN),
        flags=decode_flags(loan.borrower_compliance_flags),
        inconvenient=decode_times(loan.borrower_inconvenient_times),
    )


def _contact_address(contact: Row) -> Address:
    """A dialler contact's address: its `Region` is its state when it names a US state."""
    return _address(contact["region"], contact["postal_code"])


# A campaign's contacts live at a few thousand addresses: each is read once.
@lru_cache(maxsize=100_000)
def _address(region: str | None, postal_code: str | None) -> Address:
    state = (region or "").strip().upper()
    return Address(state if len(state) == 2 and zones_of_state(state) else None, postal_code)


def _bucket_of(
    loan: LoanRow, policies: Sequence[BucketPolicy], today: date
) -> tuple[BucketPolicy, date, date] | None:
    """The loan's bucket today as the call list finds it (a lender's own bucket wins over
    a general one), with its window's first and last day."""
    paid_to = loan.paid_to_date
    if loan.status != "repayment" or paid_to is None:
        return None
    late = (today - paid_to).days
    mine = [p for p in policies if p.servicer_id == loan.servicer_id]
    chosen = [
        p for p in mine
        if p.lender_id is not None and p.lender_id == loan.lender_id
        and p.call_days_start <= late <= p.call_days_end
    ] or [
        p for p in mine
        if p.lender_id is None and p.call_days_start <= late <= p.call_days_end
    ]  # fmt: skip
    if not chosen:
        return None
    policy = chosen[0]
    return policy, _plus(paid_to, policy.call_days_start), _plus(paid_to, policy.call_days_end)


def _plus(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max


def _within(moment: datetime, first: date, last: date) -> bool:
    """Whether a moment falls on one of the UTC days from `first` to `last`."""
    return first <= moment.astimezone(UTC).date() <= last


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _moment(value: datetime | None) -> datetime | None:
    """A dialler wall-clock date (stored without offset) as the UTC moment it stands for."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
