"""The scaled clock: processes given the same start, speed and epoch tell the same time, and
waiting on it takes the real time divided by its speed."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from opendialer.engine.clock import ScaledClock
from tests.engine.test_agentless import START


def test_clocks_sharing_an_epoch_agree_and_run_at_their_speed() -> None:
    epoch = time.time() - 10
    one, other = ScaledClock(START, 60, epoch), ScaledClock(START, 60, epoch)
    assert abs(one.now() - other.now()) < timedelta(seconds=1)
    # Ten real seconds since the epoch are ten minutes on a clock sixty times as fast.
    assert timedelta(minutes=10) <= one.now() - START < timedelta(minutes=10, seconds=30)

    before, wall = one.now(), time.perf_counter()
    asyncio.run(one.sleep(3))  # three seconds of the clock: a twentieth of a real second
    assert time.perf_counter() - wall < 1
    assert one.now() - before >= timedelta(seconds=3)


def test_a_scaled_clock_starts_at_an_aware_moment_and_runs_forwards() -> None:
    with pytest.raises(ValueError):
        ScaledClock(START.replace(tzinfo=None), 5)
    with pytest.raises(ValueError):
        ScaledClock(START, 0)
