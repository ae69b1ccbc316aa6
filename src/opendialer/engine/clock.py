"""The engine's clocks: the real one, a virtual one on which waiting takes no time, so that a
day of dialing is simulated in seconds with the same code, and a faster real one that several
processes can share."""

from __future__ import annotations

import asyncio
import time
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


class ScaledClock:
    """A clock that runs `speed` times as fast as the real one, from `start` at the real
    moment `epoch` (seconds since 1970): engines in several processes given the same three
    share one accelerated day, as they would share a real one."""

    def __init__(self, start: datetime, speed: float, epoch: float | None = None) -> None:
        if start.tzinfo is None or speed <= 0:
            raise ValueError("a scaled clock starts at an aware moment and runs forwards")
        self._start, self._speed = start.astimezone(UTC), speed
        self._epoch = time.time() if epoch is None else epoch

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.time() - self._epoch) * self._speed)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self._speed)


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
