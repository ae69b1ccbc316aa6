"""The engine's speed: one campaign of --contacts contacts dialed through the simulated carrier
on virtual time, with the compliance gate on, by one engine process or several at once.

    .venv/bin/python bench/engine.py [--contacts 100000] [--processes 1] [--seed 3]
        [--speed N] [--database-url postgresql://postgres@127.0.0.1/engine_bench]

Builds a fresh database (a SQLite file in a temporary directory, or the PostgreSQL database
named, whose schema `public` is dropped and made again), loads a tenant and an agentless
campaign (MaxLines 5,000, 1,000 calls a second, 20 s rings) whose contacts live in the four
mainland zones with consent, half of them with a second number, then runs the engines from
Tuesday 2026-12-01 17:00 UTC (12:00 in New York, 09:00 in Los Angeles) until every contact
has had a call. Prints, per process and together: the gate's decisions acted on per second
(the numbers judged of the contacts called or refused, per second of wall time), attempts
recorded per second, CPU per attempt (on PostgreSQL, the server's for the process's
connections too), the time the list took on the engines' clock, and the peak memory.

The engines run on a virtual clock (waiting takes no time) unless `--speed` is given: then on
one clock shared by every process, `--speed` times as fast as the real one, so that several
engines dial one day together (each process's own virtual clock would run on its own). On
SQLite a second process only waits for the lease: run one there.

`--analyze-every SECONDS` (PostgreSQL) analyzes the tables a run fills (contacts, attempts,
history, CDRs) that often while it lasts, as autovacuum would: on a server that runs without
it they keep the statistics of the load (attempts, history and CDRs: none), and the planner
takes them for empty all run long. The figures are then those of a database in use.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, func, select, text
from sqlalchemy.engine import make_url

from opendialer.db.bulk import bulk_insert
from opendialer.db.migrate import upgrade
from opendialer.db.session import Database
from opendialer.dialler.models import Campaign, Contact
from opendialer.engine.carrier import SimulatedCarrier
from opendialer.engine.clock import Clock, ScaledClock, VirtualClock
from opendialer.engine.models import Attempt
from opendialer.engine.service import Engine
from opendialer.tenancy.service import create_servicer, create_tenant

START = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
CONTACTS: Table = Contact.__table__  # type: ignore[assignment]
TENANT = 314
# Area code, ZIP code, state: one place in each mainland zone.
PLACES = [("212", "10001", "NY"), ("312", "60614", "IL"), ("303", "80202", "CO"),
          ("213", "90012", "CA")]  # fmt: skip


def load(database: Database, contacts: int, seed: int) -> int:
    rng = random.Random(seed)
    with database.transaction() as session:
        create_tenant(session, TENANT, "Bench Servicing")
        create_servicer(session, TENANT, 2, "Bench Main")
        # Lines and calls per second beyond what the engines place, so that they, not the
        # campaign's limits, set the pace (one engine comes near 1,000 calls a second).
        campaign = Campaign(tenant_id=TENANT, name="Bench", dialing_mode="agentless",
                            max_lines=50_000, max_calls_per_second=10_000,
                            ring_timeout_seconds=20, dialing_state="running",
                            caller_id="+13125550199")  # fmt: skip
        session.add(campaign)
        session.flush()
        campaign_id = campaign.id
        rows = []
        for n in range(contacts):
            area, zip_code, state = PLACES[n % len(PLACES)]
            first = f"+1{area}{rng.randrange(2000000, 9999999)}"
            second = f"+1{area}{rng.randrange(2000000, 9999999)}" if n % 2 else None
            rows.append({
                "tenant_id": TENANT, "campaign_id": campaign_id, "name": f"Consumer {n}",
                "postal_code": zip_code, "region": state,
                "phone_number1": first, "phone_number1_e164": first, "phone_number1_consent": True,
                "phone_number2": second, "phone_number2_e164": second,
                "phone_number2_consent": second is not None,
            })  # fmt: skip
            if len(rows) == 10_000:
                bulk_insert(session, CONTACTS, _filled(rows))
                rows = []
        if rows:
            bulk_insert(session, CONTACTS, _filled(rows))
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return campaign_id


def _filled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every column the table needs a value for, as an import leaves them."""
    defaults: dict[str, Any] = {f"n_tries_phone_number{n}": 0 for n in range(1, 7)}
    defaults |= {"locked": False, "created_at": START, "updated_at": START}
    return [defaults | row for row in rows]


def engine_process(
    url: str, seed: int, contacts: int, speed: float | None, epoch: float, results: Any
) -> None:
    """One engine, run until every contact has had a call; its figures put in `results`."""
    database = Database.from_url(url)
    backends: list[int] = []
    if database.engine.dialect.name == "postgresql":

        @event.listens_for(database.engine, "connect")
        def remember(connection: Any, _: Any) -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.append(cursor.fetchone()[0])

    clock: Clock = VirtualClock(START) if speed is None else ScaledClock(START, speed, epoch)
    engine = Engine(database, SimulatedCarrier(clock, seed=seed), clock, tick=1.0,
                    name=f"bench-{seed}")  # fmt: skip
    query = select(func.count(func.distinct(Attempt.contact_id)))
    next_count = [START]

    def done() -> bool:
        # Counted every 30 seconds of the engines' clock: the count reads every attempt.
        if clock.now() < next_count[0]:
            return False
        next_count[0] = clock.now() + timedelta(seconds=30)
        with database.transaction(write=False) as session:
            return int(session.execute(query).scalar_one()) >= contacts

    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(engine.run(done))
    results.put({
        "seed": seed, "wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
        "server": sum(_cpu_seconds(pid) for pid in backends),
        "placed": engine.placed, "judged": engine.judged,
        "virtual": (clock.now() - START).total_seconds(),
        "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    })  # fmt: skip
    database.engine.dispose()


def _cpu_seconds(pid: int) -> float:
    """The CPU time a process of this machine has used (a PostgreSQL backend: the server's
    work for one connection); 0 when it is gone or elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _analyze(url: str, every: float, finished: threading.Event) -> None:
    """ANALYZE the tables the run fills every `every` seconds until it has finished."""
    database = Database.from_url(url)
    while not finished.wait(every):
        with database.engine.begin() as connection:
            connection.execute(text("ANALYZE dialler_contacts, engine_attempts, "
                                    "dialler_contacts_history, call_detail_records"))  # fmt: skip
    database.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--speed", type=float, help="a shared clock this many times as fast")
    parser.add_argument("--analyze-every", type=float, help="PostgreSQL: ANALYZE this often (s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opendialer-engine-") as workdir:
        url = args.database_url or f"sqlite:///{Path(workdir) / 'engine.db'}"
        if make_url(url).get_backend_name() == "postgresql":
            parsed = make_url(url)
            subprocess.run(["createdb", "-h", parsed.host or "127.0.0.1", "-U",
                            parsed.username or "postgres", parsed.database or ""],
                           capture_output=True)  # fmt: skip
            reset = Database.from_url(url)
            with reset.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            reset.engine.dispose()
        database = Database.from_url(url)
        upgrade(database.engine)
        loading = time.perf_counter()
        load(database, args.contacts, args.seed)
        print(f"database: {make_url(url).get_backend_name()}; {args.contacts:,} contacts loaded "
              f"in {time.perf_counter() - loading:.1f} s", flush=True)  # fmt: skip
        database.engine.dispose()
        results: Any = multiprocessing.get_context("spawn").Queue()
        epoch = time.time()
        workers = [
            multiprocessing.get_context("spawn").Process(
                target=engine_process,
                args=(url, args.seed + n, args.contacts, args.speed, epoch, results),
            )
            for n in range(args.processes)
        ]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        finished = threading.Event()
        if args.analyze_every and make_url(url).get_backend_name() == "postgresql":
            threading.Thread(target=_analyze, args=(url, args.analyze_every, finished)).start()
        figures = [results.get() for _ in workers]
        finished.set()
        for worker in workers:
            worker.join()
        wall = time.perf_counter() - started
        for each in sorted(figures, key=lambda f: f["seed"]):
            print(f"engine {each['seed']}: {each['judged'] / each['wall']:,.0f} decisions/s, "
                  f"{each['placed'] / each['wall']:,.0f} attempts recorded/s "
                  f"({each['placed']:,} in {each['wall']:.1f} s), "
                  f"{each['cpu'] / max(1, each['placed']) * 1000:.2f} ms of CPU per attempt "
                  f"(and {each['server'] / max(1, each['placed']) * 1000:.2f} ms of the "
                  f"server's), the list worked through in {each['virtual'] / 3600:.2f} hours "
                  f"of the engines' clock, "
                  f"peak {each['peak']:,.0f} MiB")  # fmt: skip
        placed = sum(f["placed"] for f in figures)
        judged = sum(f["judged"] for f in figures)
        print(f"together: {judged / wall:,.0f} decisions/s, {placed / wall:,.0f} attempts/s "
              f"({placed:,} attempts in {wall:.1f} s)")  # fmt: skip
    sys.exit(0 if placed >= args.contacts else 1)


if __name__ == "__main__":
    main()
