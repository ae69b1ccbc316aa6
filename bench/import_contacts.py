"""Times `opendialer import contacts` on generated CSVs of realistic contacts, measures its
peak memory, and compares it with a floor that the script builds itself.

Run from the repository root:

    .venv/bin/python bench/import_contacts.py [--rows 100000 1000000] [--runs 2]
        [--postgres postgresql://postgres@127.0.0.1/opendialer_bench]

For each number of rows the script writes the file, then, each time into a fresh SQLite database
in a temporary directory (migrated, with a tenant made by the CLI and an empty campaign):

- the floor: a process of its own that reads the file with a plain `csv.reader` and stores
  each row's values as they are (an empty one as NULL, a row without a name left out, since the
  column is NOT NULL) into the same table with one `executemany` per 5,000 rows, in one
  transaction: no checks, no phone numbers, no look-ups;
- the import: `opendialer import contacts` as a subprocess;
- the re-import of the same file with --overwrite-duplicates (every row then overwrites the
  contact with its UserData).

Each line gives the wall time from start to exit (the CLI's start-up included), the file's rows
per second of it, the CPU seconds of the process and of any it started, and its peak memory
twice, read from /proc every 20 ms: the largest peak RSS of any one of its processes, and the
peak of all its processes' RSS added up (with a second process reading the file, two).
The import's rows/s is also given as a ratio to the floor's. With --runs N each is run N times
and the median printed after. With --postgres the same is done on that PostgreSQL database,
created with createdb before each run and dropped after it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from machine import describe, load, reference

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OPENDIALER = str(BIN / "opendialer")
BENCH_TENANT = 900
BENCH_KEY = "bench-signing-key-not-for-production-use-0123456789"
# The targets, for the import on SQLite.
TARGET_ROWS_PER_SECOND = 25_000
TARGET_PEAK_MIB = 300


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


@dataclass
class Measured:
    """One run of a command: its wall time, CPU seconds, peak memory and output."""

    seconds: float
    cpu: float
    # The largest peak RSS of any one of its processes, and the peak of their RSS added up.
    peak_mib: float
    peak_total_mib: float
    stdout: str


def _descendants(pid: int) -> list[int]:
    """`pid` and every process below it, as /proc lists them now."""
    found, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            # A process or thread may have ended meanwhile.
            with contextlib.suppress(OSError):
                waiting += [int(child) for child in children.read_text().split()]
    return found


def _memory_mib(pid: int) -> tuple[float, float]:
    """A process's resident memory now and at its peak so far (VmRSS, VmHWM), in MiB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # it ended meanwhile
        return 0.0, 0.0
    found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
    return int(found.get("VmRSS", 0)) / 1024, int(found.get("VmHWM", 0)) / 1024


def run_measured(args: list[str], env: dict[str, str]) -> Measured:
    """Run a command to its end, measuring it; exit if it fails.

    Memory is read from /proc every 20 ms: the largest peak of any one of its processes, and
    the peak of their sum. (The kernel's max RSS of a waited-for process would count the
    memory of this one, which the command started as a copy of.)"""
    stopped = threading.Event()
    largest, total = [0.0], [0.0]

    def sample(pid: int) -> None:
        while not stopped.wait(0.02):
            memory = [_memory_mib(each) for each in _descendants(pid)]
            largest[0] = max([largest[0], *(peak for _, peak in memory)])
            total[0] = max(total[0], sum(now for now, _ in memory))

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        process = subprocess.Popen(args, env=env, stdout=out, stderr=errors, text=True)
        sampler = threading.Thread(target=sample, args=(process.pid,), daemon=True)
        sampler.start()
        # wait4 answers this process's own CPU time (with the processes it waited for), where
        # getrusage(RUSAGE_CHILDREN) would add up every command run before.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stopped.set()
        sampler.join()
        out.seek(0)
        errors.seek(0)
        stdout = out.read()
        if process.returncode != 0:
            sys.exit(f"{' '.join(args)} failed ({process.returncode}):\n{stdout}{errors.read()}")
    return Measured(seconds, usage.ru_utime + usage.ru_stime, largest[0], total[0], stdout)


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


# -- the floor ---------------------------------------------------------------------------------

FLOOR_BATCH = 5000
# Columns every stored contact fills beside the file's: owner, campaign, try counters, lock and
# times, with the values the floor gives them (the tenant and campaign come before them).
FLOOR_TAIL = [*(f"n_tries_phone_number{n}" for n in range(1, 7)), "locked"]
FLOOR_NOW = datetime(2026, 12, 5, tzinfo=UTC)


def floor(csv_path: str, database_url: str, campaign_id: int, columns: list[str]) -> None:
    """Store the file's rows with nothing but csv.reader and executemany: the floor's process.
    `columns` are the columns of the file's header, in its order."""
    names = [*columns, "tenant_id", "campaign_id", *FLOOR_TAIL, "created_at", "updated_at"]
    postgres = database_url.startswith("postgresql")
    if postgres:
        import psycopg

        connection: Any = psycopg.connect(database_url)
        now: Any = FLOOR_NOW
        mark = "%s"
    else:
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute("BEGIN")
        now = FLOOR_NOW.isoformat(sep=" ", timespec="microseconds")[:-6]
        mark = "?"
    tail = [BENCH_TENANT, campaign_id, 0, 0, 0, 0, 0, 0, False, now, now]
    quoted = ", ".join(f'"{name}"' for name in names)
    statement = f"INSERT INTO dialler_contacts ({quoted}) VALUES ({', '.join([mark] * len(names))})"
    name = columns.index("name")
    cursor = connection.cursor()
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        batch: list[list[Any]] = []
        for values in reader:
            if values[name]:
                batch.append([value or None for value in values] + tail)
            if len(batch) == FLOOR_BATCH:
                cursor.executemany(statement, batch)
                batch = []
        cursor.executemany(statement, batch)
    if postgres:
        connection.commit()
    else:
        connection.execute("COMMIT")
    connection.close()


# -- runs ------------------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    rows: int
    run: Measured
    imported: int = 0
    overwritten: int = 0
    rejected: int = 0

    @property
    def rate(self) -> float:
        return self.rows / self.run.seconds

    def line(self, floor_rate: float | None = None) -> str:
        ratio = f" = {self.rate / floor_rate:.2f} of the floor" if floor_rate else ""
        counts = (
            f"  (imported {self.imported}, overwritten {self.overwritten}, "
            f"rejected {self.rejected})"
            if self.label != "floor"
            else ""
        )
        return (
            f"  {self.label:<22} {self.run.seconds:6.2f} s  {self.rate:7,.0f} rows/s{ratio}  "
            f"CPU {self.run.cpu:6.2f} s  peak {self.run.peak_mib:4.0f} MiB "
            f"(all processes {self.run.peak_total_mib:4.0f} MiB){counts}"
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
    measured = run_measured(args, env)
    found = re.search(r"imported: (\d+), overwritten: (\d+), rejected: (\d+)", measured.stdout)
    if not found:
        sys.exit(f"unexpected output from the import:\n{measured.stdout}")
    imported, overwritten, rejected = (int(g) for g in found.groups())
    return Timing(label, rows, measured, imported, overwritten, rejected)


def time_floor(csv_path: Path, rows: int, database_url: str, campaign_id: int) -> Timing:
    from opendialer.dialler.schemas import CONTACT_INPUT_FIELDS

    column_of = dict(CONTACT_INPUT_FIELDS)
    columns = ",".join(column_of[name] for name in HEADER)
    args = [
        sys.executable,
        __file__,
        "--floor",
        str(csv_path),
        database_url,
        str(campaign_id),
        columns,
    ]
    return Timing("floor", rows, run_measured(args, dict(os.environ)))


def stored_contacts(database_url: str, campaign_id: int) -> int:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM dialler_contacts WHERE campaign_id = :c"), {"c": campaign_id}
        ).scalar_one()
    engine.dispose()
    return int(count)


class Fresh:
    """Fresh databases of one kind, one per run: SQLite files in a directory, or a PostgreSQL
    database created anew each time."""

    def __init__(self, workdir: Path, postgres: str | None) -> None:
        self.workdir = workdir
        self.postgres = postgres
        self.made = 0

    def __enter__(self) -> str:
        self.made += 1
        if self.postgres is None:
            for old in self.workdir.glob("bench-*.db*"):
                old.unlink()
            return f"sqlite:///{self.workdir / f'bench-{self.made}.db'}"
        options, name = postgres_database(self.postgres)
        subprocess.run(["dropdb", *options, "--if-exists", name], check=True)
        subprocess.run(["createdb", *options, name], check=True)
        return self.postgres

    def __exit__(self, *_: object) -> None:
        if self.postgres is not None:
            options, name = postgres_database(self.postgres)
            subprocess.run(["dropdb", *options, "--if-exists", name], check=True)


def bench(label: str, fresh: Fresh, csv_path: Path, rows: int, runs: int) -> None:
    timings: dict[str, list[Timing]] = {"floor": [], "import": [], "re-import, overwrite": []}
    for number in range(1, runs + 1):
        print(f"{label}, {rows:,} rows, run {number}: busy CPUs before {busy_cpus():.2f}")
        with fresh as database_url:
            env = bench_env(database_url)
            campaign_id = prepare(database_url, env)
            timing = time_floor(csv_path, rows, database_url, campaign_id)
            timings["floor"].append(timing)
            print(timing.line(), flush=True)
        with fresh as database_url:
            env = bench_env(database_url)
            campaign_id = prepare(database_url, env)
            first = time_import("import", csv_path, rows, campaign_id, env)
            print(first.line(timings["floor"][-1].rate), flush=True)
            again = time_import(
                "re-import, overwrite", csv_path, rows, campaign_id, env, "--overwrite-duplicates"
            )
            print(again.line(timings["floor"][-1].rate), flush=True)
            stored = stored_contacts(database_url, campaign_id)
            if stored != first.imported or again.overwritten != first.imported:
                sys.exit(f"{label}: {stored} contacts stored, {first.imported} expected")
            timings["import"].append(first)
            timings["re-import, overwrite"].append(again)
    print(f"{label}, {rows:,} rows, median of {runs} run(s) [{load()}]:")
    floor_rate = statistics.median(t.rate for t in timings["floor"])
    for name, each in timings.items():
        middle = median_timing(name, rows, each)
        print(middle.line(None if name == "floor" else floor_rate))
        if name == "floor" or label != "SQLite":
            continue
        small = "met" if middle.run.peak_total_mib < TARGET_PEAK_MIB else "MISSED"
        verdicts = [f"all processes < {TARGET_PEAK_MIB} MiB {small}"]
        if name == "import":  # the speed target is the first import's
            fast = "met" if middle.rate >= TARGET_ROWS_PER_SECOND else "MISSED"
            verdicts.insert(0, f">= {TARGET_ROWS_PER_SECOND:,} rows/s {fast}")
        print(f"    targets: {'; '.join(verdicts)}")


def median_timing(label: str, rows: int, timings: list[Timing]) -> Timing:
    """A Timing of each figure's median over the runs."""

    def middle(figure: str) -> float:
        return float(statistics.median(getattr(t.run, figure) for t in timings))

    run = Measured(
        middle("seconds"), middle("cpu"), middle("peak_mib"), middle("peak_total_mib"), ""
    )
    last = timings[-1]
    return Timing(label, rows, run, last.imported, last.overwritten, last.rejected)


def bench_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "OPENDIALER_DATABASE_URL": database_url,
        "OPENDIALER_SECRET_KEY": BENCH_KEY,
        "OPENDIALER_LOG_LEVEL": "warning",
    }


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
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=2, help="runs of each, for medians")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also run on this PostgreSQL database (created and dropped by the script)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--floor", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        csv_path, database_url, campaign_id, columns = args.floor
        floor(csv_path, database_url, int(campaign_id), columns.split(","))
        return
    if args.postgres and not shutil.which("createdb"):
        sys.exit("createdb not found: install the PostgreSQL client tools")

    print(describe())
    workdir = Path(tempfile.mkdtemp(prefix="opendialer-bench-"))
    try:
        startup = time.perf_counter()
        run([OPENDIALER, "--help"], dict(os.environ))
        print(f"CLI start-up alone: {time.perf_counter() - startup:.2f} s")
        for rows in args.rows:
            csv_path = workdir / f"contacts-{rows}.csv"
            start = time.perf_counter()
            write_csv(csv_path, rows)
            size = csv_path.stat().st_size / 2**20
            print(
                f"generated {csv_path.name}: {rows:,} rows, {size:.1f} MiB "
                f"in {time.perf_counter() - start:.1f} s"
            )
            bench("SQLite", Fresh(workdir, None), csv_path, rows, args.runs)
            if args.postgres:
                bench("PostgreSQL", Fresh(workdir, args.postgres), csv_path, rows, args.runs)
            csv_path.unlink()
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"after the runs: {load()}; {reference()}")


if __name__ == "__main__":
    main()
