"""Request models of a consumer's flags and inconvenient times, and of the compliance settings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from opendialer.kit.apimodel import ApiInput

FlagName = Literal["cease", "attorney", "bankruptcy", "deceased"]
DayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DebtGrouping = Literal["loan", "borrower_lender"]
# At most this many inconvenient times per consumer: the gate tries each one, minute by minute.
MAX_RANGES = 20

_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _clock(value: str) -> str:
    if not _CLOCK.fullmatch(value):
        raise ValueError("must be a time of day written HH:MM, from 00:00 to 23:59")
    return value


Clock = Annotated[str, AfterValidator(_clock), Field(examples=["21:00"])]


def _once_each(values: Sequence[str]) -> Sequence[str]:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{value} is sent twice")
        seen.add(value)
    return values


class InconvenientTime(ApiInput):
    """Days of the week and a time of day, on the consumer's clock, when calls are
    inconvenient to them. `to` before `from` runs past midnight into the next day."""

    days: Annotated[list[DayName], AfterValidator(_once_each)] = Field(min_length=1, max_length=7)
    start: Clock = Field(alias="from")
    end: Clock = Field(alias="to")

    @field_validator("end")
    @classmethod
    def _not_empty(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("start") == value:
            raise ValueError("must differ from `from`: a range from a time to itself is empty")
        return value


class ConsumerHoldsInput(ApiInput):
    """What stops or limits the calls to a consumer. A field not sent is left as stored; `[]`
    (or null) clears it."""

    flags: Annotated[list[FlagName], AfterValidator(_once_each)] | None = Field(
        default=None, max_length=4
    )
    inconvenient_times: list[InconvenientTime] | None = Field(
        default=None, alias="inconvenientTimes", max_length=MAX_RANGES
    )


class ComplianceSettingsInput(ApiInput):
    """The tenant's compliance settings to change; a field not sent is left as stored."""

    debt_grouping: DebtGrouping | None = Field(default=None, alias="debtGrouping")

    @field_validator("debt_grouping", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Only a value sent is validated: null would otherwise pass as "not sent".
        if value is None:
            raise ValueError("must be loan or borrower_lender, not null")
        return value
