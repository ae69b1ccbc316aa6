"""The call tracking face on the wire: its call records, in the seed's fields and order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import orjson
from pydantic import ConfigDict
from typing_extensions import TypedDict

from opendialer.calltracking.models import DIALLER
from opendialer.calltracking.schemas import CLIENT_PREFIX, CallStatus
from opendialer.kit.dates import timestamp, timestamps
from opendialer.web.openapi import Timestamp, Wire, data_model, page_model


def author(created_by: str | None) -> dict[str, str]:
    """The createdBy/updatedBy object: the API client that posted the call, or the dialler."""
    if created_by is None:
        return {}
    if created_by.startswith(CLIENT_PREFIX):
        return {"clientId": created_by[len(CLIENT_PREFIX) :]}
    if created_by == DIALLER:
        return {"system": DIALLER}
    return {}


def call_records(rows: Iterable[Mapping[Any, Any]]) -> list[dict[str, Any]]:
    """Tracked calls in the seed's fields and order; ids as strings, as the seed types them."""
    rows = list(rows)
    call_times = timestamps([row["call_timestamp"] for row in rows])
    # A batch shares its tenant, servicer, recording time and author: render those once.
    shared: dict[tuple[Any, ...], tuple[str, str, str, str, dict[str, str]]] = {}
    records = []
    for row, call_time in zip(rows, call_times, strict=True):
        key = (
            row["tenant_id"],
            row["servicer_id"],
            row["created_at"],
            row["updated_at"],
            row["created_by"],
        )
        common = shared.get(key)
        if common is None:
            tenant_id, servicer_id, created, updated, by = key
            common = shared[key] = (
                str(tenant_id),
                str(servicer_id),
                timestamp(created),
                timestamp(updated),
                author(by),
            )
        tenant, servicer, created_date, updated_date, by_whom = common
        records.append(
            {
                "callId": row["id"],
                "tenantId": tenant,
                "servicerId": servicer,
                "loanId": row["loan_id"],
                "borrowerId": row["borrower_id"],
                "phoneNumber": row["phone_number"],
                "callStatus": row["call_status"],
                "callTimestamp": call_time,
                "createdDate": created_date,
                "updatedDate": updated_date,
                "updatedBy": by_whom,
                "createdBy": by_whom,
            }
        )
    return records


def calls_body(rows: Iterable[Mapping[Any, Any]]) -> bytes:
    """The answer to a POST: {"data": the calls recorded}."""
    return orjson.dumps({"data": call_records(rows)})


# -- the OpenAPI document's description of the above -----------------------------------------


class Author(TypedDict, total=False):
    """Who recorded a call: `{"clientId"}` of the API client that posted it, `{"system":
    "dialler"}` for a call the dialler recorded, `{}` when unknown."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    clientId: str
    system: Literal["dialler"]


class CallRecord(Wire):
    """A tracked call. `tenantId` and `servicerId` are strings, as the seed types them."""

    callId: str
    tenantId: str
    servicerId: str
    loanId: str
    borrowerId: str | None
    phoneNumber: str | None
    callStatus: CallStatus
    callTimestamp: Timestamp
    createdDate: Timestamp
    updatedDate: Timestamp
    updatedBy: Author
    createdBy: Author


CallPage = page_model("CallPage", CallRecord, "/calls")
RecordedCalls = data_model("RecordedCalls", list[CallRecord])
