"""The call tracking face's request model, record shape and the query filters it takes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, TypeAdapter

from opendialer.kit.apimodel import ApiInput, Moment, Str
from opendialer.web.velocity import timestamp, timestamps

# The most calls one POST may carry.
MAX_BATCH = 10_000

CallStatus = Literal["Attempted", "Contacted"]


class CallInput(ApiInput):
    """One call made on a loan: who was called, on which number, when, and whether a person
    was reached (`Contacted`) or not (`Attempted`)."""

    loan_id: Str = Field(alias="loanId", min_length=1, max_length=36)
    borrower_id: Str | None = Field(default=None, alias="borrowerId", max_length=36)
    phone_number: Str = Field(alias="phoneNumber", min_length=1, max_length=64)
    call_status: CallStatus = Field(alias="callStatus")
    call_timestamp: Moment = Field(alias="callTimestamp")


CALL_BATCH: TypeAdapter[list[CallInput]] = TypeAdapter(list[CallInput])


def _body_schema() -> dict[str, Any]:
    one = CallInput.model_json_schema(by_alias=True)
    return {
        "oneOf": [
            one,
            {"type": "array", "items": one, "minItems": 1, "maxItems": MAX_BATCH},
        ]
    }


# The request body as OpenAPI shows it: the body is read as plain JSON so that each bad record
# can be named by its index, which a union of model and list would not do.
POST_BODY_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _body_schema()}},
    },
}

# What `created_by` holds: who recorded a call, rendered as the createdBy object.
CLIENT_PREFIX = "client:"
DIALLER = "dialler"


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


@dataclass(frozen=True)
class CallQuery:
    """The seed's filters of GET /calltracking/calls, as sent."""

    loanid: str | None = None
    borrowerid: str | None = None
    phonenumber: str | None = None
    startdate: str | None = None
    enddate: str | None = None

    def as_query(self) -> dict[str, str | None]:
        return {
            "loanid": self.loanid,
            "borrowerid": self.borrowerid,
            "phonenumber": self.phonenumber,
            "startdate": self.startdate,
            "enddate": self.enddate,
        }
