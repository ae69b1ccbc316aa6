"""Loads a real `opendialer serve` with mixed reads and writes at once, with locust (64 users,
each on a connection of its own, sending its next request as soon as the last is answered,
70 % reads and 30 % writes); prints requests/s, the share of writes, errors by status, and
p50/p99 latency by endpoint.

Run from the repository root, after `.venv/bin/pip install -e '.[bench]'`:

    .venv/bin/python bench/load_mixed.py [--users 64] [--duration 60]
        [--database-url postgresql://.../EMPTY_DB] [--contacts 10000] [--loans 5000]
        [--servers 1]

Builds the database (a fresh SQLite file in a temporary directory, or the empty database
given) with the demo data (its buckets too), --contacts more contacts and --loans loans, and
builds the call list; starts `opendialer serve` (one process, or --servers processes on the
one database, each with its share of the users) on 127.0.0.1 and free ports; and runs the
users of bench/mixed_users.py for --duration seconds:

    reads:  GET /dialler/contacts/{id} 30 %, GET /calltracking/calls?loanid= 15 %,
            GET /dialer/calls 10 %, GET /loans/{loanId} 15 %
    writes: POST /dialler/contacts/contact/{id}/results 12 %, POST /calltracking/calls
            (one call) 10 %, POST /dialler/contacts/import (one contact) 8 %

Every request uses the demo tenant's token; ids are drawn at random. An error is any answer
that is not 2xx, and any request that got no answer within 10 s. The script stops the server
itself.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from contact_load import free_port, prepare, start_server, stop_server, wait_ready
from import_contacts import BENCH_KEY, OPENDIALER, run
from loan_feed import write_feed
from machine import describe, load, reference

TENANT, SERVICER = 314, 2
CAMPAIGN = "Early Stage Collections"
USERS_FILE = Path(__file__).with_name("mixed_users.py")
LOCUST = str(Path(sys.executable).with_name("locust"))
# The targets for 64 connections, 30 % writes, one process on SQLite.
TARGET_P99_MS = 2000.0
WRITES = ("POST",)


def build(
    workdir: Path, env: dict[str, str], contacts: int, loans: int
) -> tuple[str, list[int], list[str]]:
    token, lo, hi = prepare(workdir, contacts, env)
    feed = workdir / "loans.csv"
    write_feed(str(feed), loans, date.today())
    tenant = ["--tenant", str(TENANT)]
    run([OPENDIALER, "import", "loans", str(feed), *tenant, "--servicer", str(SERVICER)], env)
    run([OPENDIALER, "calllist", "build", *tenant], env)
    engine = create_engine(env["OPENDIALER_DATABASE_URL"])
    with engine.connect() as connection:
        ids = connection.execute(
            text("SELECT id FROM loans WHERE tenant_id = :t AND status = 'repayment'"),
            {"t": TENANT},
        ).scalars()
        loan_ids = list(ids)
    engine.dispose()
    return token, list(range(lo, hi + 1)), loan_ids


def locust(base: str, plan: Path, users: int, seconds: int, prefix: Path) -> subprocess.Popen[str]:
    """locust running `users` against `base`, its figures going to `prefix`_stats.csv."""
    args = [
        LOCUST, "-f", str(USERS_FILE), "--headless", "--host", base, "-u", str(users),
        "-r", str(users), "-t", f"{seconds}s", "--csv", str(prefix), "--only-summary",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    env = {**os.environ, "OPENDIALER_LOAD_PLAN": str(plan)}
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--loans", type=int, default=5_000)
    parser.add_argument("--database-url", help="an empty database instead of a SQLite file")
    parser.add_argument(
        "--servers", type=int, default=1, help="serve processes on the one database, each "
        "with its share of the users and a locust of its own"
    )  # fmt: skip
    args = parser.parse_args()
    if not Path(LOCUST).exists():
        sys.exit("locust not found; install it with: .venv/bin/pip install -e '.[bench]'")
    print(describe(), flush=True)
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        url = args.database_url or f"sqlite:///{workdir / 'load.db'}"
        env = {
            **os.environ,
            "OPENDIALER_DATABASE_URL": url,
            "OPENDIALER_SECRET_KEY": BENCH_KEY,
            "OPENDIALER_DAILY_CALL_LIST": "false",
            "OPENDIALER_LOG_LEVEL": "warning",
        }
        token, contacts, loans = build(workdir, env, args.contacts, args.loans)
        start = datetime.now(UTC) - timedelta(hours=1)
        plan = workdir / "plan.json"
        plan.write_text(
            json.dumps(
                {
                    "token": token,
                    "contacts": contacts,
                    "loans": loans,
                    "campaign": CAMPAIGN,
                    "start": start.replace(tzinfo=None).isoformat(timespec="seconds"),
                }
            )
        )
        servers, bases = [], []
        try:
            for number in range(args.servers):
                port = free_port()
                bases.append(f"http://127.0.0.1:{port}")
                servers.append(start_server(1, port, env, workdir / f"server{number}.log"))
                wait_ready(bases[-1], token, contacts[0], servers[-1])
            print(
                f"{url.split(':')[0]}; {len(contacts)} contacts, {len(loans)} loans; "
                f"{args.users} users for {args.duration} s on {args.servers} process(es); "
                f"{load()}",
                flush=True,
            )
            users = args.users // args.servers
            runs = [
                locust(base, plan, users, args.duration, workdir / f"load{number}")
                for number, base in enumerate(bases)
            ]
            for started in runs:
                output, _ = started.communicate()
                if started.returncode not in (0, 1):  # 1: some requests failed, as reported
                    sys.exit(f"locust failed ({started.returncode}):\n{output}")
        finally:
            for server in servers:
                stop_server(server)
        for number in range(args.servers):
            if args.servers > 1:
                print(f"process {number + 1} of {args.servers}:")
            report(workdir / f"load{number}_stats.csv", workdir / f"load{number}_failures.csv")


def report(stats_file: Path, failures_file: Path) -> None:
    with stats_file.open() as handle:
        rows = list(csv.DictReader(handle))
    errors: dict[str, int] = {}
    with failures_file.open() as handle:
        for failure in csv.DictReader(handle):
            kind = re.sub(r"^CatchResponseError\('(.*)'\)$", r"\1", failure["Error"])
            kind = kind.removeprefix("status ")
            errors[kind] = errors.get(kind, 0) + int(failure["Occurrences"])
    total = next(row for row in rows if row["Name"] == "Aggregated")
    endpoints = [row for row in rows if row["Name"] != "Aggregated"]
    for row in endpoints:
        print(
            f"  {row['Name']:46} {float(row['Requests/s']):7.1f} req/s  "
            f"p50 {float(row['50%']):7.0f} ms  p99 {float(row['99%']):7.0f} ms  "
            f"errors {row['Failure Count']}"
        )
    count = int(total["Request Count"])
    writes = sum(int(r["Request Count"]) for r in endpoints if r["Type"] in WRITES)
    worst = max(float(r["99%"]) for r in endpoints)
    verdict = "met" if not errors and worst < TARGET_P99_MS else "MISSED"
    print(
        f"total: {float(total['Requests/s']):.0f} requests/s, {count} requests, "
        f"{writes / count:.0%} writes; errors by status: {errors or 'none'}; "
        f"p50 {float(total['50%']):.0f} ms, p99 {float(total['99%']):.0f} ms, worst endpoint "
        f"p99 {worst:.0f} ms; target 0 errors, p99 < {TARGET_P99_MS / 1000:.0f} s: {verdict}"
    )


if __name__ == "__main__":
    main()
    print(f"after the run: {load()}; {reference()}")
