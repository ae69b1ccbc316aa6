"""HTTP routes of the loan management API: lenders, borrowers, loans, feeds and buckets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query
from starlette.responses import Response

from opendialer.kit.apimodel import Str
from opendialer.loans.feed import LoanFeed, LoanFeedRow
from opendialer.loans.schemas import (
    BORROWER_RECORD,
    BUCKET_RECORD,
    LENDER_RECORD,
    LOAN_RECORD,
    BorrowerInput,
    BucketInput,
    LenderCreate,
    LenderInput,
    LoanCreate,
    LoanInput,
)
from opendialer.loans.service import Borrowers, BucketService, Lenders, Loans
from opendialer.web.deps import DbSession, ScopeReader, ScopeWriter
from opendialer.web.limits import batch_body
from opendialer.web.loans import (
    BorrowerPage,
    Buckets,
    FeedCounts,
    LenderPage,
    LoanPage,
    OneBorrower,
    OneBucket,
    OneLender,
    OneLoan,
)
from opendialer.web.responses import json_response
from opendialer.web.velocity import DOCS, Paging, page, paging, record
from opendialer.web.writes import Route

router = APIRouter(tags=["loans"], route_class=Route)

MAX_FEED_ROWS = 100_000

Paged = Annotated[Paging, Depends(paging)]
LenderId = Annotated[Str, Path(alias="lenderId", max_length=36, description="The lender's id.")]
BorrowerId = Annotated[
    Str, Path(alias="borrowerId", max_length=36, description="The borrower's id.")
]
LoanId = Annotated[Str, Path(alias="loanId", max_length=36, description="The loan's id.")]
LenderName = Annotated[
    Str | None,
    Query(alias="lendername", max_length=200, description="Only the lender with this name."),
]
ExternalReferenceId = Annotated[
    Str | None,
    Query(
        alias="externalreferenceid",
        max_length=200,
        description="Only the rows with this external reference id.",
    ),
]


def _page(
    link_path: str,
    key_name: str,
    key: str | None,
    paged: Paging,
    found: tuple[int, Sequence[Any]],
    fields: list[tuple[str, str]],
) -> Response:
    total, rows = found
    data = [record(row, fields) for row in rows]
    return json_response(page(link_path, {key_name: key}, paged, total, data))


# -- lenders ---------------------------------------------------------------------------------


@router.get("/lenders", responses=DOCS.read(LenderPage))
def list_lenders(
    session: DbSession, scope: ScopeReader, paged: Paged, name: LenderName = None
) -> Response:
    """List the lenders of the servicer (all servicers without `servicerid`)."""
    found = Lenders(session, scope.tenant).page(scope.servicer, name, paged.offset, paged.limit)
    return _page("/lenders", "lendername", name, paged, found, LENDER_RECORD)


@router.post("/lenders", status_code=201, responses=DOCS.write(OneLender, 201))
def create_lender(
    body: Annotated[LenderCreate, Body()], session: DbSession, scope: ScopeWriter
) -> Response:
    """Create a lender for the servicer named by the `servicerid` header."""
    lender = Lenders(session, scope.tenant).create(scope.require_servicer(), body)
    return json_response({"data": record(lender, LENDER_RECORD)}, 201)


@router.get("/lenders/{lenderId}", responses=DOCS.read(OneLender))
def get_lender(lender_id: LenderId, session: DbSession, scope: ScopeReader) -> Response:
    """Retrieve one lender by its id."""
    lender = Lenders(session, scope.tenant).get(lender_id, scope.servicer)
    return json_response({"data": record(lender, LENDER_RECORD)})


@router.patch("/lenders/{lenderId}", responses=DOCS.write(OneLender))
def update_lender(
    lender_id: LenderId,
    body: Annotated[LenderInput, Body()],
    session: DbSession,
    scope: ScopeWriter,
) -> Response:
    """Change the fields sent of one lender."""
    lender = Lenders(session, scope.tenant).update(lender_id, scope.servicer, body)
    return json_response({"data": record(lender, LENDER_RECORD)})


# -- borrowers -------------------------------------------------------------------------------


@router.get("/borrowers", responses=DOCS.read(BorrowerPage))
def list_borrowers(
    session: DbSession, scope: ScopeReader, paged: Paged, key: ExternalReferenceId = None
) -> Response:
    """List the borrowers of the servicer (all servicers without `servicerid`)."""
    found = Borrowers(session, scope.tenant).page(scope.servicer, key, paged.offset, paged.limit)
    return _page("/borrowers", "externalreferenceid", key, paged, found, BORROWER_RECORD)


@router.post("/borrowers", status_code=201, responses=DOCS.write(OneBorrower, 201))
def create_borrower(
    body: Annotated[BorrowerInput, Body()], session: DbSession, scope: ScopeWriter
) -> Response:
    """Create a borrower for the servicer named by the `servicerid` header."""
    borrower = Borrowers(session, scope.tenant).create(scope.require_servicer(), body)
    return json_response({"data": record(borrower, BORROWER_RECORD)}, 201)


@router.get("/borrowers/{borrowerId}", responses=DOCS.read(OneBorrower))
def get_borrower(borrower_id: BorrowerId, session: DbSession, scope: ScopeReader) -> Response:
    """Retrieve one borrower by its id."""
    borrower = Borrowers(session, scope.tenant).get(borrower_id, scope.servicer)
    return json_response({"data": record(borrower, BORROWER_RECORD)})


@router.patch("/borrowers/{borrowerId}", responses=DOCS.write(OneBorrower))
def update_borrower(
    borrower_id: BorrowerId,
    body: Annotated[BorrowerInput, Body()],
    session: DbSession,
    scope: ScopeWriter,
) -> Response:
    """Change the fields sent of one borrower."""
    borrower = Borrowers(session, scope.tenant).update(borrower_id, scope.servicer, body)
    return json_response({"data": record(borrower, BORROWER_RECORD)})


# -- loans -----------------------------------------------------------------------------------


@router.get("/loans", responses=DOCS.read(LoanPage))
def list_loans(
    session: DbSession, scope: ScopeReader, paged: Paged, key: ExternalReferenceId = None
) -> Response:
    """List the loans of the servicer (all servicers without `servicerid`)."""
    found = Loans(session, scope.tenant).page(scope.servicer, key, paged.offset, paged.limit)
    return _page("/loans", "externalreferenceid", key, paged, found, LOAN_RECORD)


@router.post("/loans", status_code=201, responses=DOCS.write(OneLoan, 201))
def create_loan(
    body: Annotated[LoanCreate, Body()], session: DbSession, scope: ScopeWriter
) -> Response:
    """Create a loan for the servicer named by the `servicerid` header."""
    loan = Loans(session, scope.tenant).create(scope.require_servicer(), body)
    return json_response({"data": record(loan, LOAN_RECORD)}, 201)


@router.get("/loans/{loanId}", responses=DOCS.read(OneLoan))
def get_loan(loan_id: LoanId, session: DbSession, scope: ScopeReader) -> Response:
    """Retrieve one loan by its id."""
    loan = Loans(session, scope.tenant).get(loan_id, scope.servicer)
    return json_response({"data": record(loan, LOAN_RECORD)})


@router.patch("/loans/{loanId}", responses=DOCS.write(OneLoan))
def update_loan(
    loan_id: LoanId,
    body: Annotated[LoanInput, Body()],
    session: DbSession,
    scope: ScopeWriter,
) -> Response:
    """Change the fields sent of one loan."""
    loan = Loans(session, scope.tenant).update(loan_id, scope.servicer, body)
    return json_response({"data": record(loan, LOAN_RECORD)})


@router.post("/loans/bulk", responses=DOCS.write(FeedCounts))
@batch_body
def upsert_loan_feed(
    rows: Annotated[list[LoanFeedRow], Body(max_length=MAX_FEED_ROWS)],
    session: DbSession,
    scope: ScopeWriter,
) -> Response:
    """Apply a loan feed: an array of rows, each a loan with its borrower and lender in the
    seed's field names. Rows are matched by `loanExternalReferenceId`,
    `borrowerExternalReferenceId` and `lenderName`, so re-sending a feed creates nothing twice.
    Answers how many loans were created, updated and left unchanged."""
    counts = LoanFeed(session, scope.tenant, scope.require_servicer()).apply(rows)
    return json_response({"data": counts.as_dict()})


BucketId = Annotated[Str, Path(alias="bucketId", max_length=36)]


@router.get("/buckets", responses=DOCS.read(Buckets))
def list_buckets(session: DbSession, scope: ScopeReader) -> Response:
    """List the bucket policies of the servicer (all servicers without `servicerid`)."""
    buckets = BucketService(session, scope.tenant).list(scope.servicer)
    data = [record(b, BUCKET_RECORD) for b in buckets]
    return json_response({"data": data})


@router.post("/buckets", status_code=201, responses=DOCS.write(OneBucket, 201))
def create_bucket(body: BucketInput, session: DbSession, scope: ScopeWriter) -> Response:
    """Create a bucket policy for the servicer: `callCode`, `callDaysStart`, `callDaysEnd`,
    `callAttemptsPerBucket`, `callContactsPerBucket`, optionally narrowed to a `lenderId`.
    A bucket overlapping another of the same scope is refused with 409."""
    bucket = BucketService(session, scope.tenant).create(scope.require_servicer(), body)
    return json_response({"data": record(bucket, BUCKET_RECORD)}, 201)


@router.get("/buckets/{bucketId}", responses=DOCS.read(OneBucket))
def get_bucket(bucket_id: BucketId, session: DbSession, scope: ScopeReader) -> Response:
    """Retrieve one bucket policy."""
    bucket = BucketService(session, scope.tenant).get(bucket_id, scope.servicer)
    return json_response({"data": record(bucket, BUCKET_RECORD)})


@router.delete("/buckets/{bucketId}", status_code=204, responses=DOCS.write(None, 204, "Deleted"))
def delete_bucket(bucket_id: BucketId, session: DbSession, scope: ScopeWriter) -> Response:
    """Delete a bucket policy; call lists already built keep their entries."""
    BucketService(session, scope.tenant).delete(bucket_id, scope.servicer)
    return Response(status_code=204)
