"""The call tracking face's request model and the query filters it takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, TypeAdapter

from opendialer.errors import Invalid
from opendialer.kit.apimodel import ApiInput, Moment, Str

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


def json_calls(body: Any) -> dict[str, Any] | list[Any]:
    """A POST's body as a call object or an array of them, before either is checked."""
    if not isinstance(body, dict | list):
        # Not JSON (a form, or JSON sent under another content type).
        raise Invalid(
            "the request body must be JSON (Content-Type: application/json): "
            "a call object or an array of call objects"
        )
    return body


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

# What `created_by` holds: who recorded a call (the web layer renders it as createdBy), the
# dialler (`models.DIALLER`) or a client.
CLIENT_PREFIX = "client:"


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
