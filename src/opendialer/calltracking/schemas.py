"""The call tracking face's request model, record shape and the query filters it takes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, TypeAdapter

from opendialer.apimodel import ApiInput, Moment, Str
from opendialer.velocity import record

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

CALL_RECORD: list[tuple[str, str]] = [
    ("callId", "id"),
    ("tenantId", "tenant_id"),
    ("servicerId", "servicer_id"),
    ("loanId", "loan_id"),
    ("borrowerId", "borrower_id"),
    ("phoneNumber", "phone_number"),
    ("callStatus", "call_status"),
    ("callTimestamp", "call_timestamp"),
    ("createdDate", "created_at"),
    ("updatedDate", "updated_at"),
]

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


def call_record(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A tracked call in the seed's fields and order; ids as strings, as the seed types them."""
    by = author(row["created_by"])
    return record(
        row,
        CALL_RECORD,
        tenantId=str(row["tenant_id"]),
        servicerId=str(row["servicer_id"]),
        updatedBy=by,
        createdBy=dict(by),
    )


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
