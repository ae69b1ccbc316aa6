"""Whole days as ranges of UTC moments, and moments as the loan-servicing seeds write them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from opendialer.db.base import utc_iso_texts


def day_start(day: date) -> datetime:
    """The first moment of `day`, in UTC."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def day_after(day: date) -> datetime | None:
    """The first moment after `day` (UTC), the exclusive end of a range of whole days; None
    after the calendar's last day (9999-12-31), where such a range has no end."""
    return None if day == date.max else day_start(day + timedelta(days=1))


def timestamp(value: datetime) -> str:
    """A moment as the seeds write it: UTC, milliseconds, `Z` (2020-08-03T09:42:53.795Z)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def timestamps(values: Sequence[datetime]) -> list[str]:
    """`timestamp` of each value; UTC values, as stored times are read, are written at once."""
    if not all(value.tzinfo is UTC for value in values):
        return [timestamp(value) for value in values]
    return [f"{text[:23]}Z" for text in utc_iso_texts(list(values))]
