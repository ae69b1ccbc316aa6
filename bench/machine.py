"""What the benchmarks print about the machine they ran on, next to their figures.

This machine's speed moves from hour to hour (other work on the same host, it seems): the same
import has taken 40 s one evening and 76 s the next morning, and PostgreSQL's own share of a
build doubled with it. So each benchmark prints, before and after its own work, the load
average and three reference figures, each the same work every time:

- `loop`: CPU seconds of 20 million additions in pure Python (the interpreter's speed);
- `btree`: seconds to insert 300,000 rows under an index keyed by random values into an
  in-memory SQLite database (memory-bound work, like a database's);
- `sync`: seconds to write 3,000 random 4 KiB pages of a file and fdatasync it (the disk, as
  a database's commit or checkpoint uses it).

Compare figures taken at different times with the references beside them: slower references
are a slower machine, not slower code."""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import tempfile
import time


def load() -> str:
    """The load average over 1, 5 and 15 minutes."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def _loop() -> float:
    started = time.process_time()
    total = 0
    for step in range(20_000_000):
        total += step
    return time.process_time() - started


def _btree() -> float:
    database = sqlite3.connect(":memory:")
    database.execute("CREATE TABLE t (k TEXT, v TEXT)")
    database.execute("CREATE INDEX t_k ON t (k)")
    rng = random.Random(7)
    rows = [(f"{rng.getrandbits(128):032x}", "x" * 40) for _ in range(300_000)]
    started = time.perf_counter()
    database.executemany("INSERT INTO t VALUES (?, ?)", rows)
    database.commit()
    elapsed = time.perf_counter() - started
    database.close()
    return elapsed


def _sync(directory: str | None) -> float:
    page, rng = os.urandom(4096), random.Random(7)
    with tempfile.TemporaryFile(dir=directory) as file:
        descriptor = file.fileno()
        os.ftruncate(descriptor, 16384 * 4096)
        os.fsync(descriptor)
        started = time.perf_counter()
        for number in rng.sample(range(16384), 3000):
            os.pwrite(descriptor, page, number * 4096)
        os.fdatasync(descriptor)
        return time.perf_counter() - started


def reference(directory: str | None = None) -> str:
    """The three reference figures; `sync` on a file in `directory` (default: the temporary
    directory, where the SQLite benchmarks keep their databases)."""
    return f"reference: loop {_loop():.2f} s, btree {_btree():.2f} s, sync {_sync(directory):.3f} s"


def describe() -> str:
    """One line on the machine: cores, Python, load and the reference figures."""
    return f"{os.cpu_count()} CPU(s); Python {sys.version.split()[0]}; {load()}; {reference()}"
