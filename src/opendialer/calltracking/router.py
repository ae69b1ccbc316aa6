"""HTTP routes of the call tracking face: GET and POST /calltracking/calls, under both the
plain path and the gateway prefix /calltrackingapi."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request
from starlette.responses import Response

from opendialer.calltracking.schemas import MAX_BATCH, POST_BODY_OPENAPI, CallQuery
from opendialer.calltracking.service import MAX_KEY_LENGTH, CallTracking
from opendialer.kit.apimodel import Str
from opendialer.web.deps import DbSession, ScopeReader, ScopeWriter
from opendialer.web.responses import json_response
from opendialer.web.velocity import Paging, page, paging

router = APIRouter(tags=["call tracking"])

PATHS = ("/calltracking/calls", "/calltrackingapi/calltracking/calls")
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


def get_calls(
    request: Request,
    session: DbSession,
    scope: ScopeReader,
    query: Annotated[CallQuery, Depends(call_query)],
    paged: Annotated[Paging, Depends(paging)],
) -> Response:
    """Get all calls: the tracked calls of the tenant (of the servicer, with `servicerid`),
    newest `callTimestamp` first, filtered by loan, borrower, phone number and call time."""
    total, data = CallTracking(session, scope.tenant).page(scope.servicer, query, paged)
    return json_response(page(request.url.path, query.as_query(), paged, total, data))


def post_calls(
    body: Annotated[Any, Body()],
    session: DbSession,
    scope: ScopeWriter,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=MAX_KEY_LENGTH,
            description="Makes a retry safe: a request repeated with the same key and body "
            "records nothing again and answers as the first did.",
        ),
    ] = None,
) -> Response:
    """Record calls: one call object or an array of them, for loans of the tenant (of the
    servicer, with `servicerid`). Each has `loanId`, `phoneNumber`, `callStatus` (`Attempted`
    or `Contacted`), `callTimestamp` and optionally `borrowerId` (default: the loan's borrower).

    All or nothing: when any record is invalid none is recorded, and the 400 names each bad
    field with the record's index (`[3].callStatus`). Answers 201 with the recorded calls."""
    answer = CallTracking(session, scope.tenant).post(
        body,
        servicer_id=scope.servicer,
        client=scope.principal.subject,
        idempotency_key=idempotency_key,
    )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return Response(
        answer.body, status_code=answer.status, media_type="application/json", headers=headers
    )


for path in PATHS:
    router.add_api_route(
        path, get_calls, methods=["GET"], name=f"get_calls{path}", summary="Get calls"
    )
    router.add_api_route(
        path,
        post_calls,
        methods=["POST"],
        status_code=201,
        name=f"post_calls{path}",
        summary="Record calls",
        openapi_extra=POST_BODY_OPENAPI,
        description=inspect.cleandoc(post_calls.__doc__ or "")
        + f"\n\nAt most {MAX_BATCH} calls per request.",
    )
