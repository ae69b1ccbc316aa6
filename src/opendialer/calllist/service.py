"""Building the daily call list and reading it with live attempt and contact counts."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from opendialer.calllist.models import CallListEntry
from opendialer.calllist.repository import CallListRepository
from opendialer.db.base import utcnow
from opendialer.errors import Invalid
from opendialer.kit.dates import day_after, day_start
from opendialer.kit.phones import to_e164
from opendialer.web.velocity import Paging, plain, timestamp


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
        self, servicer_id: int | None, filters: CallFilters, paging: Paging
    ) -> tuple[int, list[dict[str, Any]]]:
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
            total, rows = self._seek(list_date, servicer_id, paging)
        else:
            total, rows = self.entries.filtered(
                list_date,
                servicer_id,
                loan_id=filters.loanid or None,
                borrower_ids=borrower_ids,
                call_code=filters.callcode or None,
                offset=paging.offset,
                limit=paging.limit,
            )
        return total, self._records(rows)

    def _seek(
        self, list_date: date, servicer_id: int | None, paging: Paging
    ) -> tuple[int, list[CallListEntry]]:
        """An unfiltered page: each servicer's list is numbered 1..N, so any page, however
        deep, is found by position instead of by skipping rows."""
        builds = self.entries.builds(list_date, servicer_id)
        total = sum(b.entries for b in builds)
        rows: list[CallListEntry] = []
        skip = paging.offset
        for build in builds:
            if len(rows) >= paging.limit:
                break
            if skip >= build.entries:
                skip -= build.entries
                continue
            rows += self.entries.seek(build.servicer_id, list_date, skip, paging.limit - len(rows))
            skip = 0
        return total, rows

    def _records(self, rows: list[CallListEntry]) -> list[dict[str, Any]]:
        if not rows:
            return []
        loans = self.entries.loans({r.loan_id for r in rows})
        borrowers = self.entries.borrowers({r.borrower_id for r in rows if r.borrower_id})
        lenders = self.entries.lenders({r.lender_id for r in rows if r.lender_id})
        calls = self.entries.tracked_calls(
            {r.loan_id for r in rows},
            day_start(min(r.window_start for r in rows)),
            day_after(max(r.window_end for r in rows)),
        )
        # Each loan's calls as (UTC day, status): a window is whole UTC days.
        by_loan: defaultdict[str, list[tuple[date, str]]] = defaultdict(list)
        for loan_id, status, moment in calls:
            by_loan[loan_id].append((moment.astimezone(UTC).date(), status))
        attempted: Counter[tuple[str, str]] = Counter()
        contacted: Counter[tuple[str, str]] = Counter()
        for row in rows:
            key = (row.call_id, row.loan_id)
            for day, status in by_loan[row.loan_id]:
                if row.window_start <= day <= row.window_end:
                    attempted[key] += 1
                    if status == "Contacted":
                        contacted[key] += 1
        return [
            entry_record(
                row,
                loans.get(row.loan_id),
                borrowers.get(row.borrower_id or ""),
                lenders.get(row.lender_id or ""),
                attempted[(row.call_id, row.loan_id)],
                contacted[(row.call_id, row.loan_id)],
            )
            for row in rows
        ]


def entry_record(
    entry: CallListEntry,
    loan: Any,
    borrower: Any,
    lender: Any,
    attempted: int,
    contacted: int,
) -> dict[str, Any]:
    """One call-list entry with every field of the seed's example, in its order and types."""

    def of(obj: Any, attr: str) -> Any:
        return plain(getattr(obj, attr)) if obj is not None else None

    window_start, window_end = entry.window_start.isoformat(), entry.window_end.isoformat()
    created = timestamp(entry.created_at)
    phone = of(borrower, "phone_e164") or of(borrower, "phone_number")
    return {
        "callCode": entry.call_code,
        "lenderId": entry.lender_id,
        "lenderName": of(lender, "name"),
        "lenderShortName": of(lender, "short_name"),
        "lenderIdentifierNumber": of(lender, "identifier_number"),
        "loanId": entry.loan_id,
        "loanNumber": of(loan, "loan_number"),
        # A row without a key shows "", as the seed's example loan does.
        "loanExternalReferenceId": of(loan, "external_reference_id") or "",
        "loanStatus": of(loan, "status"),
        "loanDaysLate": entry.loan_days_late,
        "loanPaidToDate": of(loan, "paid_to_date"),
        "loanNextDueDate": of(loan, "next_due_date"),
        "loanLastPaymentDate": of(loan, "last_payment_date"),
        "loanPastAmountDue": of(loan, "past_amount_due"),
        "loanFeeOutstanding": of(loan, "fee_outstanding"),
        "loanInterestBalance": of(loan, "interest_balance"),
        "loanCurrentAmountDue": of(loan, "current_amount_due"),
        "borrowerId": entry.borrower_id,
        "borrowerNumber": of(borrower, "borrower_number"),
        "borrowerExternalReferenceId": of(borrower, "external_reference_id") or "",
        "borrowerType": of(borrower, "type"),
        "borrowerFirstName": of(borrower, "first_name"),
        "borrowerMiddleName": of(borrower, "middle_name"),
        "borrowerLastName": of(borrower, "last_name"),
        "borrowerSuffix": of(borrower, "suffix"),
        "borrowerPhoneNumber": phone,
        "borrowerCellPhoneConsent": bool(of(borrower, "cell_phone_consent")),
        "callAttemptsPerBucket": entry.call_attempts_per_bucket,
        "callContactsPerBucket": entry.call_contacts_per_bucket,
        "callDaysStart": entry.call_days_start,
        "callDaysEnd": entry.call_days_end,
        "callsAttempted": attempted,
        "callsAttemptedMinDate": window_start,
        "callsAttemptedMaxDate": window_end,
        "callsContacted": contacted,
        "callsContactedMinDate": window_start,
        "callsContactedMaxDate": window_end,
        "callId": entry.call_id,
        "tenantId": entry.tenant_id,
        "servicerId": entry.servicer_id,
        "createdBy": {},
        "createdDate": created,
        "updatedBy": {},
        "updatedDate": created,
    }
