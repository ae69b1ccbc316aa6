"""The call-reports face's fields, in the seed's order and spelling, and its input model."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from opendialer.callreports.models import CallDetailRecord
from opendialer.kit.apimodel import ApiInput, Moment, Str, model_from_columns

# (API name, column) in the order of the seed's example; `id` and `time` lead.
CDR_FIELDS: list[tuple[str, str]] = [
    ("id", "id"),
    ("time", "time"),
    ("callerIdNumber", "caller_id_number"),
    ("callerIdName", "caller_id_name"),
    ("dialedNum", "dialed_num"),
    ("direction", "direction"),
    ("disposition", "disposition"),
    ("duration", "duration"),
    ("percentJitter", "percent_jitter"),
    ("packetLoss", "packet_loss"),
    ("qos", "qos"),
    ("uniqueId", "unique_id"),
    ("prevUniqueId", "prev_unique_id"),
    ("whoAnswered", "who_answered"),
    ("recorded", "recorded"),
    ("queueCall", "queue_call"),
    ("ocn", "ocn"),
    ("ani", "ani"),
    ("lata", "lata"),
    ("city", "city"),
    ("rateCenter", "rate_center"),
    ("state", "state"),
    ("jurisdiction", "jurisdiction"),
    ("local", "local"),
    ("lec", "lec"),
    ("lecType", "lec_type"),
    ("spid", "spid"),
    ("isTollFree", "is_toll_free"),
    ("nextUniqueId", "next_unique_id"),
    ("isInternational", "is_international"),
    ("presented", "presented"),
    ("mos", "mos"),
    ("callOutcome", "call_outcome"),
    ("afterAnswerDuration", "after_answer_duration"),
    ("outgoingCidNum", "outgoing_cid_num"),
    ("billingId", "billing_id"),
    ("partnerId", "partner_id"),
    ("geolocation", "geolocation"),
]
CDR_COLUMNS = [column for _, column in CDR_FIELDS]
CDR_API_NAMES = [api for api, _ in CDR_FIELDS]

Direction = Literal["IN", "OUT"]
Disposition = Literal["ANSWERED", "NO ANSWER", "BUSY", "FAILED"]
UniqueId = Annotated[Str, StringConstraints(min_length=1, max_length=150)]

_CdrBase = model_from_columns(
    "CdrFields",
    CallDetailRecord.__table__,
    [field for field in CDR_FIELDS if field[0] not in ("id", "time")],
    base=ApiInput,
)


class CdrInput(_CdrBase):  # type: ignore[misc,valid-type]
    """One call leg to load. `id` is a UUID, assigned when not sent; `time` is ISO 8601 (UTC
    when it carries no offset); `uniqueId` is unique per tenant, so a record loaded twice is
    stored once."""

    id: UUID | None = Field(default=None, alias="id")
    time: Moment = Field(alias="time")
    unique_id: UniqueId = Field(alias="uniqueId")
    direction: Direction = Field(alias="direction")
    disposition: Disposition = Field(alias="disposition")
    duration: int = Field(default=0, alias="duration", ge=0, le=2**31 - 1)
