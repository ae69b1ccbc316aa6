"""HTTP routes of the call-reports face: GET (JSON or CSV, streamed) and POST /call-reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from starlette.responses import Response, StreamingResponse

from opendialer.callreports.schemas import CdrInput
from opendialer.callreports.service import (
    CallReports,
    parse_range,
    readable_tenants,
    require_reader,
)
from opendialer.db.session import Database
from opendialer.web.callreports import (
    DOCS,
    REPORT,
    CallReportArray,
    LoadCounts,
    clocked,
    csv_chunks,
    json_chunks,
    wants_csv,
)
from opendialer.web.deps import DbSession, TokenPrincipal, Writer, get_database, named_tenant
from opendialer.web.limits import batch_body
from opendialer.web.responses import json_response
from opendialer.web.writes import Route

router = APIRouter(tags=["call reports"], route_class=Route)

MAX_BATCH = 50_000
Text = Query(max_length=64)


@router.get("/call-reports", responses=DOCS.read(CallReportArray, **REPORT))
def get_call_reports(
    request: Request,
    session: DbSession,
    principal: TokenPrincipal,
    database: Annotated[Database, Depends(get_database)],
    start: Annotated[str | None, Query(description="YYYY-MM-DD HH:MM:SS", max_length=32)] = None,
    end: Annotated[str | None, Query(description="YYYY-MM-DD HH:MM:SS", max_length=32)] = None,
    tenant_id: Annotated[str | None, Query(alias="tenantId", max_length=20)] = None,
    billing_code: Annotated[str | None, Query(alias="billingCode", max_length=100)] = None,
    timezone: Annotated[str | None, Text] = None,
    format: Annotated[str | None, Query(description="json (default) or csv", max_length=8)] = None,
) -> Response:
    """Return the call detail records of an account for a date range, newest first.

    `start` and `end` are read on the clock of `timezone` (default America/Chicago), and each
    record's `time` is written on it. The range is at most 31 days; a partner admin without
    `tenantId` or `billingCode` gets all its accounts' records for at most 24 hours. The answer
    is streamed; send `Accept: text/csv` or `format=csv` for CSV."""
    require_reader(principal)
    window = parse_range(start, end, timezone)
    # The seed spells it tenantId; a tenantid header, or the query name in lower case, as the
    # other faces read it, names the tenant too.
    tenant = tenant_id if tenant_id is not None else named_tenant(request)
    tenants = readable_tenants(session, principal, tenant, billing_code, window)
    as_csv = wants_csv(request.headers.get("accept", ""), format)

    def body() -> Iterator[bytes]:
        # The report is read in a transaction of its own, held while the body is sent.
        with database.transaction(write=False) as reader:
            batches = clocked(CallReports(reader, tenants).batches(window), window.zone)
            yield from (csv_chunks if as_csv else json_chunks)(batches)

    media = "text/csv; charset=utf-8" if as_csv else "application/json"
    return StreamingResponse(body(), media_type=media)


@router.post("/call-reports", status_code=201, responses=DOCS.write(LoadCounts, 201))
@batch_body
def load_call_reports(
    records: Annotated[list[CdrInput], Body(max_length=MAX_BATCH)],
    session: DbSession,
    principal: Writer,
) -> Response:
    """Load a batch of call detail records for the caller's account (a partner admin names it
    with `tenantId`). A bad record rejects the whole batch, naming its index and field; a
    record whose `uniqueId` the account already has is skipped, so a batch may be re-sent."""
    counts = CallReports(session, [principal.tenant]).load(principal.tenant, records)
    return json_response({"created": counts.created, "duplicates": counts.duplicates}, 201)
