"""HTTP routes of the dialer call-list face: GET /dialer/calls, and the build."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from opendialer.calllist.service import CallFilters, CallList
from opendialer.kit.apimodel import DateText
from opendialer.web.calllist import BuiltLists, CallListPage, entry_record
from opendialer.web.deps import DbSession, ScopeReader, ScopeWriter
from opendialer.web.responses import json_response
from opendialer.web.velocity import DOCS, Paging, page, paging
from opendialer.web.writes import Route

router = APIRouter(tags=["dialer call list"], route_class=Route)

Filter = Query(max_length=100)


def call_filters(
    createddate: Annotated[
        str | None, Query(max_length=40, description="The list's date (default: the newest).")
    ] = None,
    loanid: Annotated[str | None, Filter] = None,
    borrowerid: Annotated[str | None, Filter] = None,
    callcode: Annotated[str | None, Filter] = None,
    phonenumber: Annotated[str | None, Query(max_length=40)] = None,
) -> CallFilters:
    return CallFilters(createddate, loanid, borrowerid, callcode, phonenumber)


@router.get("/dialer/calls", responses=DOCS.read(CallListPage))
@router.get("/dialerapi/dialer/calls", responses=DOCS.read(CallListPage))
def get_dialer_calls(
    session: DbSession,
    scope: ScopeReader,
    filters: Annotated[CallFilters, Depends(call_filters)],
    paged: Annotated[Paging, Depends(paging)],
) -> Response:
    """Returns dialer calls by date, loan, borrower, call code or phone number.

    Without `createddate`, the newest list. `callsAttempted` and `callsContacted` are counted
    live from call tracking, inside the bucket's window."""
    calls = CallList(session, scope.tenant)
    total, items = calls.page(scope.servicer, filters, paged.offset, paged.limit)
    data = [entry_record(item) for item in items]
    return json_response(page("/calls", filters.as_query(), paged, total, data, data_first=True))


@router.post("/dialer/calls/build", responses=DOCS.write(BuiltLists))
def build_call_list(
    session: DbSession,
    scope: ScopeWriter,
    asof: Annotated[
        DateText | None, Query(description="The list's date (YYYY-MM-DD); default today (UTC).")
    ] = None,
) -> Response:
    """Build (or rebuild) the day's call list for the servicer named by `servicerid`, or for
    every servicer of the tenant. Answers the number of entries per servicer."""
    list_date, counts = CallList(session, scope.tenant).build(scope.servicer, asof)
    data = [
        {"servicerId": servicer, "listDate": list_date.isoformat(), "entries": entries}
        for servicer, entries in counts.items()
    ]
    return json_response({"data": data})
