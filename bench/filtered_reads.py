"""Prints what filtered reads cost against unfiltered ones once calls pile up unevenly, and the
plans the database chooses for them.

Loans are loaded through POST /loans/bulk, a bucket is made and the day's call list built,
then tracked calls are posted through POST /calltracking/calls: `--hot` of them on one loan,
the rest spread over the others (one loan keeps none). Then each read is timed `--repeat`
times (median and 95th percentile, in ms):

- GET /calltracking/calls, unfiltered, and with `loanid` of the loan without calls, of a
  loan with a few, and of the hot loan, with a servicer-scoped token;
- GET /dialer/calls, the first page (the hot loan is on it) and filtered to the hot loan.

Last come the plans of the statements on tracked_calls that the filtered reads ran
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL). The app runs in-process (httpx against
the ASGI app) on a fresh SQLite file, or on the empty database given with --database-url.

    python bench/filtered_reads.py [--loans 2000] [--calls 221000] [--hot 90000]
        [--repeat 20] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx2
from sqlalchemy import event, text

from calltracking_post import database_url, loan_ids
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
BATCH = 10_000


def feed(count: int, paid_to: date) -> list[dict[str, Any]]:
    return [
        {
            "lenderName": "Bench Lender",
            "loanExternalReferenceId": f"LN-{n:08d}",
            "loanStatus": "repayment",
            "loanPaidToDate": paid_to.isoformat(),
            "borrowerExternalReferenceId": f"BR-{n:08d}",
            "borrowerPhoneNumber": f"(312) 555-{n % 10_000:04d}",
        }
        for n in range(count)
    ]


def calls(loans: list[str], total: int, hot: int, now: datetime) -> list[dict[str, Any]]:
    """`hot` calls on loans[0], the rest spread over loans[2:]; loans[1] gets none."""
    spread = loans[2:]
    owners = [loans[0]] * hot + [spread[i % len(spread)] for i in range(total - hot)]
    return [
        {
            "loanId": loan,
            "phoneNumber": f"(312) 555-{i % 10_000:04d}",
            "callStatus": "Contacted" if i % 7 == 0 else "Attempted",
            "callTimestamp": (now - timedelta(seconds=i % 86_400)).isoformat(),
        }
        for i, loan in enumerate(owners)
    ]


async def timed(
    client: httpx2.AsyncClient, path: str, params: dict[str, Any], headers: dict[str, str], n: int
) -> str:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = await client.get(path, params=params, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    times.sort()
    p95 = times[min(len(times) - 1, round(len(times) * 0.95))]
    return f"median {statistics.median(times):7.1f} ms, p95 {p95:7.1f} ms"


class Statements:
    """The statements on tracked_calls that the app sends while `recording`."""

    def __init__(self, database: Database) -> None:
        self.recording = False
        self.seen: dict[str, tuple[str, Any]] = {}
        event.listen(database.engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.recording and "tracked_calls" in statement:
            self.seen.setdefault(statement, (statement, params))


def explain(database: Database, statement: str, params: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN " if database.engine.dialect.name == "sqlite" else "EXPLAIN "
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(prefix + statement, params)
        rows = cursor.fetchall()
    finally:
        raw.close()
    return "\n".join("    " + " ".join(str(v) for v in row) for row in rows)


async def run(args: argparse.Namespace, url: str) -> None:
    database = Database.from_url(url)
    upgrade(database.engine)
    with database.transaction() as session:
        create_tenant(session, TENANT, "Bench Servicing")
        create_servicer(session, TENANT, SERVICER, "Bench Main")
    settings = Settings(database_url=url, secret_key=KEY, daily_call_list=False)
    app = create_app(settings, database)
    principal = Principal("bench", Role.ACCOUNT_ADMIN, TENANT, SERVICER, None)
    headers = {"Authorization": f"Bearer {issue_token(principal, KEY, 36000)}"}
    statements = Statements(database)
    transport = httpx2.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx2.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client,
    ):
        today = datetime.now(UTC).date()
        (
            await client.post(
                "/loans/bulk", json=feed(args.loans, today - timedelta(days=40)), headers=headers
            )
        ).raise_for_status()
        loans = sorted(await loan_ids(client, headers, args.loans))
        bucket = {
            "callCode": "EARLY", "callDaysStart": 1, "callDaysEnd": 120,
            "callAttemptsPerBucket": 1_000_000, "callContactsPerBucket": 1_000_000,
        }  # fmt: skip
        (await client.post("/buckets", json=bucket, headers=headers)).raise_for_status()
        (await client.post("/dialer/calls/build", headers=headers)).raise_for_status()
        sent = calls(loans, args.calls, args.hot, datetime.now(UTC))
        for start in range(0, len(sent), BATCH):
            response = await client.post(
                "/calltracking/calls", json=sent[start : start + BATCH], headers=headers
            )
            response.raise_for_status()
        if database.engine.dialect.name == "postgresql":
            with database.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        print(
            f"database: {database.engine.dialect.name}; {args.loans} loans, {args.calls} "
            f"tracked calls, {args.hot} of them on one loan; {load()}"
        )
        reads = [
            ("calltracking, unfiltered", "/calltracking/calls", {}),
            ("calltracking, loan with 0 calls", "/calltracking/calls", {"loanid": loans[1]}),
            ("calltracking, loan with a few", "/calltracking/calls", {"loanid": loans[2]}),
            ("calltracking, the hot loan", "/calltracking/calls", {"loanid": loans[0]}),
            ("dialer calls, first page", "/dialer/calls", {}),
            ("dialer calls, the hot loan", "/dialer/calls", {"loanid": loans[0]}),
        ]
        for label, path, params in reads:
            statements.recording = bool(params)
            figures = await timed(client, path, params, headers, args.repeat)
            statements.recording = False
            print(f"{label:34} {figures}")
    print("plans of the filtered reads' statements on tracked_calls:")
    for statement, params in statements.seen.values():
        print("  " + " ".join(statement.split())[:300])
        print(explain(database, statement, params))
    database.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=221_000)
    parser.add_argument("--hot", type=int, default=90_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--database-url", "--url", dest="url", help="an empty database instead of SQLite"
    )
    args = parser.parse_args()
    print(describe(), flush=True)
    with database_url(args.url) as url:
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()
    print(f"after the runs: {load()}; {reference()}")
