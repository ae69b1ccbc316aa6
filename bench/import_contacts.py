"""Times `opendialer import contacts` on a generated CSV of realistic contacts.

Run from the repository root:

    .venv/bin/python bench/import_contacts.py [--rows 100000]
        [--postgres postgresql://postgres@127.0.0.1/opendialer_bench]

Builds a fresh SQLite database in a temporary directory, creates a tenant with the CLI and a
campaign, then times the import command as a subprocess twice: a first import of the file, and
a re-import of the same file with --overwrite-duplicates (every row then overwrites the contact
with its UserData). With --postgres the same is done on that PostgreSQL database, which the
script creates with createdb beforehand and drops afterwards.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OPENDIALER = str(BIN / "opendialer")
BENCH_TENANT = 900
BENCH_KEY = "bench-signing-key-not-for-production-use-0123456789"
TARGET_SECONDS = 20.0


def _words(text: str) -> list[str]:
    return text.split()


HEADER = [
    "UserData",
    "UserData2",
    "ReferenceNumber",
    "Client",
    "Service",
    "Salutation",
    "Name",
    "FirstName",
    "Address",
    "PostalCode",
    "City",
    "Region",
    "Country",
    "Amount",
    "PhoneNumber1",
    "PhoneNumber2",
    "PhoneNumber3",
    "Email",
    "Comment",
]
FIRST = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Carlos Maria Daniel Nancy Matthew Lisa Anthony "
    "Betty Kevin Karen Jose Sandra Luis Ashley Brian Emily Kimberly Jason Angela Wei Priya"
)
LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "O'Brien McDonald"
)
PLACES = [
    ("Chicago", "IL", "606", ("312", "773", "872")),
    ("Houston", "TX", "770", ("713", "281", "832")),
    ("Phoenix", "AZ", "850", ("602", "480", "623")),
    ("Seattle", "WA", "981", ("206", "425")),
    ("Boston", "MA", "021", ("617", "857")),
    ("Miami", "FL", "331", ("305", "786")),
    ("Denver", "CO", "802", ("303", "720")),
    ("Atlanta", "GA", "303", ("404", "678", "470")),
    ("New York", "NY", "100", ("212", "646", "917")),
    ("Los Angeles", "CA", "900", ("213", "310", "323")),
    ("Columbus", "OH", "432", ("614",)),
    ("Nashville", "TN", "372", ("615", "629")),
]
STREETS = _words("Oak Maple Main Lake Cedar Park Pine Elm Washington Hill Sunset Ridge")
SUFFIXES = ["St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct"]


def phone(rng: random.Random, area: str) -> str:
    """A US number in one of the spellings servicers' exports actually contain."""
    exchange = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
    line = f"{rng.randint(0, 9999):04d}"
    spelling = rng.randrange(9)
    if spelling == 0:
        return f"({area}) {exchange}-{line}"
    if spelling == 1:
        return f"{area}-{exchange}-{line}"
    if spelling == 2:
        return f"{area}.{exchange}.{line}"
    if spelling == 3:
        return f"{area}{exchange}{line}"
    if spelling == 4:
        return f"+1 {area} {exchange} {line}"
    if spelling == 5:
        return f"1-{area}-{exchange}-{line}"
    if spelling == 6:
        return f"+1{area}{exchange}{line}"
    if spelling == 7:
        return f"+1 ({area}) {exchange}-{line}"
    return f"{area} {exchange} {line} ext. {rng.randint(10, 999)}"


def contact_row(rng: random.Random, index: int) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, zip3, areas = rng.choice(PLACES)
    row = {
        "UserData": f"LN-{1000000 + index}",
        "UserData2": f"BRW-{rng.randint(100000, 999999)}",
        "ReferenceNumber": f"ACCT-{rng.randint(10**7, 10**8 - 1)}",
        "Client": "Bench Loan Servicing",
        "Service": rng.choice(["Collections", "Early Stage", "Late Stage", "Recovery"]),
        "Salutation": rng.choice(["Mr.", "Ms.", "Mrs.", "Dr.", ""]),
        "Name": last,
        "FirstName": first,
        "Address": f"{rng.randint(1, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}",
        "PostalCode": f"{zip3}{rng.randint(0, 99):02d}",
        "City": city,
        "Region": state,
        "Country": "US",
        "Amount": f"{rng.uniform(50, 25000):.2f}",
        "PhoneNumber1": phone(rng, rng.choice(areas)),
        "PhoneNumber2": phone(rng, rng.choice(areas)) if rng.random() < 0.6 else "",
        "PhoneNumber3": phone(rng, rng.choice(areas)) if rng.random() < 0.2 else "",
        "Email": f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@example.com"
        if rng.random() < 0.7
        else "",
        "Comment": f"{rng.randint(1, 180)} days past due" if rng.random() < 0.5 else "",
    }
    # A few rows as bad as real exports have: a number that is no number, a missing name.
    if index % 997 == 0:
        row["PhoneNumber2"] = "unknown"
    if index % 10007 == 0:
        row["Name"] = ""
    return row


def write_csv(path: Path, rows: int, seed: int = 2024) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        for index in range(rows):
            writer.writerow(contact_row(rng, index))


def busy_cpus(seconds: float = 2.0) -> float:
    """How many CPUs' worth of time the whole machine spends busy, over a short sample."""

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle and iowait
        return sum(fields) - idle, sum(fields)

    busy0, total0 = sample()
    time.sleep(seconds)
    busy1, total1 = sample()
    return (busy1 - busy0) / (total1 - total0) * (os.cpu_count() or 1)


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done


def run_measured(
    args: list[str], env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Like run, and the CPU seconds (user + system) the command used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = run(args, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return done, cpu


def prepare(database_url: str, env: dict[str, str]) -> int:
    """Migrated schema, the bench tenant (made with the CLI) and an empty campaign; its id."""
    run([OPENDIALER, "db", "upgrade"], env)
    run([OPENDIALER, "tenant", "create", str(BENCH_TENANT), "--name", "Bench Servicing"], env)
    # The CLI has no campaign command; the campaign is made the way the API makes one.
    import opendialer.db.models  # noqa: F401  (the whole schema, for the ORM's foreign keys)
    from opendialer.db.session import Database
    from opendialer.dialler.schemas import CampaignCreate
    from opendialer.dialler.service import CampaignService

    database = Database.from_url(database_url)
    with database.transaction() as session:
        campaign = CampaignService(session, BENCH_TENANT).create(
            CampaignCreate.model_validate(
                {"Name": "Bench Collections", "TimeZone": "America/Chicago"}
            )
        )
        campaign_id = campaign.id
    database.engine.dispose()
    return campaign_id


@dataclass
class Timing:
    label: str
    rows: int
    seconds: float
    cpu: float
    imported: int
    overwritten: int
    rejected: int

    def line(self) -> str:
        rate = self.rows / self.seconds
        return (
            f"{self.label:<32} rows {self.rows:>7}  {self.seconds:6.2f} s  {rate:8.0f} rows/s  "
            f"CPU {self.cpu:6.2f} s  (imported {self.imported}, overwritten {self.overwritten}, "
            f"rejected {self.rejected})"
        )


def time_import(
    label: str, csv_path: Path, rows: int, campaign_id: int, env: dict[str, str], *extra: str
) -> Timing:
    args = [
        OPENDIALER,
        "import",
        "contacts",
        str(csv_path),
        "--tenant",
        str(BENCH_TENANT),
        "--campaign-id",
        str(campaign_id),
        *extra,
    ]
    start = time.perf_counter()
    done, cpu = run_measured(args, env)
    seconds = time.perf_counter() - start
    found = re.search(r"imported: (\d+), overwritten: (\d+), rejected: (\d+)", done.stdout)
    if not found:
        sys.exit(f"unexpected output from the import:\n{done.stdout}")
    imported, overwritten, rejected = (int(g) for g in found.groups())
    return Timing(label, rows, seconds, cpu, imported, overwritten, rejected)


def stored_contacts(database_url: str, campaign_id: int) -> int:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM dialler_contacts WHERE campaign_id = :c"), {"c": campaign_id}
        ).scalar_one()
    engine.dispose()
    return int(count)


def bench(label: str, database_url: str, csv_path: Path, rows: int) -> None:
    env = {
        **os.environ,
        "OPENDIALER_DATABASE_URL": database_url,
        "OPENDIALER_SECRET_KEY": BENCH_KEY,
        "OPENDIALER_LOG_LEVEL": "warning",
    }
    campaign_id = prepare(database_url, env)
    # Other work on the machine takes CPU from the runs: say how much there was.
    print(f"{label}: busy CPUs just before the runs: {busy_cpus():.2f}", flush=True)
    first = time_import(f"{label}: import", csv_path, rows, campaign_id, env)
    print(first.line(), flush=True)
    again = time_import(
        f"{label}: re-import, overwrite", csv_path, rows, campaign_id, env, "--overwrite-duplicates"
    )
    print(again.line(), flush=True)
    stored = stored_contacts(database_url, campaign_id)
    if stored != first.imported:
        sys.exit(f"{label}: {stored} contacts stored, {first.imported} expected")
    for timing in (first, again):
        verdict = "met" if timing.seconds < TARGET_SECONDS else "MISSED"
        print(f"  {timing.label}: target < {TARGET_SECONDS:.0f} s {verdict}")


def postgres_database(url: str) -> tuple[list[str], str]:
    """createdb/dropdb connection options for the server in `url`, and the database name."""
    parsed = make_url(url)
    options = ["-h", parsed.host or "127.0.0.1", "-U", parsed.username or "postgres"]
    if parsed.port:
        options += ["-p", str(parsed.port)]
    if not parsed.database:
        sys.exit("--postgres needs a database name, e.g. .../opendialer_bench")
    return options, parsed.database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also run on this PostgreSQL database (created and dropped by the script)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="opendialer-bench-"))
    try:
        csv_path = workdir / "contacts.csv"
        start = time.perf_counter()
        write_csv(csv_path, args.rows)
        size = csv_path.stat().st_size / 2**20
        print(f"{os.cpu_count()} CPU(s); Python {sys.version.split()[0]}")
        print(
            f"generated {csv_path.name}: {args.rows} rows, {size:.1f} MiB "
            f"in {time.perf_counter() - start:.1f} s"
        )
        startup = time.perf_counter()
        run([OPENDIALER, "--help"], dict(os.environ))
        print(f"CLI start-up alone: {time.perf_counter() - startup:.2f} s")

        bench("SQLite", f"sqlite:///{workdir / 'bench.db'}", csv_path, args.rows)

        if args.postgres:
            if not shutil.which("createdb"):
                sys.exit("createdb not found: install the PostgreSQL client tools")
            options, name = postgres_database(args.postgres)
            subprocess.run(["dropdb", *options, "--if-exists", name], check=True)
            subprocess.run(["createdb", *options, name], check=True)
            try:
                bench("PostgreSQL", args.postgres, csv_path, args.rows)
            finally:
                subprocess.run(["dropdb", *options, "--if-exists", name], check=True)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
