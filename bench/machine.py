"""What the benchmarks print about the machine they ran on, next to their figures.

This machine's speed moves from hour to hour (another tenant of the host, it seems): the same
work has taken from 1.9 to 3.4 seconds of CPU within half an hour. So each benchmark prints,
besides the load average, the CPU time of a fixed piece of pure Python (`reference`), before
and after its own work. Compare figures taken on different days with the reference beside them:
a slower reference is a slower machine, not slower code."""

from __future__ import annotations

import os
import sys
import time

# Additions the reference loop makes.
REFERENCE_STEPS = 20_000_000


def load() -> str:
    """The load average over 1, 5 and 15 minutes."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def reference() -> str:
    """CPU seconds of a loop of REFERENCE_STEPS additions, the same work every time."""
    started = time.process_time()
    total = 0
    for step in range(REFERENCE_STEPS):
        total += step
    return f"reference loop {time.process_time() - started:.2f} s CPU"


def describe() -> str:
    """One line on the machine: cores, Python, load and the reference loop."""
    return f"{os.cpu_count()} CPU(s); Python {sys.version.split()[0]}; {load()}; {reference()}"
