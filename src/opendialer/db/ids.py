"""Row ids: time-ordered UUIDs (version 7, RFC 9562).

Every id made here sorts, as text, after every id made before it by this process: 48 bits of
Unix time in milliseconds, then a 30-bit counter (started at a random value each millisecond,
carried on when a batch or a busy millisecond runs past it), then 44 random bits. Rows created
together are therefore stored side by side in their primary key's index and in every index on
a column holding these ids, instead of on random pages all over each index: a bulk load of a
million rows touches each index page about once. The ids still cannot be guessed (the random
bits), and they tell when their row was made, to the millisecond, which the rows' own
`createdDate` says anyway."""

from __future__ import annotations

import os
import threading
import time

_COUNTER_BITS = 30
_COUNTER = (1 << _COUNTER_BITS) - 1
# The next free (milliseconds << _COUNTER_BITS | counter) value of this process.
_next = 0
_lock = threading.Lock()


def _claim(count: int) -> int:
    """The first of `count` consecutive (time, counter) values, none handed out before."""
    global _next
    now = time.time_ns() // 1_000_000 << _COUNTER_BITS
    # A new millisecond's counter starts in the lower half of its range, leaving the upper
    # half for the rest of that millisecond's ids.
    start = now | int.from_bytes(os.urandom(4)) & _COUNTER >> 1
    with _lock:
        first = max(start, _next)
        _next = first + count
    return first


def _head(value: int) -> str:
    """An id's first four groups for a (time, counter) value, and the dash after them; the
    fifth group starts with the counter's last four bits."""
    ms, counter = value >> _COUNTER_BITS, value & _COUNTER
    # version 7 | 12 counter bits; variant 10 | 14 counter bits.
    return (
        f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-{0x7000 | counter >> 18:04x}-"
        f"{0x8000 | (counter >> 4) & 0x3FFF:04x}-"
    )


def new_ids(count: int) -> list[str]:
    """`count` new ids, in increasing order."""
    first = _claim(count)
    noise = os.urandom(6 * count).hex()
    ids: list[str] = []
    value, end, offset = first, first + count, 0
    while value < end:
        # Values that differ only in their last four bits share the first four groups: they
        # are formatted once for up to sixteen ids (a million ids are made in a bulk load).
        head = _head(value)
        run_end = min(end, (value | 0xF) + 1)
        for each in range(value, run_end):
            ids.append(f"{head}{each & 0xF:x}{noise[offset : offset + 11]}")
            offset += 12
        value = run_end
    return ids


def new_id() -> str:
    """One new id."""
    return new_ids(1)[0]


def id_series() -> str:
    """The first 24 characters of a run of ids that the caller completes with 12 hex digits
    of its own (a number it counts up, which SQL can write): the call-list build numbers its
    entries so. No id made by this module starts with them, and they sort after every id made
    before."""
    # Sixteen values whose only difference is the last four bits: the whole fifth group is
    # the caller's.
    first = (_claim(31) + 15) & ~15
    return _head(first)
