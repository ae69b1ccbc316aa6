"""The engine's clocks: the real one, and a virtual one on which waiting takes no time, so
that a day of dialing is simulated in seconds with the same code."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment (aware, UTC)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` on this clock."""
        ...


class RealClock:
    """The real clock; or, given a `start`, one that runs at the real pace from that moment
    (to dial as if it were another time of day, in a demo or a test)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0) if start is None else start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class VirtualClock:
    """A clock that moves only when waited on: `sleep` moves it on at once."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a virtual clock starts at an aware moment")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    async def sleep(self, seconds: float) -> None:
        self._now += timedelta(seconds=max(0.0, seconds))
        await asyncio.sleep(0)  # others may run, as on the real clock

    def advance_to(self, moment: datetime) -> None:
        """Move the clock on to `moment` (never back)."""
        self._now = max(self._now, moment)
