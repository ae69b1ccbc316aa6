"""How a consumer's flags and inconvenient times are stored, written and read back (pure)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import time
from functools import lru_cache

from opendialer.compliance.rules import Flag, Inconvenient

# The API's names of the weekdays, in the order of `datetime.weekday()` (0 is Monday).
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def encode_flags(flags: Iterable[Flag | str]) -> str | None:
    """The `compliance_flags` column's text: the flags comma-separated in Flag's order (cease,
    attorney, bankruptcy, deceased), whatever order they come in; None when there are none."""
    held = {Flag(flag) for flag in flags}
    return ",".join(flag.value for flag in Flag if flag in held) or None


# Read for every attempt, and the same few values come back: each is read once.
@lru_cache(maxsize=4096)
def decode_flags(text: str | None) -> frozenset[Flag]:
    """The flags a `compliance_flags` value holds; NULL or empty holds none. A word that is no
    flag raises ValueError: a stop the gate cannot read must not pass as no stop."""
    if not text:
        return frozenset()
    return frozenset(Flag(word.strip()) for word in text.split(",") if word.strip())


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def encode_times(ranges: Iterable[Inconvenient]) -> str | None:
    """The `inconvenient_times` column's text: a JSON list of
    `{"days": [0..6, 0 Monday, ascending], "from": "HH:MM", "to": "HH:MM"}` in the order
    given; None when there are none."""
    listed = [
        {"days": sorted(stated.weekdays), "from": _clock(stated.start), "to": _clock(stated.end)}
        for stated in ranges
    ]
    return json.dumps(listed, separators=(",", ":")) if listed else None


@lru_cache(maxsize=4096)
def decode_times(text: str | None) -> tuple[Inconvenient, ...]:
    """The ranges an `inconvenient_times` value holds; NULL or empty holds none. Text that is
    not what encode_times writes raises ValueError."""
    if not text:
        return ()
    try:
        return tuple(
            Inconvenient(
                weekdays=frozenset(_weekday(day) for day in stated["days"]),
                start=time.fromisoformat(stated["from"]),
                end=time.fromisoformat(stated["to"]),
            )
            for stated in json.loads(text)
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a list of inconvenient times: {text!r}") from exc


def _weekday(day: object) -> int:
    if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
        raise ValueError(f"{day!r} is no weekday (0 Monday to 6 Sunday)")
    return day
