"""The loan management API on the wire, as the OpenAPI document describes it: lenders,
borrowers, loans and buckets in the seed's camelCase fields, one as {"data"}, many as pages.
They are written by `velocity.record`."""

from __future__ import annotations

from pydantic import create_model

from opendialer.loans.models import Borrower, BorrowerType, BucketPolicy, Lender, Loan, LoanStatus
from opendialer.loans.schemas import BORROWER_RECORD, BUCKET_RECORD, LENDER_RECORD, LOAN_RECORD
from opendialer.web.openapi import Timestamp, Wire, column_model, data_model, page_model

LenderRecord = column_model(
    "Lender",
    Lender.__table__,
    LENDER_RECORD,
    moment=Timestamp,
    doc="A lender of the servicer; `lenderName` is unique within the servicer.",
)
BorrowerRecord = column_model(
    "Borrower",
    Borrower.__table__,
    BORROWER_RECORD,
    moment=Timestamp,
    doc="A borrower of the servicer.",
    override={"borrowerType": BorrowerType},
)
LoanRecord = column_model(
    "Loan",
    Loan.__table__,
    LOAN_RECORD,
    moment=Timestamp,
    doc="A loan of the servicer; amounts are decimals kept to the cent.",
    override={"loanStatus": LoanStatus},
)
BucketRecord = column_model(
    "Bucket",
    BucketPolicy.__table__,
    BUCKET_RECORD,
    moment=Timestamp,
    doc="A bucket policy: the days late it covers and its caps.",
)

OneLender = data_model("OneLender", LenderRecord)
OneBorrower = data_model("OneBorrower", BorrowerRecord)
OneLoan = data_model("OneLoan", LoanRecord)
OneBucket = data_model("OneBucket", BucketRecord)
LenderPage = page_model("LenderPage", LenderRecord, "/lenders")
BorrowerPage = page_model("BorrowerPage", BorrowerRecord, "/borrowers")
LoanPage = page_model("LoanPage", LoanRecord, "/loans")
Buckets = data_model("Buckets", list[BucketRecord])  # type: ignore[valid-type]

FeedCounts = data_model(
    "LoanFeedResult",
    create_model(
        "LoanFeedCounts",
        __base__=Wire,
        __doc__="How many loans of the feed were created, updated and left unchanged.",
        created=(int, ...),
        updated=(int, ...),
        unchanged=(int, ...),
    ),
)
