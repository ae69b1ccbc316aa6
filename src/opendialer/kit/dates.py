"""Whole days as ranges of UTC moments."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def day_start(day: date) -> datetime:
    """The first moment of `day`, in UTC."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def day_after(day: date) -> datetime | None:
    """The first moment after `day` (UTC), the exclusive end of a range of whole days; None
    after the calendar's last day (9999-12-31), where such a range has no end."""
    return None if day == date.max else day_start(day + timedelta(days=1))
