"""HTTP routes of the do-not-call lists: the tenant's own and each campaign's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query
from pydantic import create_model
from starlette.responses import Response

from opendialer.dnc.models import DncEntry
from opendialer.dnc.schemas import DNC_RECORD, MAX_PHONE_TEXT, DncInput
from opendialer.dnc.service import DncLists
from opendialer.kit.apimodel import INT64, Str
from opendialer.web.deps import DbSession, Reader, Writer
from opendialer.web.limits import batch_body
from opendialer.web.openapi import Timestamp, Wire, column_model, data_model, page_model
from opendialer.web.responses import json_response
from opendialer.web.velocity import DOCS, Paging, page, paging, record
from opendialer.web.writes import Route

router = APIRouter(tags=["do-not-call"], route_class=Route)

LIST_PATH = "/compliance/dnc"
MAX_BULK_ROWS = 100_000

DncRecord = column_model(
    "DncEntry",
    DncEntry.__table__,
    DNC_RECORD,
    moment=Timestamp,
    doc="A number on a do-not-call list, as E.164; `campaignId` is null on the tenant's list.",
)
OneDncEntry = data_model("OneDncEntry", DncRecord)
DncPage = page_model("DncPage", DncRecord, LIST_PATH)
DncBulkCounts = data_model(
    "DncBulkResult",
    create_model(
        "DncBulkCounts",
        __base__=Wire,
        __doc__="How many numbers were added, and how many were on their list already.",
        added=(int, ...),
        alreadyListed=(int, ...),
    ),
)

Paged = Annotated[Paging, Depends(paging)]
CampaignId = Annotated[
    int | None,
    Query(
        alias="campaignid",
        ge=1,
        le=INT64,
        description="The campaign whose list it is; without it, the tenant's own list.",
    ),
]
PhoneFilter = Annotated[
    Str | None,
    Query(
        alias="phonenumber",
        max_length=MAX_PHONE_TEXT,
        description="Only this number, in any common spelling.",
    ),
]
PhoneNumber = Annotated[
    Str,
    Path(
        alias="phoneNumber",
        max_length=MAX_PHONE_TEXT,
        description="The number, in any common spelling (`+13036963303`, `(303) 696-3303`).",
    ),
]


@router.get(LIST_PATH, responses=DOCS.read(DncPage))
def list_dnc(
    session: DbSession,
    caller: Reader,
    paged: Paged,
    campaign_id: CampaignId = None,
    phone: PhoneFilter = None,
) -> Response:
    """List the tenant's do-not-call list, or with `campaignid` that campaign's, in the order
    the numbers were added. `phonenumber` finds one number, however it is spelt."""
    total, rows = DncLists(session, caller.tenant).page(
        campaign_id, phone, paged.offset, paged.limit
    )
    data = [record(row, DNC_RECORD) for row in rows]
    filters = {
        "campaignid": None if campaign_id is None else str(campaign_id),
        "phonenumber": phone,
    }
    return json_response(page(LIST_PATH, filters, paged, total, data))


@router.post(
    LIST_PATH,
    status_code=201,
    responses={
        200: {"model": OneDncEntry, "description": "Listed already: the stored entry, unchanged"},
        **DOCS.write(OneDncEntry, 201, "Added"),
    },
)
def add_dnc(body: Annotated[DncInput, Body()], session: DbSession, caller: Writer) -> Response:
    """Put a number on the tenant's do-not-call list, or with `campaignId` on that campaign's.
    The number may be spelt in any common way and is kept as E.164; numbers without a country
    code are read in the campaign's region (`US` on the tenant's list). Adding is idempotent:
    a new entry answers 201, a number listed already answers 200 with its entry unchanged."""
    entry, added = DncLists(session, caller.tenant).add(body)
    return json_response({"data": record(entry, DNC_RECORD)}, 201 if added else 200)


@router.post(f"{LIST_PATH}/bulk", responses=DOCS.write(DncBulkCounts))
@batch_body
def add_dnc_bulk(
    rows: Annotated[list[DncInput], Body(max_length=MAX_BULK_ROWS)],
    session: DbSession,
    caller: Writer,
) -> Response:
    """Put many numbers on do-not-call lists at once: an array of up to 100,000 objects, each
    as `POST /compliance/dnc` takes it. All or nothing: when one number is bad nothing is
    added, and the error names it by its index (`[3].phoneNumber`). Answers how many numbers
    were added and how many were listed already (a number sent twice counts once as added)."""
    counts = DncLists(session, caller.tenant).add_many(rows)
    return json_response({"data": counts.as_dict()})


@router.get(f"{LIST_PATH}/{{phoneNumber}}", responses=DOCS.read(OneDncEntry))
def get_dnc(
    phone: PhoneNumber, session: DbSession, caller: Reader, campaign_id: CampaignId = None
) -> Response:
    """Retrieve a number's entry on the tenant's list, or with `campaignid` on that campaign's;
    404 when it is not listed there."""
    entry = DncLists(session, caller.tenant).get(phone, campaign_id)
    return json_response({"data": record(entry, DNC_RECORD)})


@router.delete(
    f"{LIST_PATH}/{{phoneNumber}}", status_code=204, responses=DOCS.write(None, 204, "Removed")
)
def delete_dnc(
    phone: PhoneNumber, session: DbSession, caller: Writer, campaign_id: CampaignId = None
) -> Response:
    """Take a number off the tenant's list, or with `campaignid` off that campaign's; 404 when
    it is not listed there. The other lists keep it."""
    DncLists(session, caller.tenant).delete(phone, campaign_id)
    return Response(status_code=204)
