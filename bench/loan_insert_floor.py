"""How fast SQLite alone stores loans: the floor under `opendialer import loans`.

    .venv/bin/python bench/loan_insert_floor.py [--rows 1000000]

Builds a fresh SQLite database with the migrations (in a temporary directory), makes every
borrower and loan row in memory first, as plain tuples of the values the import stores (a
realistic feed row's), then times nothing but the inserts: one executemany a thousand
borrowers and one a thousand loans, in one transaction, with the pragmas and the 512 MiB page
cache the import runs with. No CSV, no validation, no look-ups: what this prints is the most
any import of this schema can reach on this machine.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from opendialer.db.bulk import BULK_LOAD_CACHE_KIB
from opendialer.db.ids import new_ids
from opendialer.db.migrate import upgrade
from opendialer.db.session import make_engine

TENANT, SERVICER = 900, 1
NOW = "2026-11-30 00:00:00.000000"
BATCH = 1000
BORROWER_COLUMNS = (
    "borrower_number, external_reference_id, type, first_name, middle_name, last_name, "
    "phone_number, phone_e164, cell_phone_consent, state, postal_code, id, tenant_id, "
    "servicer_id, created_at, updated_at"
)
LOAN_COLUMNS = (
    "lender_id, borrower_id, loan_number, external_reference_id, status, paid_to_date, "
    "next_due_date, last_payment_date, past_amount_due, fee_outstanding, interest_balance, "
    "current_amount_due, id, tenant_id, servicer_id, created_at, updated_at"
)


def schema(path: Path) -> None:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO tenants (id, name, created_at) VALUES (:t, 'Floor', :now)"),
            {"t": TENANT, "now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO servicers (tenant_id, id, name, created_at) "
                "VALUES (:t, :s, 'Main', :now)"
            ),
            {"t": TENANT, "s": SERVICER, "now": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO lenders (id, tenant_id, servicer_id, name, created_at, updated_at) "
                "VALUES ('lender-1', :t, :s, 'Example Lender', :now, :now)"
            ),
            {"t": TENANT, "s": SERVICER, "now": NOW},
        )
    engine.dispose()


def rows(count: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    borrower_ids, loan_ids = new_ids(count), new_ids(count)
    borrowers = [
        (f"{6336189931 + i}", f"BR-{i:08d}", "borrower", "Henry", "E", "Nguyen",
         "+16178661791", "+16178661791", 1, "MA", "02108", borrower_ids[i], TENANT, SERVICER,
         NOW, NOW)
        for i in range(count)
    ]  # fmt: skip
    loans = [
        ("lender-1", borrower_ids[i], f"{672182867011 + i}", f"LN-{i:08d}", "repayment",
         "2020-04-24", "2020-05-24", None, 0, 0, 146.28, 85, loan_ids[i], TENANT, SERVICER,
         NOW, NOW)
        for i in range(count)
    ]  # fmt: skip
    return borrowers, loans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opendialer-floor-") as workdir:
        path = Path(workdir) / "floor.db"
        schema(path)
        borrowers, loans = rows(args.rows)
        connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute(f"PRAGMA cache_size = -{BULK_LOAD_CACHE_KIB}")
        insert_borrowers = (
            f"INSERT INTO borrowers ({BORROWER_COLUMNS}) VALUES ({', '.join('?' * 16)})"
        )
        insert_loans = f"INSERT INTO loans ({LOAN_COLUMNS}) VALUES ({', '.join('?' * 17)})"
        load = os.getloadavg()
        wall, cpu = time.perf_counter(), time.process_time()
        connection.execute("BEGIN")
        for start in range(0, args.rows, BATCH):
            connection.executemany(insert_borrowers, borrowers[start : start + BATCH])
            connection.executemany(insert_loans, loans[start : start + BATCH])
        connection.execute("COMMIT")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        connection.close()
    print(
        f"SQLite {sqlite3.sqlite_version}: {args.rows:,} borrowers and loans stored in "
        f"{wall:.1f} s = {args.rows / wall:,.0f} loans/s, CPU {cpu:.1f} s = "
        f"{cpu / args.rows * 1e6:.1f} us a loan [load before {load[0]:.2f} {load[1]:.2f}]"
    )


if __name__ == "__main__":
    main()
