"""How often a debt may be called (12 CFR 1006.14(b)(2)): at most 7 placed calls within 7
consecutive days about one debt, and none within 7 days after a telephone conversation about
it, the day of the conversation being the first.

Days are the consumer's calendar days. With several zones the consumer may be in, a past call
counts when it falls within the window in any of them, and the days after a conversation run
until they have run in all of them: the reading that calls less."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from opendialer.compliance.refusal import Refusal
from opendialer.compliance.zones import zone_info

CITATION = "12 CFR 1006.14(b)(2)"
FREQUENCY_RULE = "frequency_7_in_7"
CONVERSATION_RULE = "after_conversation"
CALLS_PER_WINDOW = 7
WINDOW_DAYS = 7
QUIET_DAYS = 7


@dataclass(frozen=True, slots=True)
class PlacedCall:
    """A call about the debt that reached the network (one that failed before it rang is not
    one), and whether it was a telephone conversation with the consumer."""

    at: datetime
    conversation: bool = False


def window_start(now: datetime, zones: Sequence[str], days: int) -> datetime:
    """The earliest moment a call counts from, for a window of `days` calendar days ending on
    `now`'s day: the earliest such day's start among the zones."""
    return min(
        _midnight(now.astimezone(zone_info(name)).date() - timedelta(days=days - 1), name)
        for name in zones
    )


def calls_within(
    now: datetime,
    calls: Iterable[PlacedCall],
    zones: Sequence[str],
    *,
    limit: int,
    days: int,
    rule: str,
    reason: str,
    citation: str,
) -> Refusal | None:
    """A refusal when `limit` calls or more were placed within the `days` calendar days ending
    on `now`'s day (so that this one would be one too many), with the first day's start at
    which fewer are counted. `zones` must not be empty (the calling-hours rule refuses when
    no zone is known; this one has nothing to count days by)."""
    if not zones:
        return _no_days(rule, citation)
    placed = sorted(call.at for call in calls if call.at <= now)
    if len(placed) < limit:
        return None
    start = window_start(now, zones, days)
    if sum(1 for moment in placed if moment >= start) < limit:
        return None
    # Days begin at midnight in some zone: the first such moment at which the window holds
    # fewer than `limit` calls is when the next call may be placed. Tried a day at a time.
    today = {name: now.astimezone(zone_info(name)).date() for name in zones}
    for day in range(1, days + 2):
        for moment in sorted(_midnight(today[name] + timedelta(days=day), name) for name in zones):
            start = window_start(moment, zones, days)
            if sum(1 for at in placed if at >= start) < limit:
                return Refusal(rule, reason, citation, moment)
    return Refusal(rule, reason, citation, None)  # unreachable: the window empties


def frequency_7_in_7(
    now: datetime, calls: Iterable[PlacedCall], zones: Sequence[str]
) -> Refusal | None:
    """Refused when 7 calls about the debt were placed within the 7 days ending today."""
    return calls_within(
        now,
        calls,
        zones,
        limit=CALLS_PER_WINDOW,
        days=WINDOW_DAYS,
        rule=FREQUENCY_RULE,
        reason=f"{CALLS_PER_WINDOW} calls about this debt were placed within "
        f"{WINDOW_DAYS} consecutive days",
        citation=f"{CITATION}(i)",
    )


def after_conversation(
    now: datetime, calls: Iterable[PlacedCall], zones: Sequence[str]
) -> Refusal | None:
    """Refused within the 7 days that begin on the day of the last telephone conversation
    about the debt; allowed from the start of the 8th, once it has begun in every zone."""
    citation = f"{CITATION}(ii)"
    if not zones:
        return _no_days(CONVERSATION_RULE, citation)
    talks = [call.at for call in calls if call.conversation and call.at <= now]
    if not talks:
        return None
    last = max(talks)
    reopens = max(
        _midnight(last.astimezone(zone_info(name)).date() + timedelta(days=QUIET_DAYS), name)
        for name in zones
    )
    if now >= reopens:
        return None
    return Refusal(
        CONVERSATION_RULE,
        f"a telephone conversation about this debt took place within the last {QUIET_DAYS} "
        "days (its day counting as the first)",
        citation,
        reopens,
    )


def _no_days(rule: str, citation: str) -> Refusal:
    return Refusal(rule, "no time zone to count the consumer's days by", citation, None)


def _midnight(day: date, name: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone_info(name)).astimezone(UTC)
