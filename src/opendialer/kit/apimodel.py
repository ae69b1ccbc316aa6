"""Request models derived from table columns, so a face's field limits match what is stored."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, create_model
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Float,
    FromClause,
    Integer,
    Numeric,
    String,
)
from sqlalchemy.types import TypeDecorator

from opendialer.db.base import UTCDateTime
from opendialer.errors import Invalid

INT32 = 2**31 - 1
INT64 = 2**63 - 1


def whole_number(name: str, raw: str, low: int = -INT64, high: int = INT64) -> int:
    """A query or header value read as a whole number; a 400 naming `name` for text that is no
    number, or one outside `low`..`high` (by default what a 64-bit integer holds)."""
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise Invalid(f"{name} {raw} is out of range")
    return value


# Characters that are invisible yet change how a text is shown or compared, so that two
# names that look alike differ, or a text shows other than it reads ("Trojan source"):
# zero-width spaces and joiners, the marks and overrides of bidirectional text, the
# invisible operators, and the byte order mark.
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
# No name, key, code or number holds a control character (C0 and C1, with CR, LF and TAB)
# or an invisible one.
_NOT_IN_A_NAME = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
# Free text (a comment, an address) may also hold line breaks and tabs.
_NOT_IN_FREE_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]")


def text_problem(value: str, *, free_text: bool = False) -> str | None:
    """What makes `value` a text that is refused, if anything: a character no database
    stores (NUL, a lone surrogate), or a control or invisible one (`free_text` allows line
    breaks and tabs)."""
    if value.isprintable():
        # Every character refused is unprintable: one look in C clears almost every text.
        return None
    found = (_NOT_IN_FREE_TEXT if free_text else _NOT_IN_A_NAME).search(value)
    if found is not None:
        char = found.group()
        if char == "\x00":
            return "must not contain NUL characters"
        return f"must not contain the control or invisible character U+{ord(char):04X}"
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            # A JSON \ud800 escape decodes to a lone surrogate.
            return "must not contain unpaired surrogates"
    return None


def _text_check(*, free_text: bool) -> Callable[[str], str]:
    def checked(value: str) -> str:
        problem = text_problem(value, free_text=free_text)
        if problem:
            raise ValueError(problem)
        return value

    return checked


# Dates and times are text in the documented formats only: JSON numbers (which pydantic would
# read as seconds since 1970) and texts of digits alone are refused.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}([T ].*)?", re.DOTALL)


def _date_text(value: Any) -> Any:
    if (isinstance(value, str) and _DATE.fullmatch(value)) or isinstance(value, date):
        return value
    raise ValueError("must be a date written YYYY-MM-DD, such as 2020-06-02")


def _date_time_text(value: Any) -> Any:
    if (isinstance(value, str) and _DATE_TIME.fullmatch(value)) or isinstance(value, datetime):
        return value
    raise ValueError("must be a date and time written as ISO 8601, such as 2020-11-11T15:31:47.070")


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range once converted to UTC") from None


def _naive(value: datetime) -> datetime:
    """A wall-clock value: one sent with an offset is taken to UTC, then kept without it."""
    if value.tzinfo is not None:
        return _to_utc(value).replace(tzinfo=None)
    return value


def _aware(value: datetime) -> datetime:
    """A moment: one sent without an offset is read as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else _to_utc(value)


Str = Annotated[str, AfterValidator(_text_check(free_text=False))]
FreeText = Annotated[str, AfterValidator(_text_check(free_text=True))]
DateText = Annotated[date, BeforeValidator(_date_text)]
WallClock = Annotated[datetime, BeforeValidator(_date_time_text), AfterValidator(_naive)]
Moment = Annotated[datetime, BeforeValidator(_date_time_text), AfterValidator(_aware)]


def python_type(column: ColumnElement[Any], *, text_checked: bool = True) -> Any:
    """The request-side type for a column, bounded so no value can overflow the column.

    `text_checked=False` leaves out the check of each text value for what no database stores
    (`text_problem`), for a model that checks all its texts in one validator of its own."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return Moment
    if isinstance(kind, TypeDecorator):
        kind = kind.impl  # type: ignore[assignment]
    if isinstance(kind, Boolean):
        return bool
    if isinstance(kind, Integer):
        bound = INT64 if "big" in type(kind).__name__.lower() else INT32
        return Annotated[int, Field(ge=-bound, le=bound)]
    if isinstance(kind, Float):
        return Annotated[float, Field(allow_inf_nan=False)]
    if isinstance(kind, Numeric):
        limit = 10.0 ** ((kind.precision or 18) - (kind.scale or 0))
        return Annotated[float, Field(gt=-limit, lt=limit, allow_inf_nan=False)]
    if isinstance(kind, DateTime):
        return WallClock
    if isinstance(kind, Date):
        return DateText
    if "choices" in column.info:
        return Literal[column.info["choices"]]
    free_text = column.info.get("free_text", False)
    text = (FreeText if free_text else Str) if text_checked else str
    if isinstance(kind, String) and kind.length:
        return Annotated[text, Field(max_length=kind.length)]
    return text


def model_from_columns(
    name: str,
    table: FromClause,
    fields: Sequence[tuple[str, str]],
    *,
    base: type[BaseModel],
) -> type[BaseModel]:
    """A model with one optional field per (API name, column name), aliased to the API name."""
    definitions: dict[str, Any] = {}
    for api_name, column_name in fields:
        column = table.c[column_name]
        definitions[column_name] = (
            python_type(column) | None,
            Field(default=None, alias=api_name),
        )
    return create_model(name, __base__=base, **definitions)


def documented_required(*names: str) -> ConfigDict:
    """Model settings that mark `names` (API names) required in the OpenAPI document. The
    service checks them itself, so that one 400 names every mandatory field a body lacks."""
    return ConfigDict(json_schema_extra={"required": list(names)})


class ApiInput(BaseModel):
    """Base of request bodies: unknown fields are refused, values are never silently coerced."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False, str_strip_whitespace=False)


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """One sentence per problem, each naming the field the client sent."""
    parts: list[str] = []
    for error in errors:
        loc = [p for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
        kind = error.get("type", "")
        if kind == "json_invalid":
            parts.append(f"the request body is not valid JSON ({error.get('msg', '')})")
            continue
        field = _field_path(loc) if loc else "request body"
        if kind == "missing":
            parts.append(f"{field} is required")
        elif kind == "extra_forbidden":
            parts.append(f"{field} is not a known field")
        else:
            parts.append(f"{field}: {error.get('msg', 'is invalid')}")
    return "; ".join(parts) or "the request is invalid"


def _field_path(loc: Sequence[Any]) -> str:
    """("records", 3, "direction") -> "records[3].direction": indexes as a client writes them."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path
