"""HTTP routes of the loan management API: lenders, borrowers, loans, feeds and buckets."""

# No `from __future__ import annotations` here: the routes are built in a function, and FastAPI
# must see their body types as objects, not as names to resolve later.

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from opendialer.loans.models import Borrower, Lender, Loan
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
    LoanFeedRow,
    LoanInput,
)
from opendialer.loans.service import BucketService, LoanBook
from opendialer.web.deps import DbSession, ScopeReader, ScopeWriter
from opendialer.web.responses import json_response
from opendialer.web.velocity import Paging, page, paging, record

router = APIRouter(tags=["loans"])

MAX_FEED_ROWS = 100_000


def _entity_routes(
    model: type[Any],
    path: str,
    id_name: str,
    body_model: type[BaseModel],
    fields: list[tuple[str, str]],
    key_param: str,
    noun: str,
    create_body: type[BaseModel] | None = None,
) -> None:
    """Routes to list, create, read and change one kind of row; `create_body` is the body of
    a create (default `body_model`) when it has mandatory fields a change does not."""
    CreateBody = create_body or body_model
    RowId = Annotated[str, Path(alias=id_name, max_length=36, description=f"The {noun}'s id.")]

    def listing(
        request: Request,
        session: DbSession,
        scope: ScopeReader,
        key: Annotated[
            str | None,
            Query(alias=key_param, max_length=200, description=f"Only the {noun} with this key."),
        ] = None,
        paged: Paging = Depends(paging),
    ) -> Response:
        book = LoanBook(session, scope.tenant)
        rows: Sequence[Any]
        if key is not None:
            matches = book.repository(model).by_key(scope.servicer, key)
            total, rows = len(matches), matches[paged.offset : paged.offset + paged.limit]
        else:
            total, rows = book.repository(model).page(scope.servicer, paged.offset, paged.limit)
        data = [record(row, fields) for row in rows]
        return json_response(page(request.url.path, {key_param: key}, paged, total, data))

    def create(
        body: Annotated[CreateBody, Body()],  # type: ignore[valid-type]
        session: DbSession,
        scope: ScopeWriter,
    ) -> Response:
        row = LoanBook(session, scope.tenant).create(model, scope.require_servicer(), body)
        return json_response({"data": record(row, fields)}, 201)

    def fetch(row_id: RowId, session: DbSession, scope: ScopeReader) -> Response:
        row = LoanBook(session, scope.tenant).get(model, row_id, scope.servicer)
        return json_response({"data": record(row, fields)})

    def change(
        row_id: RowId,
        body: Annotated[body_model, Body()],  # type: ignore[valid-type]
        session: DbSession,
        scope: ScopeWriter,
    ) -> Response:
        row = LoanBook(session, scope.tenant).update(model, row_id, scope.servicer, body)
        return json_response({"data": record(row, fields)})

    listing.__doc__ = f"List the {noun}s of the servicer (all servicers without `servicerid`)."
    create.__doc__ = f"Create a {noun} for the servicer named by the `servicerid` header."
    fetch.__doc__ = f"Retrieve one {noun} by its id."
    change.__doc__ = f"Change the fields sent of one {noun}."
    router.add_api_route(path, listing, methods=["GET"], name=f"list_{noun}s")
    router.add_api_route(path, create, methods=["POST"], status_code=201, name=f"create_{noun}")
    router.add_api_route(f"{path}/{{{id_name}}}", fetch, methods=["GET"], name=f"get_{noun}")
    router.add_api_route(f"{path}/{{{id_name}}}", change, methods=["PATCH"], name=f"update_{noun}")


@router.post("/loans/bulk")
def upsert_loan_feed(
    rows: Annotated[list[LoanFeedRow], Body(max_length=MAX_FEED_ROWS)],
    session: DbSession,
    scope: ScopeWriter,
) -> Response:
    """Apply a loan feed: an array of rows, each a loan with its borrower and lender in the
    seed's field names. Rows are matched by `loanExternalReferenceId`,
    `borrowerExternalReferenceId` and `lenderName`, so re-sending a feed creates nothing twice.
    Answers how many loans were created, updated and left unchanged."""
    counts = LoanBook(session, scope.tenant).upsert_feed(scope.require_servicer(), rows)
    return json_response({"data": counts.as_dict()})


_entity_routes(
    Lender,
    "/lenders",
    "lenderId",
    LenderInput,
    LENDER_RECORD,
    "lendername",
    "lender",
    LenderCreate,
)
_entity_routes(
    Borrower,
    "/borrowers",
    "borrowerId",
    BorrowerInput,
    BORROWER_RECORD,
    "externalreferenceid",
    "borrower",
)
_entity_routes(
    Loan, "/loans", "loanId", LoanInput, LOAN_RECORD, "externalreferenceid", "loan", LoanCreate
)

BucketId = Annotated[str, Path(alias="bucketId", max_length=36)]


@router.get("/buckets")
def list_buckets(request: Request, session: DbSession, scope: ScopeReader) -> Response:
    """List the bucket policies of the servicer (all servicers without `servicerid`)."""
    buckets = BucketService(session, scope.tenant).list(scope.servicer)
    data = [record(b, BUCKET_RECORD) for b in buckets]
    return json_response({"data": data})


@router.post("/buckets", status_code=201)
def create_bucket(body: BucketInput, session: DbSession, scope: ScopeWriter) -> Response:
    """Create a bucket policy for the servicer: `callCode`, `callDaysStart`, `callDaysEnd`,
    `callAttemptsPerBucket`, `callContactsPerBucket`, optionally narrowed to a `lenderId`.
    A bucket overlapping another of the same scope is refused with 409."""
    bucket = BucketService(session, scope.tenant).create(scope.require_servicer(), body)
    return json_response({"data": record(bucket, BUCKET_RECORD)}, 201)


@router.get("/buckets/{bucketId}")
def get_bucket(bucket_id: BucketId, session: DbSession, scope: ScopeReader) -> Response:
    """Retrieve one bucket policy."""
    bucket = BucketService(session, scope.tenant).get(bucket_id, scope.servicer)
    return json_response({"data": record(bucket, BUCKET_RECORD)})


@router.delete("/buckets/{bucketId}", status_code=204)
def delete_bucket(bucket_id: BucketId, session: DbSession, scope: ScopeWriter) -> Response:
    """Delete a bucket policy; call lists already built keep their entries."""
    BucketService(session, scope.tenant).delete(bucket_id, scope.servicer)
    return Response(status_code=204)
