"""Prints how many calls per second batch POST /calltracking/calls records.

The app runs in-process (httpx against the ASGI app, so JSON, validation, the loan look-ups,
the insert and the answer are all measured) on a real database file: a fresh SQLite file in a
temporary directory, or the empty database given with --database-url. Loans are loaded first
through POST /loans/bulk, as a client would. The request bodies are encoded before the clock
starts: a client encodes its JSON on its own machine, not on the server's.

Each round posts the batches once; the figures are printed per round with the load average
(1, 5 and 15 minutes) before it, and the CPU time the process used per record (the server's
work and the in-process client's, not the database server's on PostgreSQL).

    python bench/calltracking_post.py [--batches 20] [--size 1000] [--loans 5000]
        [--rounds 1] [--idempotency] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2

from machine import describe, load, reference
from opendialer.app import create_app
from opendialer.auth.principal import Principal, Role
from opendialer.auth.tokens import issue_token
from opendialer.config import Settings
from opendialer.db.migrate import upgrade
from opendialer.db.session import Database
from opendialer.tenancy.service import create_servicer, create_tenant

KEY = "bench-signing-key-not-for-production-use"
TENANT, SERVICER = 314, 2
SPELLINGS = ("+1312555{:04d}", "(312) 555-{:04d}", "312.555.{:04d}")


async def load_loans(client: httpx2.AsyncClient, headers: dict[str, str], count: int) -> list[str]:
    feed = [
        {
            "loanExternalReferenceId": f"LN-{n:08d}",
            "loanStatus": "repayment",
            "borrowerExternalReferenceId": f"BR-{n:08d}",
            "borrowerPhoneNumber": SPELLINGS[n % 3].format(n % 10_000),
        }
        for n in range(count)
    ]
    response = await client.post("/loans/bulk", json=feed, headers=headers)
    response.raise_for_status()
    return await loan_ids(client, headers, count)


async def loan_ids(client: httpx2.AsyncClient, headers: dict[str, str], count: int) -> list[str]:
    """The ids of the first `count` loans, read a page at a time as a client would."""
    ids: list[str] = []
    while len(ids) < count:
        page = await client.get(
            "/loans", params={"offset": len(ids), "limit": 1000}, headers=headers
        )
        page.raise_for_status()
        ids += [loan["loanId"] for loan in page.json()["data"]]
    return ids


@contextmanager
def database_url(url: str | None) -> Iterator[str]:
    """`url`, or a fresh SQLite file's in a temporary directory removed afterwards."""
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{Path(directory) / 'bench.db'}"


def batch(loans: list[str], start: int, size: int, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "loanId": loans[(start + i) % len(loans)],
            "phoneNumber": SPELLINGS[i % 3].format((start + i) % 10_000),
            "callStatus": "Contacted" if i % 5 == 0 else "Attempted",
            "callTimestamp": (now - timedelta(seconds=start + i)).isoformat(),
        }
        for i in range(size)
    ]


async def run(args: argparse.Namespace, url: str) -> None:
    database = Database.from_url(url)
    upgrade(database.engine)
    with database.transaction() as session:
        create_tenant(session, TENANT, "Bench Servicing")
        create_servicer(session, TENANT, SERVICER, "Bench Main")
    settings = Settings(database_url=url, secret_key=KEY, daily_call_list=False)
    app = create_app(settings, database)
    token = issue_token(Principal("bench", Role.ACCOUNT_ADMIN, TENANT, None, None), KEY, 3600)
    headers = {"Authorization": f"Bearer {token}", "servicerid": str(SERVICER)}
    transport = httpx2.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx2.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client,
    ):
        loans = await load_loans(client, headers, args.loans)
        now = datetime.now(UTC)
        # One small batch first, so that imports and caches are warm.
        warm = await client.post(
            "/calltracking/calls", json=batch(loans, 0, 10, now), headers=headers
        )
        warm.raise_for_status()
        encoded = [
            json.dumps(batch(loans, n * args.size, args.size, now)).encode()
            for n in range(args.batches)
        ]
        print(f"database: {database.engine.dialect.name}")
        for round_number in range(1, args.rounds + 1):
            await post_round(client, headers, encoded, args, round_number)
        check = await client.get("/calltracking/calls", params={"limit": 1}, headers=headers)
        check.raise_for_status()
    database.engine.dispose()


async def post_round(
    client: httpx2.AsyncClient,
    headers: dict[str, str],
    bodies: list[bytes],
    args: argparse.Namespace,
    round_number: int,
) -> None:
    busy = load()
    times: list[float] = []
    cpu_started = time.process_time()
    started = time.perf_counter()
    for body in bodies:
        sent = {**headers, "Content-Type": "application/json"}
        if args.idempotency:
            sent["Idempotency-Key"] = str(uuid.uuid4())
        t0 = time.perf_counter()
        response = await client.post("/calltracking/calls", content=body, headers=sent)
        times.append(time.perf_counter() - t0)
        if response.status_code != 201:
            raise SystemExit(f"POST answered {response.status_code}: {response.text[:300]}")
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    total = args.batches * args.size
    print(
        f"round {round_number} ({busy}): recorded {total} calls in {args.batches} batches "
        f"of {args.size} in {elapsed:.2f} s = {total / elapsed:,.0f} records/s; "
        f"CPU {cpu:.2f} s = {cpu / total * 1e6:.1f} us per record; per batch: median "
        f"{statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--loans", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=1, help="times to post the batches")
    parser.add_argument("--idempotency", action="store_true", help="send an Idempotency-Key")
    parser.add_argument(
        "--database-url",
        "--url",
        dest="url",
        help="an empty database to use instead of a temporary SQLite",
    )
    args = parser.parse_args()
    print(describe(), flush=True)
    with database_url(args.url) as url:
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()
    print(f"after the runs: {load()}; {reference()}")
