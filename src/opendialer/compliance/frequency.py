"""How often a debt may be called (12 CFR 1006.14(b)(2)): at most 7 placed calls within 7
consecutive days about one debt, and none within 7 days after a telephone conversation about
it, the day of the conversation being the first.

Days are the consumer's calendar days. With several zones the consumer may be in, a past call
counts when it falls within the window in any of them, and the days after a conversation run
until they have run in all of them: the reading that calls less."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

from opendialer.compliance.refusal import Refusal, refusal
from opendialer.compliance.zones import Local, Tried, clock, local, zone_info

CITATION = "12 CFR 1006.14(b)(2)"
FREQUENCY_RULE = "frequency_7_in_7"
CONVERSATION_RULE = "after_conversation"
CALLS_PER_WINDOW = 7
WINDOW_DAYS = 7
QUIET_DAYS = 7
FREQUENCY_REASON = (
    f"{CALLS_PER_WINDOW} calls about this debt were placed within {WINDOW_DAYS} consecutive days"
)
FREQUENCY_CITATION = f"{CITATION}(i)"
CONVERSATION_REASON = (
    f"a telephone conversation about this debt took place within the last {QUIET_DAYS} days "
    "(its day counting as the first)"
)
CONVERSATION_CITATION = f"{CITATION}(ii)"


class PlacedCall(NamedTuple):
    """A call about the debt that reached the network (one that failed before it rang is not
    one), and whether it was a telephone conversation with the consumer. A tuple: a debt's
    calls are made and sorted (by time) by the hundred thousand."""

    at: datetime
    conversation: bool = False


class History:
    """A debt's calls as the counting rules read them at `now`, each only as far as it needs:
    most attempts have too few calls to reach any limit, and no conversation."""

    __slots__ = ("_calls", "_now", "_placed")

    def __init__(self, now: datetime, calls: Sequence[PlacedCall]) -> None:
        self._now, self._calls = now, calls
        self._placed: list[datetime] | None = None

    def may_reach(self, limit: int) -> bool:
        """Whether `limit` calls may have been placed by `now` (false when fewer were made)."""
        return len(self._calls) >= limit

    @property
    def placed(self) -> list[datetime]:
        """The moments of the calls placed by `now`, in order."""
        if self._placed is None:
            self._placed = sorted([call.at for call in self._calls if call.at <= self._now])
        return self._placed

    def last_talk(self) -> datetime | None:
        """The moment of the last conversation by `now`, if any."""
        now = self._now
        talks = [call.at for call in self._calls if call.conversation and call.at <= now]
        return max(talks) if talks else None


def history(now: datetime, calls: Iterable[PlacedCall]) -> History:
    """The debt's calls at `now`, for every rule that counts them."""
    return History(now, calls if isinstance(calls, list | tuple) else tuple(calls))


def window_start(now: datetime, zones: Sequence[str], days: int) -> datetime:
    """The earliest moment a call counts from, for a window of `days` calendar days ending on
    `now`'s day: the earliest such day's start among the zones."""
    return min(
        _midnight(now.astimezone(zone_info(name)).date() - timedelta(days=days - 1), name)
        for name in zones
    )


def held_until(
    seen: Local, placed: Sequence[datetime], limit: int, days: int
) -> tuple[datetime | None] | None:
    """Whether `limit` calls or more were placed within the `days` calendar days ending on
    `now`'s day (so that one more would be too many): None when fewer of the `placed` moments
    (in order) fall within them in any of its zones (which must not be none); else the first
    day's start at which fewer do (None if none), as a 1-tuple."""
    if limit <= 0:
        return (None,)
    if len(placed) < limit:
        return None
    # Fewer than `limit` calls from a moment on, when the limit-th latest is before it.
    latest = placed[-limit]
    start, later = _window(seen.zones, seen.days, days)
    if latest < start:
        return None
    return (later.first_after(latest),)


# The same few zones on the same days come back all day long: their windows are kept.
@lru_cache(maxsize=4096)
def _window(zones: tuple[str, ...], today: tuple[int, ...], days: int) -> tuple[datetime, Tried]:
    """The start of the window of `days` days ending `today` (each zone's own day), and the
    moments at which the next call may be placed when that window holds too many, each with
    the start of the window it would have, in the order tried: days begin at midnight in some
    zone, so each zone's next `days` + 1 midnights, a day at a time. The next call may be
    placed at the first whose window starts after the limit-th latest call."""
    start = min(
        clock(name).midnight(first - days + 1) for name, first in zip(zones, today, strict=True)
    )
    later = [
        moment
        for day in range(1, days + 2)
        for moment in sorted(
            clock(name).midnight(first + day) for name, first in zip(zones, today, strict=True)
        )
    ]
    return start, Tried(later, [window_start(moment, zones, days) for moment in later])


def frequency_7_in_7(
    now: datetime, calls: Iterable[PlacedCall], zones: Sequence[str]
) -> Refusal | None:
    """Refused when 7 calls about the debt were placed within the 7 days ending today."""
    return frequency_at(local(now, zones), history(now, calls))


def frequency_at(seen: Local, calls: History) -> Refusal | None:
    """`frequency_7_in_7` on `now` as read in its zones, with the debt's history at `now`."""
    if not seen.zones:
        return no_days(FREQUENCY_RULE, FREQUENCY_CITATION)
    if not calls.may_reach(CALLS_PER_WINDOW):
        return None
    held = held_until(seen, calls.placed, CALLS_PER_WINDOW, WINDOW_DAYS)
    if held is None:
        return None
    return refusal(FREQUENCY_RULE, FREQUENCY_REASON, FREQUENCY_CITATION, held[0])


def after_conversation(
    now: datetime, calls: Iterable[PlacedCall], zones: Sequence[str]
) -> Refusal | None:
    """Refused within the 7 days that begin on the day of the last telephone conversation
    about the debt; allowed from the start of the 8th, once it has begun in every zone."""
    return after_conversation_at(local(now, zones), history(now, calls))


def after_conversation_at(seen: Local, calls: History) -> Refusal | None:
    """`after_conversation` on `now` as read in its zones, with the debt's history at `now`."""
    if not seen.zones:
        return no_days(CONVERSATION_RULE, CONVERSATION_CITATION)
    last = calls.last_talk()
    if last is None:
        return None
    # The conversation's day in each zone, read as `now`'s is (and as quickly).
    reopens = _reopens(seen.zones, local(last, seen.zones).days)
    if seen.now >= reopens:
        return None
    return refusal(CONVERSATION_RULE, CONVERSATION_REASON, CONVERSATION_CITATION, reopens)


@lru_cache(maxsize=4096)
def _reopens(zones: tuple[str, ...], talked: tuple[int, ...]) -> datetime:
    """When the quiet days after a conversation on `talked` (each zone's day) have run in
    every zone: the latest start of the 8th day among them."""
    return max(
        clock(name).midnight(day + QUIET_DAYS) for name, day in zip(zones, talked, strict=True)
    )


def no_days(rule: str, citation: str) -> Refusal:
    """The refusal of a rule that counts days when no zone tells what day it is."""
    return refusal(rule, "no time zone to count the consumer's days by", citation, None)


def _midnight(day: date, name: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone_info(name)).astimezone(UTC)
