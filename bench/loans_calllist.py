"""Times `opendialer import loans` and `opendialer calllist build` on a generated loan feed, then
the latency of GET /dialer/calls at the first page and at a deep page of a running server.

Run from the repository root:

    .venv/bin/python bench/loans_calllist.py [--rows 1000000]
        [--database-url postgresql://postgres@127.0.0.1/opendialer_bench_loans]

The feed is written by bench/loan_feed.py (as of 2020-08-03). Without --database-url a fresh
SQLite database is made in a temporary directory; with a PostgreSQL URL the script creates that
database with createdb beforehand and drops it afterwards. The tenant, the servicer and five
buckets (10-29, 30-59, 60-74, 75-119 and 120-179 days) are made with the CLI, the import and
the build run as the CLI commands, then `opendialer serve` answers --requests GETs of each page
(for at most --budget seconds each) over one keep-alive connection and is stopped. Between the
import and the build, a --tracked share of the loans gets one to three tracked calls in the
days before the list's date (written straight into the database), so that the build's attempt
and contact caps and the pages' live counts have calls to count.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy.engine import make_url

from loan_feed import write_feed
from machine import describe, load, reference

BIN = Path(sys.executable).parent
OPENDIALER = str(BIN / "opendialer")
TENANT, SERVICER = 910, 1
AS_OF = date(2020, 8, 3)
BUCKETS = [("DD-010", "10-29"), ("DD-030", "30-59"), ("DD-060", "60-74"),
           ("DD-075", "75-119"), ("DD-120", "120-179")]  # fmt: skip
KEY = "bench-signing-key-not-for-production-use-0123456789"
IMPORT_TARGET = 20_000  # loans/s
BUILD_TARGET = 30.0  # seconds
DEEP_OFFSET = 900_000


def run(args: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """stdout, wall seconds and CPU seconds of a CLI command; exits if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return done.stdout, seconds, cpu


def prepare(env: dict[str, str]) -> None:
    run([OPENDIALER, "db", "upgrade"], env)
    run([OPENDIALER, "tenant", "create", str(TENANT), "--name", "Bench Loans"], env)
    run([OPENDIALER, "servicer", "create", str(TENANT), str(SERVICER), "--name", "Main"], env)
    for code, days in BUCKETS:
        run(
            [OPENDIALER, "bucket", "create", "--tenant", str(TENANT), "--servicer",
             str(SERVICER), "--call-code", code, "--days", days, "--attempts", "4",
             "--contacts", "1"],
            env,
        )  # fmt: skip


def import_loans(label: str, feed: Path, rows: int, env: dict[str, str]) -> None:
    args = [OPENDIALER, "import", "loans", str(feed), "--tenant", str(TENANT),
            "--servicer", str(SERVICER)]  # fmt: skip
    out, seconds, cpu = run(args, env)
    counts = re.search(r"created: \d+, updated: \d+, unchanged: \d+, rejected: \d+", out)
    rate = rows / seconds
    verdict = "met" if rate >= IMPORT_TARGET else "MISSED"
    print(
        f"{label}: {rows} rows in {seconds:.1f} s = {rate:,.0f} loans/s, CPU {cpu:.1f} s "
        f"({counts.group(0) if counts else out.strip()}) [{load()}] "
        f"target >= {IMPORT_TARGET:,} loans/s {verdict}",
        flush=True,
    )


def track_calls(url: str, share: float) -> None:
    """One to three tracked calls, most of them attempts, for `share` of the loans."""
    import opendialer.db.models  # noqa: F401  (the whole schema)
    from opendialer.calltracking.models import TrackedCall
    from opendialer.db.bulk import bulk_insert
    from opendialer.db.ids import new_ids
    from opendialer.db.session import Database
    from opendialer.loans.models import Loan

    start = time.perf_counter()
    rng = random.Random(11)
    database = Database.from_url(url)
    table: Any = TrackedCall.__table__
    listed = datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC)
    now = datetime.now(UTC)
    count = 0
    with database.transaction() as session:
        loans = session.execute(
            Loan.__table__.select()
            .with_only_columns(Loan.id, Loan.borrower_id)
            .where(Loan.tenant_id == TENANT)
            .order_by(Loan.external_reference_id)
        ).all()
        rows: list[dict[str, Any]] = []
        for loan_id, borrower_id in loans:
            if rng.random() >= share:
                continue
            for _ in range(rng.randint(1, 3)):
                rows.append(
                    {
                        "tenant_id": TENANT,
                        "servicer_id": SERVICER,
                        "loan_id": loan_id,
                        "borrower_id": borrower_id,
                        "phone_number": "+13035550100",
                        "phone_e164": "+13035550100",
                        "call_status": "Contacted" if rng.random() < 0.2 else "Attempted",
                        "call_timestamp": listed - timedelta(minutes=rng.randint(60, 5 * 1440)),
                        "created_by": "bench",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        for row, row_id in zip(rows, new_ids(len(rows)), strict=True):
            row["id"] = row_id
        for begin in range(0, len(rows), 50_000):
            bulk_insert(session, table, rows[begin : begin + 50_000])
        count = len(rows)
    if database.engine.dialect.name == "postgresql":
        # Calls arrive over days through the API, and autovacuum keeps their statistics.
        with database.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE tracked_calls")
    database.engine.dispose()
    print(
        f"tracked calls: {count} for {share:.0%} of the loans, written in "
        f"{time.perf_counter() - start:.1f} s",
        flush=True,
    )


def build(env: dict[str, str]) -> int:
    args = [OPENDIALER, "calllist", "build", "--tenant", str(TENANT), "--as-of",
            AS_OF.isoformat()]  # fmt: skip
    out, seconds, cpu = run(args, env)
    found = re.search(r"(\d+) calls", out)
    entries = int(found.group(1)) if found else 0
    verdict = "met" if seconds < BUILD_TARGET else "MISSED"
    print(
        f"calllist build: {entries} calls in {seconds:.1f} s, CPU {cpu:.1f} s [{load()}] "
        f"target < {BUILD_TARGET:.0f} s {verdict}",
        flush=True,
    )
    return entries


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(client: httpx2.Client, server: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"opendialer serve exited with {server.returncode}")
        try:
            client.get("/openapi.json")
            return
        except httpx2.TransportError:
            time.sleep(0.2)
    sys.exit("opendialer serve did not answer within the deadline")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def latency(
    client: httpx2.Client, offset: int, limit: int, requests: int, budget: float
) -> tuple[float, float, int]:
    """p50 and p99 in ms of up to `requests` GETs of one page, and how many were made: the
    GETs stop once `budget` seconds have gone by."""
    params = {"createddate": AS_OF.isoformat(), "offset": offset, "limit": limit}
    for _ in range(10):
        client.get("/dialer/calls", params=params).raise_for_status()
    times: list[float] = []
    deadline = time.monotonic() + budget
    while len(times) < requests and time.monotonic() < deadline:
        start = time.perf_counter()
        response = client.get("/dialer/calls", params=params)
        times.append(time.perf_counter() - start)
        response.raise_for_status()
        if len(response.json()["data"]) != limit:
            sys.exit(f"offset {offset}: {len(response.json()['data'])} calls, {limit} expected")
    return percentile(times, 0.5) * 1000, percentile(times, 0.99) * 1000, len(times)


def serve_and_measure(env: dict[str, str], entries: int, args: argparse.Namespace) -> None:
    limit = args.limit
    token, _, _ = run(
        [OPENDIALER, "token", "issue", "--tenant", str(TENANT), "--servicer", str(SERVICER),
         "--role", "account_admin", "--ttl", "3600"],
        env,
    )  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [OPENDIALER, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**env, "OPENDIALER_DAILY_CALL_LIST": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    headers = {"Authorization": f"Bearer {token.strip()}", "servicerid": str(SERVICER)}
    try:
        with httpx2.Client(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60
        ) as client:
            wait_ready(client, server, time.monotonic() + 60)
            # The feed lists fewer loans than DEEP_OFFSET when it has fewer rows; the deep page
            # is then the last full one.
            deep = min(DEEP_OFFSET, entries - limit)
            first_p50, first_p99, first_n = latency(client, 0, limit, args.requests, args.budget)
            deep_p50, deep_p99, deep_n = latency(client, deep, limit, args.requests, args.budget)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    print(f"GET /dialer/calls limit={limit}, one keep-alive connection [{load()}]")
    print(f"  offset 0:       p50 {first_p50:6.1f} ms  p99 {first_p99:6.1f} ms  ({first_n} GETs)")
    print(f"  offset {deep:<8}: p50 {deep_p50:6.1f} ms  p99 {deep_p99:6.1f} ms  ({deep_n} GETs)")
    ratio = deep_p50 / first_p50
    verdict = "met" if ratio <= 2 else "MISSED"
    print(f"  deep/first p50 = {ratio:.2f}: target <= 2 {verdict}", flush=True)


def bench(label: str, url: str, feed: Path, args: argparse.Namespace) -> None:
    env = {
        **os.environ,
        "OPENDIALER_DATABASE_URL": url,
        "OPENDIALER_SECRET_KEY": KEY,
        "OPENDIALER_LOG_LEVEL": "warning",
    }
    print(f"== {label}", flush=True)
    prepare(env)
    import_loans("import loans", feed, args.rows, env)
    if args.tracked:
        track_calls(url, args.tracked)
    entries = build(env)
    if entries <= args.limit:
        sys.exit("the call list is too short to page through")
    serve_and_measure(env, entries, args)


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
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database to create, use and drop (default: a temporary SQLite file)",
    )
    parser.add_argument("--limit", type=int, default=100, help="calls per page")
    parser.add_argument("--requests", type=int, default=300, help="timed GETs per page")
    parser.add_argument("--budget", type=float, default=120, help="seconds of GETs per page")
    parser.add_argument(
        "--tracked", type=float, default=0.2, help="share of the loans with tracked calls"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and the feed")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="opendialer-bench-loans-"))
    try:
        feed = workdir / "loans.csv"
        start = time.perf_counter()
        write_feed(str(feed), args.rows, AS_OF)
        print(describe())
        print(
            f"feed: {args.rows} rows, {feed.stat().st_size / 2**20:.0f} MiB, written in "
            f"{time.perf_counter() - start:.1f} s",
            flush=True,
        )
        url = args.database_url
        if url is None or make_url(url).get_backend_name() == "sqlite":
            url = url or f"sqlite:///{workdir / 'bench.db'}"
            bench("SQLite", url, feed, args)
            return
        options, name = postgres_options(url)
        subprocess.run(["dropdb", *options, "--if-exists", name], check=True)
        subprocess.run(["createdb", *options, name], check=True)
        try:
            bench("PostgreSQL", url, feed, args)
        finally:
            if not args.keep:
                subprocess.run(["dropdb", *options, "--if-exists", name], check=True)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
    print(f"after the runs: {load()}; {reference()}")
