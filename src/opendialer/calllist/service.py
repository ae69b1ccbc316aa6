"""Building the daily call list and reading it with live attempt and contact counts."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from opendialer.calllist.models import CallListEntry
from opendialer.calllist.repository import CallListRepository
from opendialer.db.base import utcnow
from opendialer.errors import Invalid
from opendialer.kit.dates import day_after, day_start
from opendialer.kit.phones import to_e164
from opendialer.loans.models import Borrower, Lender, Loan


@dataclass(frozen=True)
class CallFilters:
    """The seed's filters of GET /dialer/calls, as sent."""

    createddate: str | None = None
    loanid: str | None = None
    borrowerid: str | None = None
    callcode: str | None = None
    phonenumber: str | None = None

    def as_query(self) -> dict[str, str | None]:
        return {
            "createddate": self.createddate,
            "loanid": self.loanid,
            "borrowerid": self.borrowerid,
            "callcode": self.callcode,
            "phonenumber": self.phonenumber,
        }


def parse_list_date(raw: str) -> date:
    """createddate as a date (2020-08-03) or a timestamp (2020-08-03T09:42:53.795Z)."""
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC).date()
    except (ValueError, OverflowError):
        raise Invalid(f"createddate must be a date (YYYY-MM-DD), got {raw!r}") from None


@dataclass(frozen=True)
class CallListItem:
    """One entry of a list with its loan, borrower and lender as stored now, and the loan's
    attempts and contacts counted from call tracking inside the entry's bucket window."""

    entry: CallListEntry
    loan: Loan | None
    borrower: Borrower | None
    lender: Lender | None
    attempted: int
    contacted: int


class CallList:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        self.entries = CallListRepository(session, tenant_id)

    def build(
        self, servicer_id: int | None, as_of: date | None = None
    ) -> tuple[date, dict[int, int]]:
        """Build (or rebuild) the list of `as_of` (default today, UTC) for the servicer, or for
        every servicer of the tenant that has buckets; answers the date and entries per
        servicer."""
        now = utcnow()
        list_date = as_of or now.date()
        # An entry's createdDate falls on its list's date, even for a list built for another
        # day, so that the createddate filter finds the list a record says it belongs to.
        created = datetime.combine(list_date, now.timetz())
        counts = {
            servicer: self.entries.build(servicer, list_date, created)
            for servicer in self.entries.servicers_with_buckets(servicer_id)
        }
        return list_date, counts

    def page(
        self, servicer_id: int | None, filters: CallFilters, offset: int, limit: int
    ) -> tuple[int, list[CallListItem]]:
        """One page of the list `filters` name (the newest, without `createddate`), in the list's
        order, and how many entries match."""
        if filters.createddate:
            list_date: date | None = parse_list_date(filters.createddate)
        else:
            list_date = self.entries.latest_date(servicer_id)
        if list_date is None:
            return 0, []
        borrower_ids: list[str] | None = None
        if filters.phonenumber:
            e164 = to_e164(filters.phonenumber)
            if e164 is None:
                raise Invalid(f"phonenumber {filters.phonenumber!r} is not a phone number")
            borrower_ids = self.entries.borrower_ids_with_phone(e164, servicer_id)
        if filters.borrowerid:
            candidates = [filters.borrowerid] if borrower_ids is None else borrower_ids
            borrower_ids = [b for b in candidates if b == filters.borrowerid]
        if borrower_ids is None and not filters.loanid and not filters.callcode:
            total, rows = self._seek(list_date, servicer_id, offset, limit)
        else:
            total, rows = self.entries.filtered(
                list_date,
                servicer_id,
                loan_id=filters.loanid or None,
                borrower_ids=borrower_ids,
                call_code=filters.callcode or None,
                offset=offset,
                limit=limit,
            )
        return total, self._items(rows)

    def _seek(
        self, list_date: date, servicer_id: int | None, offset: int, limit: int
    ) -> tuple[int, list[CallListEntry]]:
        """An unfiltered page: each servicer's list is numbered 1..N, so any page, however
        deep, is found by position instead of by skipping rows."""
        builds = self.entries.builds(list_date, servicer_id)
        total = sum(b.entries for b in builds)
        rows: list[CallListEntry] = []
        skip = offset
        for build in builds:
            if len(rows) >= limit:
                break
            if skip >= build.entries:
                skip -= build.entries
                continue
            rows += self.entries.seek(build.servicer_id, list_date, skip, limit - len(rows))
            skip = 0
        return total, rows

    def _items(self, rows: list[CallListEntry]) -> list[CallListItem]:
        if not rows:
            return []
        loans = self.entries.loans({r.loan_id for r in rows})
        borrowers = self.entries.borrowers({r.borrower_id for r in rows if r.borrower_id})
        lenders = self.entries.lenders({r.lender_id for r in rows if r.lender_id})
        days = self.entries.tracked_call_days(
            {r.loan_id for r in rows},
            day_start(min(r.window_start for r in rows)),
            day_after(max(r.window_end for r in rows)),
        )
        # Each loan's calls and contacts per UTC day: a window is whole UTC days.
        by_loan: defaultdict[str, list[tuple[date, int, int]]] = defaultdict(list)
        for loan_id, day, calls, contacts in days:
            by_loan[loan_id].append((day, calls, contacts))
        attempted: Counter[tuple[str, str]] = Counter()
        contacted: Counter[tuple[str, str]] = Counter()
        for row in rows:
            key = (row.call_id, row.loan_id)
            for day, calls, contacts in by_loan[row.loan_id]:
                if row.window_start <= day <= row.window_end:
                    attempted[key] += calls
                    contacted[key] += contacts
        return [
            CallListItem(
                row,
                loans.get(row.loan_id),
                borrowers.get(row.borrower_id or ""),
                lenders.get(row.lender_id or ""),
                attempted[(row.call_id, row.loan_id)],
                contacted[(row.call_id, row.loan_id)],
            )
            for row in rows
        ]
