"""The loan management API's camelCase fields (the seed's names) and request models."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from opendialer.apimodel import ApiInput, model_from_columns, python_type
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

StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
MONEY_FIELDS = [
    "loanPastAmountDue",
    "loanFeeOutstanding",
    "loanInterestBalance",
    "loanCurrentAmountDue",
]


def _to_cents(value: float) -> float:
    """Amounts are kept to the cent, as the column stores them, so that a re-sent amount
    compares equal to the stored one (and both databases keep the same value)."""
    if round(value, 2) == value:
        # Already a whole number of cents (as nearly every amount is): its shortest spelling
        # has at most two decimals, which the rounding below would give back unchanged.
        return value
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


# An amount column is Numeric(14, 2): twelve digits before the point.
Cents = Annotated[float, Field(gt=-1e12, lt=1e12, allow_inf_nan=False), AfterValidator(_to_cents)]

_LenderBase = model_from_columns("LenderFields", Lender.__table__, LENDER_FIELDS, base=ApiInput)
_BorrowerBase = model_from_columns(
    "BorrowerFields", Borrower.__table__, BORROWER_FIELDS, base=ApiInput
)
_LoanBase = model_from_columns("LoanFields", Loan.__table__, LOAN_FIELDS, base=ApiInput)


class LenderInput(_LenderBase):  # type: ignore[misc,valid-type]
    """A lender; `lenderName` is unique within the servicer and keys bulk upserts."""


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
    lender_id: str | None = Field(default=None, alias="lenderId", max_length=36)
    borrower_id: str | None = Field(default=None, alias="borrowerId", max_length=36)


# Each key a feed row names a lender or borrower by, the fields that come with it, and its noun.
_KEYED_FIELDS = [
    ("lenderName", frozenset(api for api, _ in LENDER_FIELDS), "lender"),
    ("borrowerExternalReferenceId", frozenset(api for api, _ in BORROWER_FIELDS), "borrower"),
]


class _FeedRowBase(ApiInput):
    """A row that sends lender or borrower fields names the lender or borrower by its key."""

    @model_validator(mode="after")
    def _keys_present(self) -> _FeedRowBase:
        errors: list[InitErrorDetails] = []
        for key, fields, noun in _KEYED_FIELDS:
            if getattr(self, key):
                continue
            sent = fields & self.model_fields_set
            if sent:
                others = ", ".join(sorted(sent - {key}))
                message = (
                    f"required when other {noun} fields are sent ({others})"
                    if others
                    else "must not be empty"
                )
                errors.append(
                    InitErrorDetails(
                        type=PydanticCustomError("key_missing", message),
                        loc=(key,),
                        input=getattr(self, key),
                    )
                )
        if errors:
            # Raised as a ValidationError so that each error names its field, and a feed's
            # row index is put in front of it like any other field error.
            raise ValidationError.from_exception_data("LoanFeedRow", errors)
        return self


def _feed_model() -> type[ApiInput]:
    """A flat model of every lender, borrower and loan field, attributes named as the API."""
    definitions: dict[str, Any] = {}
    for table, fields in (
        (Lender.__table__, LENDER_FIELDS),
        (Borrower.__table__, BORROWER_FIELDS),
        (Loan.__table__, LOAN_FIELDS),
    ):
        for api_name, column in fields:
            definitions[api_name] = (python_type(table.c[column]) | None, None)
    for api_name in MONEY_FIELDS:
        definitions[api_name] = (Cents | None, None)
    definitions["loanStatus"] = (LoanStatus, ...)
    definitions["loanExternalReferenceId"] = (
        Annotated[str, StringConstraints(min_length=1, max_length=100)],
        ...,
    )
    definitions["borrowerType"] = (BorrowerType | None, None)
    definitions["borrowerState"] = (StateCode | None, None)
    model: type[ApiInput] = create_model("LoanFeedRow", __base__=_FeedRowBase, **definitions)
    return model


LoanFeedRow = _feed_model()
"""One row of a loan feed, the loan with its borrower and lender, flat, in the seed's names.

Used by `POST /loans/bulk` and `opendialer import loans`: a re-sent row finds its loan by
`loanExternalReferenceId`, its borrower by `borrowerExternalReferenceId` and its lender by
`lenderName`, so sending a feed twice creates nothing twice."""


_BucketBase = model_from_columns(
    "BucketFields", BucketPolicy.__table__, BUCKET_FIELDS, base=ApiInput
)


class BucketInput(_BucketBase):  # type: ignore[misc,valid-type]
    """A collection bucket: loans `callDaysStart`..`callDaysEnd` days late may be called
    `callAttemptsPerBucket` times and contacted `callContactsPerBucket` times."""
