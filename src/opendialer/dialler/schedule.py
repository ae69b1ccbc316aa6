"""A campaign's callable hours: the weekdays and times, on the campaign's clock, at which the
engine may dial it. They narrow the compliance gate's calling hours and never widen them.

Written as clauses separated by `;`, each a weekday or a range of weekdays, then one or more
time ranges: `Mon-Fri 09:00-12:00 13:00-20:00; Sat 10:00-14:00`. A weekday no clause names is
not dialed at all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from opendialer.errors import Invalid

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAYS = re.compile(r"^([a-z]{3})(?:-([a-z]{3}))?$")
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
FORMAT = "e.g. 'Mon-Fri 09:00-12:00 13:00-20:00; Sat 10:00-14:00'"


@dataclass(frozen=True, slots=True)
class CallableHours:
    """Per weekday (0 Monday .. 6 Sunday), the minute ranges of the day [start, end)."""

    days: tuple[tuple[tuple[int, int], ...], ...]

    def allows(self, local: datetime) -> bool:
        """Whether a moment, read on the campaign's clock, falls within the hours."""
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.days[local.weekday()])


def parse_hours(text: str, field: str = "CallableHours") -> CallableHours:
    """The hours a campaign's `CallableHours` text names; Invalid, naming the problem, when it
    cannot be read."""
    days: list[list[tuple[int, int]]] = [[] for _ in WEEKDAYS]
    clauses = [clause.strip() for clause in text.split(";")]
    if not any(clauses):
        raise Invalid(f"{field} names no weekday and time range ({FORMAT})")
    for clause in clauses:
        if not clause:
            continue
        words = clause.lower().split()
        weekdays = _weekdays(words[0], clause, field)
        if len(words) < 2:
            raise Invalid(f"{field} clause {clause!r} has no time range ({FORMAT})")
        spans = [_span(word, clause, field) for word in words[1:]]
        for day in weekdays:
            days[day].extend(spans)
    return CallableHours(tuple(tuple(sorted(spans)) for spans in days))


def _weekdays(word: str, clause: str, field: str) -> list[int]:
    match = _DAYS.match(word)
    if match is None or any(d and d not in WEEKDAYS for d in match.groups()):
        raise Invalid(
            f"{field} clause {clause!r} does not start with a weekday or a range of weekdays "
            f"(Mon, Tue, Wed, Thu, Fri, Sat, Sun; {FORMAT})"
        )
    first = WEEKDAYS.index(match.group(1))
    last = WEEKDAYS.index(match.group(2) or match.group(1))
    if last < first:
        raise Invalid(f"{field} clause {clause!r} names its weekdays backwards")
    return list(range(first, last + 1))


def _span(word: str, clause: str, field: str) -> tuple[int, int]:
    match = _SPAN.match(word)
    if match is None:
        raise Invalid(f"{field} clause {clause!r}: {word!r} is not a time range HH:MM-HH:MM")
    start_hour, start_minute, end_hour, end_minute = (int(part) for part in match.groups())
    start, end = start_hour * 60 + start_minute, end_hour * 60 + end_minute
    if start_hour > 23 or end_hour > 24 or start_minute > 59 or end_minute > 59 or end > 1440:
        raise Invalid(f"{field} clause {clause!r}: {word!r} is not a time of day")
    if end <= start:
        raise Invalid(f"{field} clause {clause!r}: {word!r} ends before it starts")
    return start, end
