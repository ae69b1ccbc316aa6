"""Streams a busy tenant's call report from a running `opendialer serve`: time to first byte,
rows per second as JSON and as CSV, and the server's peak memory for a short and a long range.

Run from the repository root:

    .venv/bin/python bench/call_reports.py [--records 5000000] [--tenants 100]
        [--database-url postgresql://postgres@127.0.0.1/opendialer_bench_cdr]

Without --database-url a fresh SQLite database is made in a temporary directory and removed
afterwards; a SQLite URL names a file to fill and leave in place; with a PostgreSQL URL the
script creates that database with createdb beforehand and drops it afterwards. --keep leaves
the temporary file or the PostgreSQL database in place, and --reuse measures a database an
earlier run left instead of filling it.
The records are written straight into the database with the bulk insert the loader uses, a
day at a time across the year 2026 and every tenant, in the order of their times. One busy
tenant has --busy records in October 2026 (America/Chicago); the others share the rest over
the whole year. Each measurement starts a fresh server, so that its peak resident memory
(VmHWM) belongs to that one report.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import orjson
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from machine import describe, load, reference

BIN = Path(sys.executable).parent
OPENDIALER = str(BIN / "opendialer")
KEY = "bench-signing-key-not-for-production-use-0123456789"
FIRST_TENANT = 1001  # the busy one
ZONE = ZoneInfo("America/Chicago")
YEAR_START = datetime(2026, 1, 1, tzinfo=ZONE)
WINDOW_START = datetime(2026, 10, 1, tzinfo=ZONE)
WINDOW_DAYS = 31
BATCH = 20_000
TARGET_ROWS_PER_SECOND = 50_000

CITIES = [("CHICAGO", "IL", "312", "358"), ("HOUSTON", "TX", "713", "560"),
          ("DENVER", "CO", "303", "656"), ("SEATTLE", "WA", "206", "674"),
          ("BOSTON", "MA", "617", "128"), ("MIAMI", "FL", "305", "460")]  # fmt: skip
NAMES = ["SMITH JOHN", "GARCIA MARIA", "NGUYEN WEI", "JOHNSON LINDA", "PATEL PRIYA", None]
OUTCOMES = ["PROMISE TO PAY", "LEFT MESSAGE", "NO CONTACT", "WRONG NUMBER", "PAID", None]
DISPOSITIONS = ["ANSWERED"] * 6 + ["NO ANSWER"] * 3 + ["BUSY", "FAILED"]


def record(rng: random.Random, tenant: int, seq: int, moment: datetime) -> dict[str, Any]:
    """One call leg with the columns CallReports.load stores, filled as a carrier fills them."""
    city, state, area, lata = rng.choice(CITIES)
    disposition = rng.choice(DISPOSITIONS)
    answered = disposition == "ANSWERED"
    duration = rng.randint(20, 900) if answered else rng.randint(0, 45)
    outbound = rng.random() < 0.8
    number = f"+1{area}{rng.randint(2000000, 9999999)}"
    ours = f"+1312555{tenant % 10000:04d}"
    unique = f"{1_767_000_000 + seq // 7}.{seq}"
    return {
        "id": str(uuid.uuid4()),
        "time": moment,
        "caller_id_number": ours if outbound else number,
        "caller_id_name": rng.choice(NAMES),
        "dialed_num": number if outbound else ours,
        "direction": "OUT" if outbound else "IN",
        "disposition": disposition,
        "duration": duration,
        "percent_jitter": round(rng.uniform(0, 2), 1) if answered else None,
        "packet_loss": rng.choice([0.0, 0.0, 0.0, 0.5, 1.2]) if answered else None,
        "qos": round(rng.uniform(3.5, 4.5), 1) if answered else None,
        "unique_id": unique,
        "prev_unique_id": "",
        "next_unique_id": "",
        "who_answered": f"PJSIP/agent-{rng.randint(1, 60):04d}" if answered else "",
        "recorded": 1 if answered else 0,
        "queue_call": 0 if outbound else 1,
        "ocn": f"{rng.randint(1000, 9999)}",
        "ani": number,
        "lata": lata,
        "city": city,
        "rate_center": city,
        "state": state,
        "jurisdiction": rng.choice(["INTERSTATE", "INTRASTATE", "LOCAL"]),
        "local": rng.randint(0, 1),
        "lec": "BENCH TELEPHONE CO",
        "lec_type": rng.choice(["ILEC", "CLEC", "WIRELESS"]),
        "spid": f"{rng.randint(1000, 9999)}",
        "is_toll_free": 0,
        "is_international": 0,
        "presented": 1 if answered else 0,
        "mos": round(rng.uniform(3.8, 4.4), 1) if answered else None,
        "call_outcome": rng.choice(OUTCOMES),
        "after_answer_duration": max(0, duration - 8) if answered else 0,
        "outgoing_cid_num": ours if outbound else None,
        "billing_id": f"BILL-{tenant}",
        "partner_id": None,
        "geolocation": None,
        "tenant_id": tenant,
        "created_at": moment + timedelta(minutes=5),
    }


def generate(url: str, records: int, tenants: int, busy: int) -> None:
    """`records` CDRs of `tenants` tenants, FIRST_TENANT with `busy` of them in the window."""
    import opendialer.db.models  # noqa: F401  (the whole schema)
    from opendialer.callreports.repository import CDRS
    from opendialer.db.bulk import bulk_insert
    from opendialer.db.migrate import upgrade
    from opendialer.db.session import Database
    from opendialer.tenancy.service import create_tenant

    database = Database.from_url(url)
    upgrade(database.engine)
    with database.transaction() as session:
        for tenant in range(FIRST_TENANT, FIRST_TENANT + tenants):
            create_tenant(session, tenant, f"Bench Account {tenant}")
    rng = random.Random(2026)
    others = records - busy
    days = 365
    window_day = (WINDOW_START.date() - YEAR_START.date()).days
    per_day = others / (tenants - 1) / days
    seq = 0
    written = 0
    start = time.perf_counter()
    pending: list[dict[str, Any]] = []
    owed = [0.0] * tenants
    for day in range(days):
        midnight = datetime.combine(YEAR_START.date() + timedelta(days=day), datetime.min.time())
        midnight_utc = midnight.replace(tzinfo=ZONE).astimezone(UTC)
        moments: list[tuple[float, int]] = []
        for index in range(tenants):
            if index == 0:
                share = busy / WINDOW_DAYS if window_day <= day < window_day + WINDOW_DAYS else 0
            else:
                share = per_day
            owed[index] += share
            count = int(owed[index])
            owed[index] -= count
            moments += [(rng.uniform(0, 86400), FIRST_TENANT + index) for _ in range(count)]
        moments.sort()
        for seconds, tenant in moments:
            seq += 1
            moment = midnight_utc + timedelta(seconds=round(seconds))
            pending.append(record(rng, tenant, seq, moment))
        if len(pending) >= BATCH or day == days - 1:
            with database.transaction() as session:
                bulk_insert(session, CDRS, pending)
            written += len(pending)
            pending = []
            print(f"\r  {written:,} records", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    elapsed = time.perf_counter() - start
    print(f"loaded {written:,} records in {elapsed:.0f} s ({written / elapsed:,.0f}/s)")
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE call_detail_records")
    database.engine.dispose()


def records_between(url: str, tenant: int, start: datetime, end: datetime) -> int:
    import opendialer.db.models  # noqa: F401
    from opendialer.callreports.repository import CDRS
    from opendialer.db.session import Database

    database = Database.from_url(url)
    with database.transaction(write=False) as session:
        count = session.scalar(
            select(func.count()).where(
                CDRS.c.tenant_id == tenant, CDRS.c.time >= start, CDRS.c.time <= end
            )
        )
    database.engine.dispose()
    return int(count or 0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def memory(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of a process, in MiB."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Report:
    label: str
    records: int
    ttfb: float
    seconds: float
    cpu: float
    megabytes: float
    rss_before: float
    hwm_after: float

    def line(self) -> str:
        rate = self.records / self.seconds
        verdict = "met" if rate >= TARGET_ROWS_PER_SECOND else "MISSED"
        return (
            f"{self.label:<5} {self.records:>7} rows  TTFB {self.ttfb * 1000:6.0f} ms  "
            f"{self.seconds:6.2f} s  {rate:8,.0f} rows/s ({verdict})  "
            f"server CPU {self.cpu:5.2f} s  {self.megabytes:6.1f} MB  "
            f"server RSS before {self.rss_before:5.0f} MiB, peak {self.hwm_after:5.0f} MiB "
            f"(+{self.hwm_after - self.rss_before:.0f})  [{load()}]"
        )


def measure(
    env: dict[str, str], token: str, label: str, start: datetime, end: datetime, expected: int
) -> Report:
    port = free_port()
    server = subprocess.Popen(
        [OPENDIALER, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**env, "OPENDIALER_DAILY_CALL_LIST": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    headers = {"Authorization": f"Bearer {token}"}
    wall = "%Y-%m-%d %H:%M:%S"

    def params(begin: datetime, finish: datetime) -> dict[str, str]:
        return {
            "tenantId": str(FIRST_TENANT),
            "start": begin.astimezone(ZONE).strftime(wall),
            "end": finish.astimezone(ZONE).strftime(wall),
            "timezone": "America/Chicago",
            "format": label.lower(),
        }

    try:
        with httpx2.Client(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=600
        ) as client:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    sys.exit(f"opendialer serve exited with {server.returncode}")
                try:
                    client.get("/openapi.json")
                    break
                except httpx2.TransportError:
                    if time.monotonic() > deadline:
                        sys.exit("opendialer serve did not answer within a minute")
                    time.sleep(0.2)
            # A one-minute report first, so that the code the report runs is loaded.
            warm = client.get("/call-reports", params=params(start, start + timedelta(minutes=1)))
            warm.raise_for_status()
            rss_before, _ = memory(server.pid)
            cpu_before = cpu_seconds(server.pid)
            chunks: list[bytes] = []
            began = time.perf_counter()
            first = 0.0
            with client.stream("GET", "/call-reports", params=params(start, end)) as response:
                response.raise_for_status()
                for chunk in response.iter_raw():
                    if not first:
                        first = time.perf_counter() - began
                    chunks.append(chunk)
            seconds = time.perf_counter() - began
            cpu = cpu_seconds(server.pid) - cpu_before
            _, hwm_after = memory(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    body = b"".join(chunks)
    rows = len(orjson.loads(body)) if label == "JSON" else body.count(b"\r\n") - 1
    if rows != expected:
        sys.exit(f"{label}: {rows} rows streamed, {expected} expected")
    return Report(label, rows, first, seconds, cpu, len(body) / 1e6, rss_before, hwm_after)


def bench(url: str, args: argparse.Namespace) -> None:
    env = {
        **os.environ,
        "OPENDIALER_DATABASE_URL": url,
        "OPENDIALER_SECRET_KEY": KEY,
        "OPENDIALER_LOG_LEVEL": "warning",
    }
    if not args.reuse:
        generate(url, args.records, args.tenants, args.busy)
    done = subprocess.run(
        [OPENDIALER, "token", "issue", "--tenant", str(FIRST_TENANT), "--role", "reports_admin",
         "--ttl", "7200"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    token = done.stdout.strip()
    # About a tenth of the window, then the whole of it (one second short of 31 days).
    short_end = WINDOW_START + timedelta(days=WINDOW_DAYS * args.short_share)
    long_end = WINDOW_START + timedelta(days=WINDOW_DAYS) - timedelta(seconds=1)
    for name, end in (("short", short_end), ("long", long_end)):
        expected = records_between(
            url, FIRST_TENANT, WINDOW_START.astimezone(UTC), end.astimezone(UTC)
        )
        print(
            f"{name} range {WINDOW_START:%Y-%m-%d %H:%M:%S} .. {end:%Y-%m-%d %H:%M:%S} "
            f"America/Chicago: {expected} records",
            flush=True,
        )
        for label in ("JSON", "CSV"):
            for _ in range(args.repeat):
                report = measure(env, token, label, WINDOW_START, end, expected)
                print("  " + report.line(), flush=True)


def postgres_options(url: str) -> tuple[list[str], str]:
    parsed = make_url(url)
    options = ["-h", parsed.host or "127.0.0.1", "-U", parsed.username or "postgres"]
    if parsed.port:
        options += ["-p", str(parsed.port)]
    if not parsed.database:
        sys.exit("--database-url needs a database name")
    return options, parsed.database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--busy", type=int, default=100_000, help="the busy tenant's records")
    parser.add_argument("--short-share", type=float, default=0.1, help="the short range's share")
    parser.add_argument("--repeat", type=int, default=1, help="measurements of each report")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", action="store_true", help="measure a kept database")
    args = parser.parse_args()
    if args.reuse and not args.database_url:
        sys.exit("--reuse needs --database-url")
    print(describe(), flush=True)

    url = args.database_url
    if url is None:
        workdir = Path(tempfile.mkdtemp(prefix="opendialer-bench-cdr-"))
        url = f"sqlite:///{workdir / 'bench.db'}"
        try:
            bench(url, args)
        finally:
            if args.keep:
                print(f"kept {url}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        return
    if make_url(url).get_backend_name() == "sqlite":
        bench(url, args)  # a file the caller named is theirs to keep or remove
        return
    options, name = postgres_options(url)
    if not args.reuse:
        subprocess.run(["dropdb", *options, "--if-exists", name], check=True)
        subprocess.run(["createdb", *options, name], check=True)
    try:
        bench(url, args)
    finally:
        if not args.keep:
            subprocess.run(["dropdb", *options, "--if-exists", name], check=True)


if __name__ == "__main__":
    main()
    print(f"after the runs: {load()}; {reference()}")
