"""HTTP routes of the call tracking face: GET and POST /calltracking/calls, under both the
plain path and the gateway prefix /calltrackingapi."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from starlette.responses import Response

from opendialer.calltracking.schemas import MAX_BATCH, POST_BODY_OPENAPI, CallQuery, json_calls
from opendialer.calltracking.service import CallTracking
from opendialer.kit.apimodel import Str
from opendialer.web.calltracking import CallPage, RecordedCalls, call_records, calls_body
from opendialer.web.deps import DbSession, ScopeReader, ScopeWriter
from opendialer.web.idempotency import IdempotencyKey, idempotent_response
from opendialer.web.limits import batch_body
from opendialer.web.responses import json_response
from opendialer.web.velocity import DOCS, Paging, page, paging
from opendialer.web.writes import Route

router = APIRouter(tags=["call tracking"], route_class=Route)

RECORD_CALLS = f"""Record calls: one call object or an array of them, for loans of the tenant (of
the servicer, with `servicerid`). Each has `loanId`, `phoneNumber`, `callStatus` (`Attempted` or
`Contacted`), `callTimestamp` and optionally `borrowerId` (default: the loan's borrower).

All or nothing: when any record is invalid none is recorded, and the 400 names each bad field
with the record's index (`[3].callStatus`). At most {MAX_BATCH} calls per request. Answers 201
with the recorded calls."""
RECORDED = DOCS.write(
    RecordedCalls,
    201,
    "The calls recorded, in the order sent (a replay has `Idempotent-Replayed: true`)",
)
Id = Query(max_length=100)
When = Query(
    max_length=40,
    description="A date (2020-08-03, a whole UTC day) or a date-time "
    "(2020-08-03T21:53:31.468Z; UTC when it has no offset). Inclusive.",
)


def call_query(
    loanid: Annotated[Str | None, Id] = None,
    borrowerid: Annotated[Str | None, Id] = None,
    phonenumber: Annotated[
        Str | None, Query(max_length=40, description="Any common spelling of the number.")
    ] = None,
    startdate: Annotated[Str | None, When] = None,
    enddate: Annotated[Str | None, When] = None,
) -> CallQuery:
    return CallQuery(loanid, borrowerid, phonenumber, startdate, enddate)


@router.get("/calltracking/calls", summary="Get calls", responses=DOCS.read(CallPage))
@router.get(
    "/calltrackingapi/calltracking/calls", summary="Get calls", responses=DOCS.read(CallPage)
)
def get_calls(
    session: DbSession,
    scope: ScopeReader,
    query: Annotated[CallQuery, Depends(call_query)],
    paged: Annotated[Paging, Depends(paging)],
) -> Response:
    """Get all calls: the tracked calls of the tenant (of the servicer, with `servicerid`),
    newest `callTimestamp` first, filtered by loan, borrower, phone number and call time."""
    calls = CallTracking(session, scope.tenant)
    total, rows = calls.page(scope.servicer, query, paged.offset, paged.limit)
    return json_response(page("/calls", query.as_query(), paged, total, call_records(rows)))


@router.post(
    "/calltracking/calls",
    status_code=201,
    summary="Record calls",
    description=RECORD_CALLS,
    openapi_extra=POST_BODY_OPENAPI,
    responses=RECORDED,
)
@router.post(
    "/calltrackingapi/calltracking/calls",
    status_code=201,
    summary="Record calls",
    description=RECORD_CALLS,
    openapi_extra=POST_BODY_OPENAPI,
    responses=RECORDED,
)
@batch_body
def post_calls(
    body: Annotated[Any, Body()],
    session: DbSession,
    scope: ScopeWriter,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    sent = json_calls(body)

    def record() -> tuple[int, bytes]:
        calls = CallTracking(session, scope.tenant)
        rows = calls.record(sent, servicer_id=scope.servicer, client=scope.principal.subject)
        return 201, calls_body(rows)

    # Bound to one path whichever prefix the request came by: a retry by the other is the
    # same request.
    return idempotent_response(
        session,
        scope.tenant,
        scope.servicer,
        idempotency_key,
        "/calltracking/calls",
        body,
        record,
    )
