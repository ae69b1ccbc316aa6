"""Shapes shared by the loan-servicing faces (/dialer, /calltracking and the loan management
API): camelCase values, {"paging", "data"} pages with links, and the error envelope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from http import HTTPStatus
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query

from opendialer.errors import Invalid
from opendialer.kit.apimodel import whole_number
from opendialer.kit.dates import timestamp
from opendialer.web.openapi import FaceDocs, VelocityError

MAX_LIMIT = 1000
DEFAULT_LIMIT = 20

# The OpenAPI document's responses of these faces' operations, errors in their envelope.
DOCS = FaceDocs(VelocityError)


def velocity_error(status: int, message: str) -> dict[str, Any]:
    """The loan-servicing faces' error body: HTTP status, its reason, and what is wrong."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return {"status": status, "error": reason, "message": message}


def plain(value: Any) -> Any:
    """A stored value as the seeds write it: dates as YYYY-MM-DD, moments as timestamps."""
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def record(obj: Any, fields: Sequence[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    """The camelCase record of an ORM object or a row mapping, in the order of `fields`."""
    if isinstance(obj, Mapping):
        values = {api: plain(obj[attr]) for api, attr in fields}
    else:
        values = {api: plain(getattr(obj, attr)) for api, attr in fields}
    values.update(extra)
    return values


@dataclass(frozen=True)
class Paging:
    offset: int
    limit: int


# The largest offset taken: the databases count rows in 64-bit integers.
MAX_OFFSET = 2**62


def _number(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    value = whole_number(name, raw)
    if low <= value <= high:
        return value
    # An offset's bound is the databases', not one a client pages towards: its message names
    # the side that was passed.
    if high != MAX_OFFSET:
        bounds = f"between {low} and {high}"
    elif value < low:
        bounds = f"{low} or more"
    else:
        bounds = f"at most {high}"
    raise Invalid(f"{name} must be {bounds}, got {value}")


def paging(
    offset: Annotated[
        str | None, Query(description="Records to skip. Defaults to 0.", examples=["0"])
    ] = None,
    limit: Annotated[
        str | None,
        Query(description=f"Records per page, 1 to {MAX_LIMIT}. Defaults to {DEFAULT_LIMIT}."),
    ] = None,
) -> Paging:
    """offset and limit as the seeds define them; a number or a numeric string."""
    return Paging(
        offset=_number("offset", offset, 0, 0, MAX_OFFSET),
        limit=_number("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT),
    )


def page(
    link_path: str,
    filters: Mapping[str, str | None],
    paging: Paging,
    total: int,
    data: list[dict[str, Any]],
    *,
    data_first: bool = False,
) -> dict[str, Any]:
    """{"paging": {"offset", "limit", "links"}, "data"}; links keep the filters and lead to real
    pages: no `previous` on the first page, no `next` on the last. `link_path` is the page's
    path relative to the face's base, as the seeds write it (`/calls` for
    `.../dialerapi/dialer/calls`): a client joins it to the base it sent the request to,
    whichever prefix that had. `data_first` puts `data` ahead of `paging`, as the dialer call
    list's seed writes it."""
    kept = {name: value for name, value in filters.items() if value not in (None, "")}

    def link(offset: int) -> str:
        return f"{link_path}?{urlencode({**kept, 'offset': offset, 'limit': paging.limit})}"

    last = max(0, (total - 1) // paging.limit * paging.limit)
    links = {"first": link(0), "last": link(last)}
    if paging.offset > 0:
        links["previous"] = link(max(0, min(paging.offset, last + paging.limit) - paging.limit))
    if paging.offset + paging.limit < total:
        links["next"] = link(paging.offset + paging.limit)
    paged = {"offset": paging.offset, "limit": paging.limit, "links": links}
    return {"data": data, "paging": paged} if data_first else {"paging": paged, "data": data}
