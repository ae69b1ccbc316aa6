"""Whole days as ranges of UTC moments, and moments as the loan-servicing seeds write them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from opendialer.db.base import utc_iso_texts
from opendialer.errors import Invalid

MILLISECOND = timedelta(milliseconds=1)


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


def parse_moment(name: str, raw: str) -> datetime | date:
    """A date (2020-08-03) or a date-time (2020-08-03T21:53:31.468Z; UTC when no offset)."""
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Invalid(
            f"{name} must be a date (2020-08-03) or a date-time (2020-08-03T21:53:31.468Z), "
            f"got {raw!r}"
        ) from None


def moment_range(
    startdate: str | None, enddate: str | None
) -> tuple[datetime | None, datetime | None]:
    """The loan-servicing faces' `startdate` and `enddate` as [since, before): both inclusive,
    a date covering its whole UTC day and a date-time the millisecond it names (records are
    shown to the millisecond)."""
    since = before = None
    if startdate:
        start = parse_moment("startdate", startdate)
        since = start if isinstance(start, datetime) else day_start(start)
    if enddate:
        end = parse_moment("enddate", enddate)
        if not isinstance(end, datetime):
            before = day_after(end)
        else:
            try:
                before = end.replace(microsecond=end.microsecond // 1000 * 1000) + MILLISECOND
            except OverflowError:
                before = None  # the end of time: no upper bound
    if since is not None and before is not None and since >= before:
        raise Invalid(f"startdate {startdate} is after enddate {enddate}")
    return since, before
