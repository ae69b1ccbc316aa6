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

from sqlalchemy.orm import Session

from opendialer.calltracking.models import DIALLER
from opendialer.compliance.consumer import decode_flags, decode_times
from opendialer.compliance.frequency import PlacedCall
from opendialer.compliance.gate import Attempt, Decision, Moment
from opendialer.compliance.models import RefusalRecord
from opendialer.compliance.repository import (
    NUMBER_COLUMNS,
    ComplianceRepository,
    HistoryRow,
    LoanRow,
    PolicyRow,
    TrackedRow,
)
from opendialer.compliance.rules import Bucket, ContactState, Flag, Inconvenient, LineType, Mode
from opendialer.compliance.states import Address
from opendialer.compliance.zones import zones_of_state
from opendialer.dialler.causes import Outcome, classify
from opendialer.errors import NotFound

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
Row = Mapping[str, Any]
# Contacts judged together are looked up in parts of about this many: while one part is
# judged, the next one's look-ups are asked, in the steps of `_Batch.loading`, and the part
# is judged in as many shares, one between each two steps.
PART = 500
STEPS = 2


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
        contacts: Sequence[Row],
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
        self, contacts: Sequence[Row], now: datetime, mode: Mode, ring: timedelta
    ) -> list[Judgement]:
        """The batch is looked up and judged in parts: while one part is judged, the next
        one's look-ups are asked a step at a time, so that on PostgreSQL the server works
        through them meanwhile (a part's judging takes longer than its look-ups)."""
        moment, grouping = Moment(now), self.repo.debt_grouping()
        parts = [contacts[at : at + PART] for at in range(0, len(contacts), PART)]
        if len(parts) > 1 and len(parts[-1]) < PART // 2:
            parts[-2:] = [[*parts[-2], *parts[-1]]]
        judgements: list[Judgement] = []
        with self.repo.together():
            batch = _Batch(self.repo, moment, grouping)
            _finish(batch.loading(parts[0]))
            for at, part in enumerate(parts):
                following = None
                if at + 1 < len(parts):
                    following = _Batch(self.repo, moment, grouping)
                    steps = following.loading(parts[at + 1])
                for share in range(STEPS):
                    if following is not None:
                        next(steps, None)
                    begin, end = len(part) * share // STEPS, len(part) * (share + 1) // STEPS
                    for row in part[begin:end]:
                        judgements.extend(batch.judge(row, mode, ring))
                if following is not None:
                    _finish(steps)
                    batch = following
        return judgements

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
        loans = self.repo.loans([loan_id], servicer_id).answer()
        if not loans:
            raise NotFound(f"loan {loan_id} not found")
        batch = _Batch(self.repo, Moment(now), self.repo.debt_grouping())
        contacts = self.repo.contacts_of_loans([loan_id])
        _finish(batch.loading(contacts, loans))
        judgements = []
        own = batch.judge_borrower(loans[0], mode, ring)
        if own is not None:
            judgements.append(own)
        for contact in sorted(contacts, key=lambda row: row["id"]):
            judgements.extend(batch.judge(contact, mode, ring))
        return judgements

    def contact_rows(self, ids: Iterable[int]) -> list[Row]:
        """The contacts the gate judges, by id, in the order asked; unknown ids left out."""
        wanted = list(ids)
        found = {row["id"]: row for row in self.repo.contacts(wanted)}
        return [found[key] for key in wanted if key in found]

    def contact_row(self, contact_id: int) -> Row:
        rows = self.contact_rows([contact_id])
        if not rows:
            raise NotFound(f"dialler contact {contact_id} not found")
        return rows[0]

    def contact_row_by_user_data(self, user_data: str) -> Row:
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
        self.campaigns: dict[int, dict[str, Any]] = {}
        self.listed: set[tuple[int | None, str]] = set()
        self.buckets: dict[str, Bucket] = {}
        self._dnc: dict[int | None, tuple[frozenset[str], ...]] = {}

    # -- loading -----------------------------------------------------------------------------

    def loading(
        self, contacts: Sequence[Row], loans: Sequence[LoanRow] | None = None
    ) -> Iterator[None]:
        """Everything the contacts' attempts need (their loans and debts, the debts' other
        contacts and calls, the lists and the campaigns), a step at a time: each step asks
        its look-ups together and yields, and the next one reads their answers. `loans`:
        the contacts' loans, when they are known already."""
        known = [row["id"] for row in contacts]
        links: list[Row] = []
        policies = self.repo.policies()
        if loans is None:
            candidates = {link for row in contacts if (link := _link(row)) is not None}
            asked = self.repo.loans(candidates) if candidates else None
            # Every contact of the debts' loans: asked by every link at once, each one's
            # calls count for its debt. A link that is no loan is left out once read.
            linked = self.repo.links_of_loans(candidates, known) if candidates else None
            yield
            self.loans = {row.id: row for row in asked.answer()} if asked else {}
            if linked is not None:
                links = [row for row in linked.answer() if _linked_loan(row) in self.loans]
        else:
            self.loans = {row.id: row for row in loans}
        if self.grouping == "borrower_lender":
            yield from self._group_by_borrower_and_lender(known, links)
        yield from self._load([*contacts, *links], policies.answer())

    def _group_by_borrower_and_lender(self, known: list[int], links: list[Row]) -> Iterator[None]:
        """A borrower's loans of one lender are one debt: every such loan is read, so that
        the calls about each count for all, and so are the contacts called about them."""
        borrowers = {row.borrower_id for row in self.loans.values() if row.borrower_id}
        if not borrowers:
            return
        asked = self.repo.loans_of_borrowers(borrowers)
        yield
        added = []
        for loan in asked.answer():
            if loan.lender_id is None:
                continue
            if loan.id not in self.loans:
                self.loans[loan.id] = loan
                added.append(loan.id)
            self.debt_of_loan[loan.id] = ("borrower_lender", loan.borrower_id, loan.lender_id)
        if added:
            linked = self.repo.links_of_loans(added, known)
            yield
            links.extend(linked.answer())

    def _load(self, contacts: Sequence[Row], policies: Sequence[PolicyRow]) -> Iterator[None]:
        """Everything the attempts about the loans and these contacts need, asked together:
        each debt's contacts, numbers and calls, the campaigns, the buckets and the lists."""
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
        campaign_ids = {row["campaign_id"] for row in seen.values()}
        campaigns = self.repo.campaigns(campaign_ids)
        since = self.now - timedelta(days=LEDGER_DAYS)
        # A loan in a bucket has all its tracked calls read, from the earliest day either
        # needs; any other, only those the dialler did not record (its history holds those,
        # and they were most of the rows).
        windows = self._windows(policies)
        others = [loan_id for loan_id in self.loans if loan_id not in windows]
        outside = self.repo.tracked(others, since, outside_only=True) if others else None
        counted = None
        if windows:
            first = min(since, *(_day_start(window[1]) for window in windows.values()))
            counted = self.repo.tracked(windows, first)
        calls_of_contact = {
            contact: debt.calls for debt in self.debts.values() for contact in debt.contacts
        }
        history = under_way = None
        if calls_of_contact:
            history = self.repo.history(calls_of_contact, since)
            under_way = self.repo.under_way(calls_of_contact)
        debts_of_number: dict[str, list[_Debt]] = defaultdict(list)
        for debt in self.debts.values():
            for number in debt.numbers:
                debts_of_number[number].append(debt)
        reported = self.repo.reported(debts_of_number, since) if debts_of_number else None
        listed = self.repo.listed(debts_of_number, campaign_ids) if debts_of_number else None
        yield
        self.campaigns = campaigns.answer()
        tracked = outside.answer() if outside is not None else []
        if counted is not None:
            calls = counted.answer()
            self._count_buckets(windows, calls)
            tracked += calls
        if history is not None and under_way is not None:
            self._add_history(calls_of_contact, history.answer(), under_way.answer())
        for loan_id, moment, status, created_by in tracked:
            if created_by != DIALLER and moment >= since:
                debt = self.debts[self.debt_of_loan[loan_id]]
                debt.calls.append(PlacedCall(moment, status == "Contacted"))
        if reported is not None:
            # Only calls that rang are read: a failed one did not; an answered one with talk
            # time is taken for a conversation (the reading that calls less).
            for number, moment, talked in reported.answer():
                placed = PlacedCall(moment, bool(talked))
                for debt in debts_of_number[number]:
                    debt.calls.append(placed)
        if listed is not None:
            self.listed = listed.answer()
        for debt in self.debts.values():
            debt.calls.sort()
            # A tuple: the gate keeps its answers by the calls, and hashes a tuple as it is.
            debt.ledger = tuple(debt.calls)

    def _debt_key(self, contact: Row) -> DebtKey:
        """The debt a contact is called about: its loan's, or the contact itself."""
        link = _link(contact)
        if link is not None and link in self.debt_of_loan:
            return self.debt_of_loan[link]
        return ("contact", contact["id"])

    def _windows(self, policies: Sequence[PolicyRow]) -> dict[str, tuple[PolicyRow, date, date]]:
        """Each loan's bucket today, of the loans in one, with its window's first and last day."""
        if not policies:
            return {}
        today = self.now.astimezone(UTC).date()
        windows = {}
        for loan_id, loan in self.loans.items():
            found = _bucket_of(loan, policies, today)
            if found is not None:
                windows[loan_id] = found
        return windows

    def _count_buckets(
        self, windows: Mapping[str, tuple[PolicyRow, date, date]], calls: Sequence[TrackedRow]
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

    @staticmethod
    def _add_history(
        calls_of_contact: Mapping[int, list[PlacedCall]],
        history: Sequence[HistoryRow],
        under_way: Sequence[tuple[int, datetime]],
    ) -> None:
        """Each contact's placed calls: its history, and the engine's calls to it still under
        way."""
        for contact_id, start, alerted, connected, cause, mailbox in history:
            # A call counts unless it failed before it rang.
            if alerted or classify(cause or 0, connected, bool(mailbox)) is not Outcome.FAILED:
                calls_of_contact[contact_id].append(PlacedCall(start, connected and not mailbox))
        # A call under way counts as placed (it rings, or rang) until its outcome is
        # recorded: another contact of the debt is not called beside it past the limits.
        for contact_id, start in under_way:
            calls_of_contact[contact_id].append(PlacedCall(start))

    # -- building attempts -------------------------------------------------------------------

    def judge(self, contact: Row, mode: Mode, ring: timedelta) -> list[Judgement]:
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


def _finish(steps: Iterator[None]) -> None:
    """Takes every remaining step of a loading."""
    for _ in steps:
        pass


def _linked_loan(contact: Row) -> str | None:
    """The loan a contact is linked to as the index on its link has it."""
    loan_id = contact["loan_id"]
    return str(loan_id) if loan_id is not None else contact["user_data"]


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
    loan: LoanRow, policies: Sequence[PolicyRow], today: date
) -> tuple[PolicyRow, date, date] | None:
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
