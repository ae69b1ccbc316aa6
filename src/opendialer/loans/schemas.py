"""The loan management API's camelCase fields (the seed's names) and request models."""

from __future__ import annotations

import itertools
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, NamedTuple, Required

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from typing_extensions import TypedDict

from opendialer.kit.apimodel import (
    ApiInput,
    documented_required,
    model_from_columns,
    python_type,
    text_problem,
)
from opendialer.kit.csvfeed import Checked, Row, validate
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


def _to_cents(value: float) -> float:
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
Cents = Annotated[Amount, AfterValidator(_to_cents)]

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
    lender_id: str | None = Field(default=None, alias="lenderId", max_length=36)
    borrower_id: str | None = Field(default=None, alias="borrowerId", max_length=36)


class LoanCreate(LoanInput):
    """A new loan: `loanStatus` is mandatory."""

    model_config = documented_required(*(api for api, _ in LOAN_MANDATORY))


# A feed row's parts: its lender's, its borrower's and its loan's fields, in this order.
FEED_PARTS: list[list[tuple[str, str]]] = [LENDER_FIELDS, BORROWER_FIELDS, LOAN_FIELDS]
# Every field a feed row can send, in the order of a FeedRow's values: a part's fields are a
# run of them, in its FIELDS order.
FEED_NAMES: list[str] = [api for fields in FEED_PARTS for api, _ in fields]
FEED_POSITIONS: dict[str, int] = {api: index for index, api in enumerate(FEED_NAMES)}
# Where a FeedRow's values hold the lender's name and the borrower's and loan's keys.
LENDER_KEY = FEED_POSITIONS["lenderName"]
BORROWER_KEY = FEED_POSITIONS["borrowerExternalReferenceId"]
LOAN_KEY = FEED_POSITIONS["loanExternalReferenceId"]


class FeedRow(NamedTuple):
    """A checked loan-feed row: the value of every field in FEED_NAMES order (None when the
    row does not send it), and the names of the fields it sends."""

    values: list[Any]
    sent: tuple[str, ...]

    def part(self, index: int) -> dict[str, Any]:
        """The columns the row sends of its lender (0), borrower (1) or loan (2), by column
        name."""
        sent = set(self.sent)
        start = FEED_STARTS[index]
        return {
            column: self.values[start + offset]
            for offset, (api, column) in enumerate(FEED_PARTS[index])
            if api in sent
        }


# Where each part's run of values starts and ends.
FEED_ENDS = list(itertools.accumulate(len(fields) for fields in FEED_PARTS))
FEED_STARTS = [0, *FEED_ENDS[:-1]]
# Each feed field's part of a FeedRow (0 lender, 1 borrower, 2 loan).
_FEED_PART = {api: part for part, fields in enumerate(FEED_PARTS) for api, _ in fields}
_MONEY_POSITIONS = [FEED_POSITIONS[api] for api in MONEY_FIELDS]
# Each key a feed row names a lender or borrower by: its part, position and noun.
_FEED_KEYS = [
    ("lenderName", 0, LENDER_KEY, "lender"),
    ("borrowerExternalReferenceId", 1, BORROWER_KEY, "borrower"),
]
_NO_VALUES = [None] * len(FEED_NAMES)


def _feed_fields() -> Any:
    """Every lender, borrower and loan field, flat, in the API's names: a TypedDict whose
    checks all run inside pydantic's core (a feed has millions of rows); what needs Python is
    left to _checked_feed_row, once per row."""
    definitions: dict[str, Any] = {}
    for table, fields in (
        (Lender.__table__, LENDER_FIELDS),
        (Borrower.__table__, BORROWER_FIELDS),
        (Loan.__table__, LOAN_FIELDS),
    ):
        for api_name, column in fields:
            definitions[api_name] = python_type(table.c[column], text_checked=False) | None
    for api_name in MONEY_FIELDS:
        definitions[api_name] = Amount | None
    definitions["loanStatus"] = Required[LoanStatus]
    definitions["loanExternalReferenceId"] = Required[
        Annotated[str, StringConstraints(min_length=1, max_length=100)]
    ]
    definitions["borrowerType"] = BorrowerType | None
    definitions["borrowerState"] = StateCode | None
    feed_fields: Any = TypedDict("LoanFeedRow", definitions, total=False)  # type: ignore[misc]
    feed_fields.__pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[attr-defined]
    return feed_fields


def _error(field: str, kind: str, message: str, value: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=(field,), input=value)


def _checked_feed_row(row: dict[str, Any]) -> FeedRow:
    """The row as a FeedRow, once its texts are found storable, its amounts kept to the cent,
    and a row sending lender or borrower fields found to name the lender or borrower by its
    key."""
    # Every field's value in FEED_NAMES order, taken in C (a feed has millions of rows).
    values = list(map(row.get, FEED_NAMES, _NO_VALUES))
    for index in _MONEY_POSITIONS:
        if values[index] is not None:
            values[index] = _to_cents(values[index])
    errors: list[InitErrorDetails] = []
    # What text_problem looks for is in single characters: the row's texts are looked at
    # together, and one by one only when they have a problem.
    texts = [value for value in values if value.__class__ is str]
    if text_problem("".join(texts)) is not None:
        for api, value in row.items():
            problem = text_problem(value) if value.__class__ is str else None
            if problem is not None:
                errors.append(_error(api, "value_error", f"Value error, {problem}", value))
    for key, part, position, noun in _FEED_KEYS:
        if values[position]:
            continue
        sent = [api for api in row if _FEED_PART[api] == part]
        if sent:
            others = ", ".join(sorted(api for api in sent if api != key))
            message = (
                f"required when other {noun} fields are sent ({others})"
                if others
                else "must not be empty"
            )
            errors.append(_error(key, "key_missing", message, row.get(key)))
    if errors:
        # Raised as a ValidationError so that each error names its field, and a feed's row
        # index is put in front of it like any other field error.
        raise ValidationError.from_exception_data("LoanFeedRow", errors)
    return FeedRow(values, tuple(row))


LoanFeedRow: Any = Annotated[_feed_fields(), AfterValidator(_checked_feed_row)]
"""One row of a loan feed, the loan with its borrower and lender, flat, in the seed's names;
validated, a FeedRow.

Used by `POST /loans/bulk` and `opendialer import loans`: a re-sent row finds its loan by
`loanExternalReferenceId`, its borrower by `borrowerExternalReferenceId` and its lender by
`lenderName`, so sending a feed twice creates nothing twice."""

LOAN_FEED: TypeAdapter[list[FeedRow]] = TypeAdapter(list[LoanFeedRow])
"""A whole feed's rows, checked in one call."""


def check_feed_rows(rows: list[Row]) -> Checked:
    """A loan feed file's rows checked (`csvfeed.validate` against LoanFeedRow), by a name
    that a worker process checking the file imports."""
    return validate(rows, LoanFeedRow)


_BucketBase = model_from_columns(
    "BucketFields", BucketPolicy.__table__, BUCKET_FIELDS, base=ApiInput
)


class BucketInput(_BucketBase):  # type: ignore[misc,valid-type]
    """A collection bucket: loans `callDaysStart`..`callDaysEnd` days late may be called
    `callAttemptsPerBucket` times and contacted `callContactsPerBucket` times."""

    model_config = documented_required(*(api for api, _ in BUCKET_MANDATORY))
