"""What the OpenAPI document says each operation answers: its success body, and its errors in
its face's envelope. These models describe responses built by hand; nothing validates a
response against them at run time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal, NotRequired

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.config import JsonDict
from sqlalchemy import Boolean, Date, DateTime, Float, FromClause, Integer, Numeric
from sqlalchemy.types import TypeDecorator
from typing_extensions import TypedDict

# Every operation that authenticates its caller may answer these: bad input (including a
# query name sent in two spellings, or a tenantid that is no number), no or a bad token, a
# role or tenant that may not, a tenant or object not found, and an unexpected failure.
READ_ERRORS = (400, 401, 403, 404, 500)
# A request with a body may also be too large, a write may meet another one at the same
# moment (a unique key written by both), or not get to write within the time it may wait.
WRITE_ERRORS = tuple(sorted({*READ_ERRORS, 409, 413, 503}))

ERROR_MEANINGS = {
    400: "Bad input: the message names the parameter, header or field.",
    401: "No access token, or a malformed, forged or expired one.",
    403: "The caller's role may not do this, or a tenantid/servicerid not the token's.",
    404: "Not found: the object, or the tenant or servicer named (another tenant's as well).",
    409: "A conflict with what is stored, or with a change made at the same moment.",
    413: "The request body is larger than allowed here.",
    500: "An unexpected failure: only a request id to quote, no internals.",
    503: "The database is busy with other writes: nothing was written; retry after the "
    "seconds in the Retry-After header.",
}

Response = dict[int | str, dict[str, Any]]


class Wire(BaseModel):
    """A response's shape for the OpenAPI document: its fields, exactly as sent."""

    model_config = ConfigDict(extra="forbid")


# -- error envelopes -------------------------------------------------------------------------


class StatusMessage(Wire):
    """The error envelope of the dialler and the call reports: the HTTP status and what is
    wrong."""

    status: int
    message: str


class VelocityError(Wire):
    """The error envelope of the loan-servicing faces (call list, call tracking, loans): the
    HTTP status, its reason phrase and what is wrong."""

    status: int
    error: str = Field(examples=["Bad Request"])
    message: str


class OAuthError(Wire):
    """An OAuth2 error (RFC 6749 section 5.2)."""

    error: Literal["invalid_request", "invalid_client"]
    error_description: str


# -- field types as the faces write them -----------------------------------------------------


def text(pattern: str, example: str, format: str | None = None) -> Any:
    """A string written in one fixed form."""
    extra: JsonDict | None = {"format": format} if format else None
    return Annotated[str, Field(pattern=pattern, examples=[example], json_schema_extra=extra)]


# 2020-08-03T09:42:53.795Z: UTC, to the millisecond.
Timestamp = text(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", "2020-08-03T09:42:53.795Z", "date-time"
)
Day = text(r"^\d{4}-\d{2}-\d{2}$", "2020-08-03", "date")


def column_model(
    name: str,
    table: FromClause,
    fields: Sequence[tuple[str, str]],
    *,
    moment: Any,
    doc: str,
    override: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> type[Wire]:
    """A record of (API name, column) pairs, each typed as its column is written on the
    wire: integers, decimals as numbers, booleans, times as `moment`, dates as YYYY-MM-DD,
    one of its words for a column of `choices`, text; null where the column may be, but for
    the columns in `defaults`, answered with their default instead. `override` gives some
    API names a type of their own."""
    definitions: dict[str, Any] = {}
    for api, column_name in fields:
        if override and api in override:
            kind = override[api]
        else:
            column = table.c[column_name]
            choices = column.info.get("choices")
            kind = Literal[choices] if choices else _wire_type(column.type, moment)
            if column.nullable and not (defaults and column_name in defaults):
                kind = kind | None
        definitions[api] = (kind, ...)
    model: type[Wire] = create_model(name, __base__=Wire, __doc__=doc, **definitions)
    return model


def _wire_type(kind: Any, moment: Any) -> Any:
    if isinstance(kind, TypeDecorator):
        impl = kind.impl
        if isinstance(impl, DateTime):
            return moment
        kind = impl
    if isinstance(kind, Boolean):
        return bool
    if isinstance(kind, Integer):
        return int
    if isinstance(kind, Float | Numeric):
        return float
    if isinstance(kind, DateTime):
        return moment
    if isinstance(kind, Date):
        return Day
    return str


# -- envelopes shared by the loan-servicing faces --------------------------------------------


def links_model(name: str, link_path: str) -> Any:
    """A page's links, relative to the face's base (`/calls?offset=20&limit=20`): always
    `first` and `last`, `previous` except on the first page, `next` except on the last."""
    link = Annotated[
        str, Field(pattern=f"^{link_path}\\?", examples=[f"{link_path}?offset=0&limit=20"])
    ]
    # Built as TypedDict's functional form builds one; pydantic reads its config from the class.
    typed_dict: Any = TypedDict
    links = typed_dict(
        f"{name}Links",
        {"first": link, "last": link, "previous": NotRequired[link], "next": NotRequired[link]},
    )
    links.__pydantic_config__ = ConfigDict(extra="forbid")
    return links


def page_model(name: str, record: Any, link_path: str, *, data_first: bool = False) -> type[Wire]:
    """{"paging": {"offset", "limit", "links"}, "data": [records]}."""
    paging: type[Wire] = create_model(
        f"{name}Paging",
        __base__=Wire,
        offset=(int, ...),
        limit=(int, ...),
        links=(links_model(name, link_path), ...),
    )
    fields: dict[str, Any] = {"paging": (paging, ...), "data": (list[record], ...)}
    if data_first:
        fields = {"data": fields["data"], "paging": fields["paging"]}
    model: type[Wire] = create_model(
        name, __base__=Wire, __doc__=f"A page of {record.__name__} records.", **fields
    )
    return model


def data_model(name: str, body: Any) -> type[Wire]:
    """{"data": body}."""
    model: type[Wire] = create_model(name, __base__=Wire, data=(body, ...))
    return model


# -- the responses= tables -------------------------------------------------------------------


class FaceDocs:
    """The responses of one face's operations: the success body, and each error status in
    the face's envelope."""

    def __init__(self, envelope: type[BaseModel]) -> None:
        self.envelope = envelope

    def errors(self, statuses: Iterable[int]) -> Response:
        return {
            status: {"model": self.envelope, "description": ERROR_MEANINGS[status]}
            for status in statuses
        }

    def read(self, body: Any, description: str = "Success", **more: Any) -> Response:
        """A GET: `body` with 200, or an error."""
        return {200: _success(body, description, **more), **self.errors(READ_ERRORS)}

    def write(
        self, body: Any, status: int = 200, description: str = "Success", **more: Any
    ) -> Response:
        """A POST, PATCH or DELETE: `body` (None for no body) with `status`, or an error."""
        return {status: _success(body, description, **more), **self.errors(WRITE_ERRORS)}


def _success(body: Any, description: str, **more: Any) -> dict[str, Any]:
    answer = {"description": description, **more}
    if body is not None:
        answer["model"] = body
    return answer


def install_openapi(app: FastAPI) -> None:
    """Drops from the document the 422 answers FastAPI adds to every operation that takes
    input: every face answers bad input with 400 in its own envelope, never 422."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        for operations in document["paths"].values():
            for operation in operations.values():
                operation["responses"].pop("422", None)
        schemas = document.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
