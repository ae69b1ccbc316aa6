"""The call tracking face on the wire: its call records, in the seed's fields and order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from opendialer.calltracking.schemas import CLIENT_PREFIX, DIALLER
from opendialer.kit.dates import timestamp, timestamps


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
