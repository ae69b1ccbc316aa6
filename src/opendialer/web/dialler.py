"""The dialler face on the wire: its record shapes (the seed's field names, dates as
2020-11-11T15:31:47.070), its envelopes ({"records", "count", "status"} and {"status"}), and the
streamed contact list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import create_model
from sqlalchemy.engine import RowMapping
from starlette.responses import Response, StreamingResponse

from opendialer.dialler.models import Campaign, Contact, ContactHistory
from opendialer.dialler.schemas import (
    CAMPAIGN_RECORD_FIELDS,
    CONTACT_FIELD_DEFAULTS,
    CONTACT_RECORD_FIELDS,
    HISTORY_RECORD_FIELDS,
)
from opendialer.web.openapi import FaceDocs, StatusMessage, Wire, column_model, text
from opendialer.web.responses import json_response, stream_json_array


def format_datetime(value: datetime) -> str:
    """The dialler's date format: ISO 8601 with milliseconds and no offset (UTC for moments)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds")


def _plain(value: Any) -> Any:
    return format_datetime(value) if isinstance(value, datetime) else value


def serializer(
    fields: Sequence[tuple[str, str]], defaults: Mapping[str, Any] | None = None
) -> Callable[[Any], dict[str, Any]]:
    """Turns an ORM object into its API record, field names and order as `fields` says; a
    column in `defaults` that holds no value answers its default."""
    to_mapping = _record_maker(fields, defaults)

    def to_record(obj: Any) -> dict[str, Any]:
        return to_mapping(_Attributes(obj))

    return to_record


class _Attributes:
    """An ORM object's attributes read as a mapping's items."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any):
        self.obj = obj

    def __getitem__(self, name: str) -> Any:
        return getattr(self.obj, name)


def mapping_serializer(
    fields: Sequence[tuple[str, str]], defaults: Mapping[str, Any] | None = None
) -> Callable[[Mapping[Any, Any]], dict[str, Any]]:
    """Like `serializer`, for Core result rows given as mappings of column name to value."""
    return _record_maker(fields, defaults)


def _record_maker(
    fields: Sequence[tuple[str, str]], defaults: Mapping[str, Any] | None
) -> Callable[[Any], dict[str, Any]]:
    pairs = tuple(fields)
    defaulted = tuple((api, defaults[attr]) for api, attr in pairs if defaults and attr in defaults)

    def to_record(row: Any) -> dict[str, Any]:
        record = {api: _plain(row[attr]) for api, attr in pairs}
        for api, default in defaulted:
            if record[api] is None:
                record[api] = default
        return record

    return to_record


contact_record = serializer(CONTACT_RECORD_FIELDS, CONTACT_FIELD_DEFAULTS)
contact_row_record = mapping_serializer(CONTACT_RECORD_FIELDS, CONTACT_FIELD_DEFAULTS)
campaign_record = serializer(CAMPAIGN_RECORD_FIELDS)
history_record = serializer(HISTORY_RECORD_FIELDS)


def records_body(records: list[dict[str, Any]]) -> bytes:
    """The dialler envelope for a set of records: {"records", "count", "status"}."""
    return orjson.dumps({"records": records, "count": len(records), "status": 200})


def records_response(records: list[dict[str, Any]]) -> Response:
    return Response(records_body(records), media_type="application/json")


def status_response(status_code: int = 200) -> Response:
    return json_response({"status": status_code}, status_code)


def contact_list_response(
    pages: Callable[[], Iterable[Sequence[RowMapping]]], start: int, page_size: int
) -> Response:
    """The seed's contact list, streamed: {"filter", "limitStart", "limitPageSize", "records",
    "count", "orderBy", "ascending", "status"}. `pages` is called as the body is sent, so
    that the contacts are read a page at a time while earlier pages go out."""
    head = b'{"filter":"","limitStart":%d,"limitPageSize":%d,"records":[' % (start, page_size)

    def body() -> Iterator[bytes]:
        yield head
        records = ([contact_row_record(row) for row in rows] for rows in pages())
        count = yield from stream_json_array(records)
        yield b'],"count":%d,"orderBy":"Name","ascending":true,"status":200}' % count

    return StreamingResponse(body(), media_type="application/json")


# -- the OpenAPI document's description of the above -----------------------------------------

DOCS = FaceDocs(StatusMessage)

# 2020-11-11T15:31:47.070: ISO 8601 to the millisecond, without an offset.
DiallerTime = text(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$", "2020-11-11T15:31:47.070")

CampaignRecord = column_model(
    "DiallerCampaign",
    Campaign.__table__,
    CAMPAIGN_RECORD_FIELDS,
    moment=DiallerTime,
    doc="A dialler campaign: its name, time zone, phone region and retry delays (seconds).",
)
ContactRecord = column_model(
    "DiallerContact",
    Contact.__table__,
    CONTACT_RECORD_FIELDS,
    moment=DiallerTime,
    defaults=CONTACT_FIELD_DEFAULTS,
    doc="A dialler contact: the seed's fields (the end reasons in both spellings, Acd and "
    "Acid, with one value), its numbers in E.164, and its dialing state. Moments are UTC; "
    "dtBeginDate, dtEndDate and FollowUpDateTime are wall-clock values as sent.",
)
HistoryRecord = column_model(
    "DiallerContactHistory",
    ContactHistory.__table__,
    HISTORY_RECORD_FIELDS,
    moment=DiallerTime,
    doc="One call to a contact and its result; the end reason in both spellings. Times UTC.",
)


def _records(name: str, record: type[Wire]) -> type[Wire]:
    model: type[Wire] = create_model(
        name,
        __base__=Wire,
        __doc__='The dialler\'s envelope: {"records", "count", "status"}.',
        records=(list[record], ...),  # type: ignore[valid-type]
        count=(int, ...),
        status=(int, ...),
    )
    return model


CampaignRecords = _records("DiallerCampaigns", CampaignRecord)
ContactRecords = _records("DiallerContacts", ContactRecord)
HistoryRecords = _records("DiallerContactsHistory", HistoryRecord)


class DiallerContactList(Wire):
    """The list of contacts: sorted by Name, then ID; limitStart and limitPageSize echoed."""

    filter: str
    limitStart: int
    limitPageSize: int
    records: list[ContactRecord]  # type: ignore[valid-type]
    count: int
    orderBy: str
    ascending: bool
    status: int


class DiallerStatus(Wire):
    """The dialler's envelope of an answer without records: {"status"}."""

    status: int
