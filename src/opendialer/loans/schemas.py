"""The loan management API's camelCase fields (the seed's names) and request models."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from opendialer.kit.apimodel import ApiInput, Str, documented_required, model_from_columns
from opendialer.loans.models import (
    Borrower,
    BorrowerType,
    BucketPolicy,
    Lender,
    Loan,
    LoanStatus,
)

LENDER_FIELDS: list[tuple[str, str]] = [
    ("lenderName", "name"),
    ("lenderShortName", "short_name"),
    ("lenderIdentifierNumber", "identifier_number"),
]
BORROWER_FIELDS: list[tuple[str, str]] = [
    ("borrowerNumber", "borrower_number"),
    ("borrowerExternalReferenceId", "external_reference_id"),
    ("borrowerType", "type"),
    ("borrowerFirstName", "first_name"),
    ("borrowerMiddleName", "middle_name"),
    ("borrowerLastName", "last_name"),
    ("borrowerSuffix", "suffix"),
    ("borrowerPhoneNumber", "phone_number"),
    ("borrowerCellPhoneConsent", "cell_phone_consent"),
    ("borrowerState", "state"),
    ("borrowerPostalCode", "postal_code"),
    # What the compliance gate's consent rule reads, beside the seed's fields.
    ("borrowerCellPhoneConsentDate", "cell_phone_consent_date"),
    ("borrowerCellPhoneConsentSource", "cell_phone_consent_source"),
    ("borrowerPhoneLineType", "phone_line_type"),
]
LOAN_FIELDS: list[tuple[str, str]] = [
    ("loanNumber", "loan_number"),
    ("loanExternalReferenceId", "external_reference_id"),
    ("loanStatus", "status"),
    ("loanPaidToDate", "paid_to_date"),
    ("loanNextDueDate", "next_due_date"),
    ("loanLastPaymentDate", "last_payment_date"),
    ("loanPastAmountDue", "past_amount_due"),
    ("loanFeeOutstanding", "fee_outstanding"),
    ("loanInterestBalance", "interest_balance"),
    ("loanCurrentAmountDue", "current_amount_due"),
]
BUCKET_FIELDS: list[tuple[str, str]] = [
    ("lenderId", "lender_id"),
    ("callCode", "call_code"),
    ("callDaysStart", "call_days_start"),
    ("callDaysEnd", "call_days_end"),
    ("callAttemptsPerBucket", "call_attempts_per_bucket"),
    ("callContactsPerBucket", "call_contacts_per_bucket"),
]

_OWNED = [("tenantId", "tenant_id"), ("servicerId", "servicer_id")]
_STAMPS = [("createdDate", "created_at"), ("updatedDate", "updated_at")]
LENDER_RECORD = [("lenderId", "id"), *LENDER_FIELDS, *_OWNED, *_STAMPS]
BORROWER_RECORD = [("borrowerId", "id"), *BORROWER_FIELDS, *_OWNED, *_STAMPS]
LOAN_RECORD = [
    ("loanId", "id"),
    *LOAN_FIELDS,
    ("lenderId", "lender_id"),
    ("borrowerId", "borrower_id"),
    *_OWNED,
    *_STAMPS,
]
BUCKET_RECORD = [("bucketId", "id"), *BUCKET_FIELDS, *_OWNED, *_STAMPS]
# What a new bucket must send: all but the lender, which narrows it.
BUCKET_MANDATORY = [(api, column) for api, column in BUCKET_FIELDS if api != "lenderId"]
# What a new lender or loan must send, and a change may not clear (a borrower has nothing).
LENDER_MANDATORY = [("lenderName", "name")]
LOAN_MANDATORY = [("loanStatus", "status")]

StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
MONEY_FIELDS = [
    "loanPastAmountDue",
    "loanFeeOutstanding",
    "loanInterestBalance",
    "loanCurrentAmountDue",
]


def to_cents(value: float) -> float:
    """Amounts are kept to the cent, as the column stores them, so that a re-sent amount
    compares equal to the stored one (and both databases keep the same value)."""
    if _in_cents(value):
        return value
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _in_cents(value: float) -> bool:
    """Whether `value` is already a whole number of cents, as nearly every amount is: the
    float nearest to some n / 100. Then value * 100 is within a few units in the last place
    of n (|n| is far below 2**52), so rounds to n, and n / 100, rounded correctly, gives
    value back. A value that is not gives back another one. (round(value, 2) answers the
    same, at several times the cost.)"""
    return round(value * 100) / 100 == value


# An amount column is Numeric(14, 2): twelve digits before the point.
Amount = Annotated[float, Field(gt=-1e12, lt=1e12, allow_inf_nan=False)]
Cents = Annotated[Amount, AfterValidator(to_cents)]

_LenderBase = model_from_columns("LenderFields", Lender.__table__, LENDER_FIELDS, base=ApiInput)


class _KeyedInput(ApiInput):
    """A borrower or loan body: an empty external reference id is no key, as null is. The
    seed's example call shows `"loanExternalReferenceId": ""` for a loan without one; a
    client that sends such a record back must not claim `""` as a key of the servicer (a
    second loan sent so would be refused as a duplicate)."""

    @field_validator("external_reference_id", mode="before", check_fields=False)
    @classmethod
    def _empty_key_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


_BorrowerBase = model_from_columns(
    "BorrowerFields", Borrower.__table__, BORROWER_FIELDS, base=_KeyedInput
)
_LoanBase = model_from_columns("LoanFields", Loan.__table__, LOAN_FIELDS, base=_KeyedInput)


class LenderInput(_LenderBase):  # type: ignore[misc,valid-type]
    """A lender; `lenderName` is unique within the servicer and keys bulk upserts."""


class LenderCreate(LenderInput):
    """A new lender: `lenderName` is mandatory."""

    model_config = documented_required(*(api for api, _ in LENDER_MANDATORY))


class BorrowerInput(_BorrowerBase):  # type: ignore[misc,valid-type]
    """A borrower; `borrowerExternalReferenceId` keys bulk upserts."""

    type: BorrowerType | None = Field(default=None, alias="borrowerType")
    state: StateCode | None = Field(default=None, alias="borrowerState")


class LoanInput(_LoanBase):  # type: ignore[misc,valid-type]
    """A loan; `loanExternalReferenceId` keys bulk upserts."""

    status: LoanStatus | None = Field(default=None, alias="loanStatus")
    past_amount_due: Cents | None = Field(default=None, alias="loanPastAmountDue")
    fee_outstanding: Cents | None = Field(default=None, alias="loanFeeOutstanding")
    interest_balance: Cents | None = Field(default=None, alias="loanInterestBalance")
    current_amount_due: Cents | None = Field(default=None, alias="loanCurrentAmountDue")
    lender_id: Str | None = Field(default=None, alias="lenderId", max_length=36)
    borrower_id: Str | None = Field(default=None, alias="borrowerId", max_length=36)


class LoanCreate(LoanInput):
    """A new loan: `loanStatus` is mandatory."""

    model_config = documented_required(*(api for api, _ in LOAN_MANDATORY))


_BucketBase = model_from_columns(
    "BucketFields", BucketPolicy.__table__, BUCKET_FIELDS, base=ApiInput
)


class BucketInput(_BucketBase):  # type: ignore[misc,valid-type]
    """A collection bucket: loans `callDaysStart`..`callDaysEnd` days late may be called
    `callAttemptsPerBucket` times and contacted `callContactsPerBucket` times."""

    model_config = documented_required(*(api for api, _ in BUCKET_MANDATORY))
