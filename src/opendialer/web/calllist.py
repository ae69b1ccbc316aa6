"""The dialer call list face on the wire: each entry with every field of the seed's example, in
its order and JSON types."""

from __future__ import annotations

from typing import Any

from opendialer.calllist.service import CallListItem
from opendialer.kit.dates import timestamp
from opendialer.loans.models import BorrowerType, LoanStatus
from opendialer.web.openapi import Day, Timestamp, Wire, data_model, page_model
from opendialer.web.velocity import plain


def entry_record(item: CallListItem) -> dict[str, Any]:
    """One call-list entry with every field of the seed's example, in its order and types. A
    bucket window's dates show when its count is above 0, null when it is 0, as the seed's
    example shows them."""
    entry, loan, borrower, lender = item.entry, item.loan, item.borrower, item.lender

    def of(obj: Any, attr: str) -> Any:
        return plain(getattr(obj, attr)) if obj is not None else None

    window = (entry.window_start.isoformat(), entry.window_end.isoformat())
    attempts_window = window if item.attempted else (None, None)
    contacts_window = window if item.contacted else (None, None)
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
        "callsAttempted": item.attempted,
        "callsAttemptedMinDate": attempts_window[0],
        "callsAttemptedMaxDate": attempts_window[1],
        "callsContacted": item.contacted,
        "callsContactedMinDate": contacts_window[0],
        "callsContactedMaxDate": contacts_window[1],
        "callId": entry.call_id,
        "tenantId": entry.tenant_id,
        "servicerId": entry.servicer_id,
        "createdBy": {},
        "createdDate": created,
        "updatedBy": {},
        "updatedDate": created,
    }


# -- the OpenAPI document's description of the above -----------------------------------------


class EmptyAuthor(Wire):
    """`createdBy` and `updatedBy` of an entry: an empty object, as in the seed."""


class CallListEntry(Wire):
    """One entry of the dialer call list: every field of the seed's example, in its order and
    JSON types. Loan, borrower and lender fields are their current values (null when the row
    is gone); amounts are decimals; a loan or borrower without a key shows it as ""."""

    callCode: str
    lenderId: str | None
    lenderName: str | None
    lenderShortName: str | None
    lenderIdentifierNumber: str | None
    loanId: str
    loanNumber: str | None
    loanExternalReferenceId: str
    loanStatus: LoanStatus | None
    loanDaysLate: int
    loanPaidToDate: Day | None
    loanNextDueDate: Day | None
    loanLastPaymentDate: Day | None
    loanPastAmountDue: float | None
    loanFeeOutstanding: float | None
    loanInterestBalance: float | None
    loanCurrentAmountDue: float | None
    borrowerId: str | None
    borrowerNumber: str | None
    borrowerExternalReferenceId: str
    borrowerType: BorrowerType | None
    borrowerFirstName: str | None
    borrowerMiddleName: str | None
    borrowerLastName: str | None
    borrowerSuffix: str | None
    borrowerPhoneNumber: str | None
    borrowerCellPhoneConsent: bool
    callAttemptsPerBucket: int
    callContactsPerBucket: int
    callDaysStart: int
    callDaysEnd: int
    callsAttempted: int
    callsAttemptedMinDate: Day | None
    callsAttemptedMaxDate: Day | None
    callsContacted: int
    callsContactedMinDate: Day | None
    callsContactedMaxDate: Day | None
    callId: str
    tenantId: int
    servicerId: int
    createdBy: EmptyAuthor
    createdDate: Timestamp
    updatedBy: EmptyAuthor
    updatedDate: Timestamp


CallListPage = page_model("CallListPage", CallListEntry, "/calls", data_first=True)


class BuiltList(Wire):
    """One servicer's list built: its date and how many entries it has."""

    servicerId: int
    listDate: Day
    entries: int


BuiltLists = data_model("BuiltLists", list[BuiltList])
