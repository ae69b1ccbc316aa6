"""Failed credential checks, counted per client id and per source address, so that guessing
secrets is stopped after a few tries (429 with Retry-After) instead of going on for ever.

Counts live in the process's memory: no failed attempt writes to the database. With several
worker processes each counts the attempts it saw.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# Keys remembered at most; past it the oldest are forgotten first. A key costs about 200 bytes.
MAX_KEYS = 100_000


@dataclass
class _Tries:
    failures: deque[float] = field(default_factory=deque)
    pending: int = 0


class FailedAttempts:
    """At most `limit` failed attempts per key within any `window_seconds`. An attempt counts
    from when it starts (so that a burst sent at once is stopped too) until it succeeds, or
    for the window after it failed."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.clock = clock
        self._tries: dict[str, _Tries] = {}

    def refused_for(self, keys: Iterable[str]) -> int | None:
        """Seconds to wait before another attempt for `keys` may start, or None if one may."""
        now = self.clock()
        waits = []
        for key in keys:
            tries = self._tries.get(key)
            if tries is None:
                continue
            self._expire(tries, now)
            if len(tries.failures) + tries.pending >= self.limit:
                oldest = tries.failures[0] if tries.failures else now
                waits.append(oldest + self.window_seconds - now)
        return math.ceil(max(waits)) if waits else None

    def start(self, keys: Iterable[str]) -> None:
        for key in keys:
            tries = self._tries.pop(key, None) or _Tries()
            tries.pending += 1
            self._tries[key] = tries  # most recently used last
        if len(self._tries) > MAX_KEYS:
            self._forget()

    def end(self, keys: Iterable[str], *, failed: bool) -> None:
        now = self.clock()
        for key in keys:
            tries = self._tries.get(key)
            if tries is None:
                continue
            tries.pending = max(0, tries.pending - 1)
            if failed:
                tries.failures.append(now)
            elif not tries.failures and not tries.pending:
                del self._tries[key]

    def _expire(self, tries: _Tries, now: float) -> None:
        while tries.failures and tries.failures[0] <= now - self.window_seconds:
            tries.failures.popleft()

    def _forget(self) -> None:
        now = self.clock()
        for key in list(self._tries):
            tries = self._tries[key]
            self._expire(tries, now)
            if not tries.failures and not tries.pending:
                del self._tries[key]
        while len(self._tries) > MAX_KEYS:
            del self._tries[next(iter(self._tries))]
