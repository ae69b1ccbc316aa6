"""An independent audit of the compliance gate: a month of an engine's attempts on adversarial
data, judged by the gate, placed when allowed, then the stored calls checked against the rules.

    .venv/bin/python bench/compliance_sim.py [--attempts 1000000] [--debts 100000] [--days 30]
        [--batch 1000] [--seed 7] [--database-url postgresql://postgres@127.0.0.1/compliance_sim]

Builds a fresh database (a SQLite file in a temporary directory, or the PostgreSQL database
named, whose schema `public` is dropped and made again), migrates it and loads, in bulk, a
tenant, --debts borrowers and loans and one dialler contact per loan with 1 to 3 numbers:
addresses in many states (Massachusetts, Washington, the five boroughs, Alaska, Hawaii,
Arizona, El Paso, the Florida panhandle, Indiana, Idaho...), a ZIP code without a state, no
address at all, area codes that disagree with the address or span zones, toll-free, personal
and unassigned numbers, numbers shared by two borrowers, cell phones with and without consent,
landlines, flags, inconvenient times and numbers on the do-not-call lists.

Then it simulates --days days from 2026-10-20 (across the end of daylight saving time on
2026-11-01) in ticks at random moments of the day and night. Each tick takes a batch of
contacts (a few debts are drawn far more often than seven times a week), asks the gate about
them as an engine would (`ComplianceService.judge_contacts`), places one call per contact on
its first allowed number and stores it as the system does: the dialler's calls in contact
history, mirrored in call tracking (created by the dialler) and the call reports; one call in
ten is an outside dialer's, stored only as its tracked call. Refusals are logged. Between
ticks, borrowers move (into Massachusetts, often), revoke consent, get flagged and have
numbers listed; each change is kept with its moment in the sim_* tables.

Last, separate SQL queries (and zoneinfo for local times), written from the rules and not
from the gate's code, check every stored call: calling hours in every zone the number, ZIP
code and state give; at most 7 placed calls about a debt in any 7 consecutive days in each of
those zones' calendars, none within 7 days after a conversation, the Massachusetts,
Washington and New York City caps by the address held at the time; no call to a listed number,
to a flagged borrower, to a cell or unknown line without consent, or at an inconvenient time.
Prints each check's violations and exits 1 when there are any.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
import zipcodes
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as phone_zones
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from machine import describe, load, reference
from opendialer.callreports.models import CallDetailRecord
from opendialer.calltracking.models import TrackedCall
from opendialer.compliance.service import ComplianceService, Judgement
from opendialer.db.base import UTCDateTime
from opendialer.db.bulk import bulk_insert
from opendialer.db.ids import new_ids
from opendialer.db.migrate import upgrade
from opendialer.db.session import make_engine
from opendialer.dialler.models import Campaign, Contact, ContactHistory
from opendialer.dnc.models import DncEntry
from opendialer.kit.phones import to_e164
from opendialer.loans.models import Borrower, Lender, Loan
from opendialer.tenancy.models import Servicer, Tenant

TENANT, SERVICER = 1, 1
START = datetime(2026, 10, 20, tzinfo=UTC)
RING = timedelta(seconds=25)
CONTACTS: Table = Contact.__table__  # type: ignore[assignment]
BORROWERS: Table = Borrower.__table__  # type: ignore[assignment]
HISTORY: Table = ContactHistory.__table__  # type: ignore[assignment]
TRACKED: Table = TrackedCall.__table__  # type: ignore[assignment]
CDRS: Table = CallDetailRecord.__table__  # type: ignore[assignment]
DNC: Table = DncEntry.__table__  # type: ignore[assignment]
TENANTS: Table = Tenant.__table__  # type: ignore[assignment]
SERVICERS: Table = Servicer.__table__  # type: ignore[assignment]
LENDERS: Table = Lender.__table__  # type: ignore[assignment]
CAMPAIGNS: Table = Campaign.__table__  # type: ignore[assignment]
LOANS: Table = Loan.__table__  # type: ignore[assignment]
OUTSIDE = "outside-dialer"
FLAGS = ("cease", "attorney", "bankruptcy", "deceased")

Place = tuple[str | None, str | None]  # (state, ZIP code)
NYC_ZIPS: dict[str, list[Place]] = {
    "212": [("NY", "10001"), ("NY", "10027")],
    "718": [("NY", "11201"), ("NY", "10451"), ("NY", "11368"), ("NY", "10301")],
    "917": [("NY", "10001"), ("NY", "11368")],
    "347": [("NY", "11201"), ("NY", "10451")],
}
# Area codes, how often a first number has one, and addresses in its area.
AREAS: list[tuple[str, int, list[Place]]] = [
    ("617", 8, [("MA", "02108"), ("MA", "01002"), ("MA", None), (None, "02108")]),
    ("413", 2, [("MA", "01103")]),
    ("206", 6, [("WA", "98101"), ("WA", None), (None, "98101")]),
    ("509", 2, [("WA", "99201")]),
    *((code, 4, places) for code, places in NYC_ZIPS.items()),
    ("914", 2, [("NY", "10701")]),
    ("716", 1, [("NY", "14201")]),
    ("907", 3, [("AK", "99501"), ("AK", "99546"), ("AK", None)]),  # two zones; Adak
    ("808", 2, [("HI", "96813")]),
    ("602", 3, [("AZ", "85001")]),
    ("928", 1, [("AZ", "86515")]),  # the Navajo Nation keeps daylight saving time
    ("915", 3, [("TX", "79901")]),  # El Paso: Mountain, in a Central state
    ("214", 4, [("TX", "75201"), ("TX", None)]),
    ("305", 4, [("FL", "33101")]),
    ("850", 2, [("FL", "32501"), ("FL", None)]),  # the panhandle: Central
    ("208", 2, [("ID", "83814"), ("ID", "83701")]),  # two zones
    ("312", 5, [("IL", "60601")]),
    ("213", 5, [("CA", "90012")]),
    ("605", 1, [("SD", "57501")]),
    ("701", 1, [("ND", None)]),
    ("219", 1, [("IN", "46312")]),
    ("812", 1, [("IN", "47620")]),
    ("800", 2, [("TX", "75201")]),  # toll-free
    ("888", 2, [("OR", "97201")]),
    ("877", 1, [(None, None)]),
    ("500", 1, [("GA", "30301")]),  # personal numbers: no place
    ("533", 1, [(None, None)]),
    ("999", 1, [("NY", "10001"), (None, None)]),  # not in service
    ("787", 1, [("PR", "00901")]),
]
EVERYWHERE: list[Place] = [place for _, _, places in AREAS for place in places]
MOVES_TO: list[Place] = [("MA", "02108"), ("MA", "01103"), ("MA", None), (None, "02108")]
INCONVENIENT = [
    [{"days": [0, 1, 2, 3, 4], "from": "09:00", "to": "17:00"}],
    [{"days": [0, 1, 2, 3, 4, 5, 6], "from": "18:00", "to": "20:00"}],
    [{"days": [6], "from": "00:00", "to": "23:59"}],
    [{"days": [4, 5], "from": "20:00", "to": "10:00"}],
    [
        {"days": [0, 1], "from": "09:00", "to": "12:00"},
        {"days": [2], "from": "13:30", "to": "14:45"},
    ],
]


def spell(e164: str, rng: random.Random) -> str:
    """A number as a feed may spell it."""
    digits = e164[2:]
    return rng.choice(
        [
            e164,
            f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
            f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
            f"1 {digits[:3]} {digits[3:6]} {digits[6:]}",
        ]
    )


# -- the database -----------------------------------------------------------------------------

SIM = MetaData()
SIM_ADDRESSES = Table(
    "sim_addresses",
    SIM,
    Column("contact_id", BigInteger, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("state", String(2)),
    Column("postal_code", String(10)),
    Index("ix_sim_addresses", "contact_id", "at"),
)
SIM_CONSENT = Table(
    "sim_consent",
    SIM,
    Column("contact_id", BigInteger, nullable=False),
    Column("number_offset", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("line_type", String(8), nullable=False),
    Column("consented", Boolean, nullable=False),
    Index("ix_sim_consent", "contact_id", "number_offset", "at"),
)
SIM_FLAGS = Table(
    "sim_flags",
    SIM,
    Column("contact_id", BigInteger, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("flags", String(100), nullable=False),
    Index("ix_sim_flags", "contact_id", "at"),
)
AUDIT_CALLS = Table(
    "audit_calls",
    SIM,
    Column("call_id", Integer, primary_key=True),
    Column("contact_id", BigInteger, nullable=False),
    Column("campaign_id", BigInteger, nullable=False),
    Column("debt", String(36), nullable=False),
    Column("started", UTCDateTime, nullable=False),
    Column("e164", String(20)),
    Column("number_offset", Integer),
    Column("placed", Boolean, nullable=False),
    Column("conversation", Boolean, nullable=False),
)
# Each call's calendar day in every zone any call about its debt may have reached the
# consumer in, with whether the zone is one of this call's, and the cap its address had.
AUDIT_DAYS = Table(
    "audit_days",
    SIM,
    Column("call_id", Integer, nullable=False),
    Column("debt", String(36), nullable=False),
    Column("zone", String(40), nullable=False),
    Column("day", Integer, nullable=False),
    Column("started", BigInteger, nullable=False),
    Column("candidate", Boolean, nullable=False),
    Column("placed", Boolean, nullable=False),
    Column("conversation", Boolean, nullable=False),
    Column("cap", Integer, nullable=False),
    Index("ix_audit_days", "debt", "zone", "day"),
)


def postgres_options(url: str) -> tuple[list[str], str]:
    parsed = make_url(url)
    options = ["-h", parsed.host or "127.0.0.1", "-U", parsed.username or "postgres"]
    if parsed.port:
        options += ["-p", str(parsed.port)]
    if not parsed.database:
        sys.exit("--database-url needs a database name")
    return options, parsed.database


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file in a temporary directory, or the PostgreSQL
    database named (created when missing), its schema emptied first."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="opendialer-sim-") as workdir:
            yield f"sqlite:///{Path(workdir) / 'sim.db'}"
        return
    if make_url(url).get_backend_name() == "postgresql":
        options, name = postgres_options(url)
        listed = subprocess.run(
            ["psql", *options, "-d", "postgres", "-tAc",
             f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        if not listed.stdout.strip():
            subprocess.run(["createdb", *options, name], check=True)
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    yield url


# -- the data ---------------------------------------------------------------------------------


@dataclass
class Debt:
    loan_id: str
    borrower_id: str
    contact_id: int
    numbers: list[str]  # E.164
    line_types: list[str]
    consent: list[bool]
    address: Place
    contact_address: Place
    listed: set[str] = field(default_factory=set)


@dataclass
class World:
    debts: list[Debt]
    campaign_id: int
    hot: list[int]
    warm: list[int]
    cold: list[int]
    listed: set[tuple[int | None, str]]


def new_number(area: str, rng: random.Random) -> str:
    return f"+1{area}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"


def build(session: Session, debts: int, rng: random.Random) -> World:
    """The tenant, its servicer, lenders, campaign, borrowers, loans and contacts, the lists
    and what the simulation holds true of each consumer at its start."""
    before = START - timedelta(days=1)
    session.execute(TENANTS.insert(), [{"id": TENANT, "name": "Sim", "created_at": before}])
    session.execute(
        SERVICERS.insert(),
        [{"tenant_id": TENANT, "id": SERVICER, "name": "Main", "created_at": before}],
    )
    lenders = [f"lender-{n}" for n in range(3)]
    session.execute(
        LENDERS.insert(),
        [
            {"id": lender, "tenant_id": TENANT, "servicer_id": SERVICER, "name": lender,
             "created_at": before, "updated_at": before}
            for lender in lenders
        ],
    )  # fmt: skip
    campaign_id = session.execute(
        CAMPAIGNS.insert().returning(CAMPAIGNS.c.id),
        [{"tenant_id": TENANT, "name": "Collections", "active": True,
          "time_zone": "America/Chicago", "region": "US", "max_tries_per_number": 0,
          "max_tries_per_contact": 0,
          "retry_delay_busy": 600, "retry_delay_no_answer": 3600, "retry_delay_mailbox": 14400,
          "retry_delay_failed": 1800, "retry_delay_connected": 604800, "created_at": before,
          "updated_at": before}],
    ).scalar_one()  # fmt: skip
    weights = [weight for _, weight, _ in AREAS]
    borrower_ids, loan_ids = new_ids(debts), new_ids(debts)
    made: list[Debt] = []
    borrowers, loans, contacts = [], [], []
    addresses, consents, flags = [], [], []
    for n in range(debts):
        area, _, near = rng.choices(AREAS, weights)[0]
        first = new_number(area, rng)
        numbers = [first] + [
            new_number(rng.choices(AREAS, weights)[0][0], rng)
            for _ in range(rng.choices((0, 1, 2), (40, 40, 20))[0])
        ]
        if made and rng.random() < 0.02:  # a number another borrower has too
            numbers[rng.randrange(len(numbers))] = rng.choice(made).numbers[0]
        roll = rng.random()
        address: Place = (
            rng.choice(near)
            if roll < 0.6
            else (None, None)
            if roll < 0.66
            else rng.choice(EVERYWHERE)
        )
        contact_address: Place = (None, None)
        if address == (None, None) and rng.random() < 0.5:
            contact_address = rng.choice(EVERYWHERE)
        line_types = [
            rng.choices(("cell", "landline", "unknown"), (55, 25, 20))[0] for _ in numbers
        ]
        consent = [rng.random() < 0.7 for _ in numbers]
        debt = Debt(loan_ids[n], borrower_ids[n], n + 1, [to_e164(x) or x for x in numbers],
                    line_types, consent, address, contact_address)  # fmt: skip
        made.append(debt)
        borrower_flags = rng.choice(FLAGS) if rng.random() < 0.02 else None
        contact_flags = rng.choice(FLAGS) if rng.random() < 0.005 else None
        borrowers.append(
            {"id": debt.borrower_id, "tenant_id": TENANT, "servicer_id": SERVICER,
             "external_reference_id": f"BR-{n:08d}", "type": "borrower", "first_name": "Pat",
             "last_name": f"Doe{n}", "phone_number": spell(debt.numbers[0], rng),
             "phone_e164": debt.numbers[0], "cell_phone_consent": consent[0],
             "phone_line_type": line_types[0], "state": address[0], "postal_code": address[1],
             "compliance_flags": borrower_flags,
             "inconvenient_times": json.dumps(rng.choice(INCONVENIENT))
             if rng.random() < 0.05 else None,
             "created_at": before, "updated_at": before}
        )  # fmt: skip
        loans.append(
            {"id": debt.loan_id, "tenant_id": TENANT, "servicer_id": SERVICER,
             "lender_id": lenders[n % 3], "borrower_id": debt.borrower_id,
             "external_reference_id": f"LN-{n:08d}", "status": "repayment",
             "paid_to_date": date(2026, 8, 1), "created_at": before, "updated_at": before}
        )  # fmt: skip
        contact: dict[str, Any] = {
            "id": debt.contact_id, "tenant_id": TENANT, "campaign_id": campaign_id,
            "name": f"Doe{n}", "user_data": debt.loan_id, "loan_id": debt.loan_id,
            "region": contact_address[0], "postal_code": contact_address[1], "country": "US",
            "locked": False, "compliance_flags": contact_flags,
            "inconvenient_times": json.dumps(rng.choice(INCONVENIENT))
            if rng.random() < 0.01 else None,
            "created_at": before, "updated_at": before,
        }  # fmt: skip
        for offset in range(1, 7):
            number = debt.numbers[offset - 1] if offset <= len(debt.numbers) else None
            contact[f"phone_number{offset}"] = number and spell(number, rng)
            contact[f"phone_number{offset}_e164"] = number
            contact[f"phone_number{offset}_line_type"] = number and line_types[offset - 1]
            contact[f"phone_number{offset}_consent"] = number and consent[offset - 1]
            contact[f"n_tries_phone_number{offset}"] = 0
        contacts.append(contact)
        truth = address if address != (None, None) else contact_address
        addresses.append({"contact_id": debt.contact_id, "at": before, "state": truth[0],
                          "postal_code": truth[1]})  # fmt: skip
        for offset, (line_type, given) in enumerate(zip(line_types, consent, strict=True), 1):
            consents.append({"contact_id": debt.contact_id, "number_offset": offset,
                             "at": before, "line_type": line_type, "consented": given})  # fmt: skip
        if borrower_flags or contact_flags:
            flags.append({"contact_id": debt.contact_id, "at": before,
                          "flags": borrower_flags or contact_flags})  # fmt: skip
    for table, rows in (
        (BORROWERS, borrowers), (LOANS, loans), (CONTACTS, contacts),
        (SIM_ADDRESSES, addresses), (SIM_CONSENT, consents), (SIM_FLAGS, flags),
    ):  # fmt: skip
        for start in range(0, len(rows), 20_000):
            bulk_insert(session, table, rows[start : start + 20_000])
    listed: set[tuple[int | None, str]] = set()
    entries = []
    for debt in rng.sample(made, max(1, debts // 100)):
        scope = campaign_id if rng.random() < 0.3 else None
        number = rng.choice(debt.numbers)
        if (scope, number) not in listed:
            listed.add((scope, number))
            entries.append({"tenant_id": TENANT, "campaign_id": scope, "e164": number,
                            "source": "sim", "created_at": before})  # fmt: skip
    bulk_insert(session, DNC, entries)
    order = list(range(debts))
    rng.shuffle(order)
    hot, warm = max(1, debts // 100), max(1, debts // 10)
    return World(made, campaign_id, order[:hot], order[hot : hot + warm], order[hot + warm :],
                 listed)  # fmt: skip


# -- the simulation ---------------------------------------------------------------------------


@dataclass
class Tally:
    candidates: int = 0
    allowed: int = 0
    dialler_calls: int = 0
    outside_calls: int = 0
    conversations: int = 0
    refusal_rows: int = 0
    judge_seconds: float = 0.0
    judge_cpu: float = 0.0
    lookup_seconds: float = 0.0
    changes: Counter[str] = field(default_factory=Counter)


def pick(world: World, size: int, rng: random.Random) -> list[int]:
    """A batch of debts: a third from the hot hundredth, a third from the warm tenth."""
    chosen: set[int] = set()
    for tier, share in ((world.hot, 0.3), (world.warm, 0.3)):
        chosen.update(rng.sample(tier, min(len(tier), round(size * share))))
    if world.cold:
        chosen.update(rng.sample(world.cold, min(len(world.cold), size - len(chosen))))
    return sorted(chosen)


def changes(session: Session, world: World, at: datetime, rate: float, rng: random.Random,
            tally: Tally) -> None:  # fmt: skip
    """Moves, revocations, listings and flags at `at`, each stored with its moment."""
    debts = world.debts

    def some() -> list[Debt]:
        count = int(rate) + (rng.random() < rate - int(rate))
        pool = world.hot + world.warm if rng.random() < 0.5 else range(len(debts))
        return [debts[rng.choice(pool)] for _ in range(count)]

    for debt in some():
        place = rng.choice(MOVES_TO) if rng.random() < 0.5 else rng.choice(EVERYWHERE)
        if place == (None, None):
            continue
        session.execute(
            update(BORROWERS).where(BORROWERS.c.id == debt.borrower_id),
            {"state": place[0], "postal_code": place[1]},
        )
        debt.address = place
        moved = {
            "contact_id": debt.contact_id,
            "at": at,
            "state": place[0],
            "postal_code": place[1],
        }
        bulk_insert(session, SIM_ADDRESSES, [moved])
        tally.changes["moves"] += 1
    for debt in some():
        offset = rng.randrange(len(debt.numbers)) + 1
        if not debt.consent[offset - 1]:
            continue
        debt.consent[offset - 1] = False
        if offset == 1 and rng.random() < 0.5:  # said to the servicer, not the dialler
            session.execute(
                update(BORROWERS).where(BORROWERS.c.id == debt.borrower_id),
                {"cell_phone_consent": False},
            )
        else:
            session.execute(
                update(CONTACTS).where(CONTACTS.c.id == debt.contact_id),
                {f"phone_number{offset}_consent": False},
            )
        bulk_insert(session, SIM_CONSENT, [{"contact_id": debt.contact_id, "number_offset": offset,
                                            "at": at, "line_type": debt.line_types[offset - 1],
                                            "consented": False}])  # fmt: skip
        tally.changes["revocations"] += 1
    for debt in some():
        scope = world.campaign_id if rng.random() < 0.2 else None
        number = rng.choice(debt.numbers)
        if (scope, number) in world.listed:
            continue
        world.listed.add((scope, number))
        bulk_insert(session, DNC, [{"tenant_id": TENANT, "campaign_id": scope, "e164": number,
                                    "source": "sim", "created_at": at}])  # fmt: skip
        tally.changes["listings"] += 1
    for debt in some():
        flag = rng.choice(FLAGS)
        if rng.random() < 0.7:
            session.execute(
                update(BORROWERS).where(BORROWERS.c.id == debt.borrower_id),
                {"compliance_flags": flag},
            )
        else:
            session.execute(
                update(CONTACTS).where(CONTACTS.c.id == debt.contact_id),
                {"compliance_flags": flag},
            )
        bulk_insert(session, SIM_FLAGS, [{"contact_id": debt.contact_id, "at": at, "flags": flag}])
        tally.changes["flags"] += 1


def outcome(rng: random.Random) -> str:
    """How a placed call ends."""
    return rng.choices(
        ["conversation", "mailbox", "no_answer", "busy", "failed"], [20, 15, 50, 5, 10]
    )[0]


class Ledger:
    """Stores the calls placed as the system does."""

    def __init__(self) -> None:
        self.next_history = 1

    def store(self, session: Session, placed: list[tuple[Debt, Judgement, str, bool]],
              now: datetime, rng: random.Random) -> None:  # fmt: skip
        history, tracked, cdrs = [], [], []
        tracked_ids = iter(new_ids(len(placed)))
        cdr_ids = iter(new_ids(len(placed)))
        for debt, judgement, result, outside in placed:
            conversation = result == "conversation"
            status = "Contacted" if conversation else "Attempted"
            if outside:
                tracked.append(
                    {"id": next(tracked_ids), "tenant_id": TENANT, "servicer_id": SERVICER,
                     "loan_id": debt.loan_id, "borrower_id": debt.borrower_id,
                     "phone_number": judgement.phone_number, "phone_e164": judgement.e164,
                     "call_status": status, "call_timestamp": now, "created_by": OUTSIDE,
                     "created_at": now, "updated_at": now}
                )  # fmt: skip
                continue
            cause = {"conversation": 16, "mailbox": 16, "no_answer": 19, "busy": 17}.get(result, 38)
            rang = result in ("conversation", "mailbox", "no_answer")
            connected = result in ("conversation", "mailbox")
            alert = now + timedelta(seconds=rng.randint(1, 4)) if rang else None
            connect = now + timedelta(seconds=rng.randint(5, 20)) if connected else None
            end = now + timedelta(seconds=rng.randint(30, 300))
            history_id = self.next_history
            self.next_history += 1
            history.append(
                {"id": history_id, "tenant_id": TENANT, "contact_id": judgement.contact_id,
                 "campaign_id": judgement.campaign_id, "user_data": debt.loan_id,
                 "dt_call_start": now, "dt_call_alert": alert, "dt_call_connect": connect,
                 "dt_call_end": end, "cause_code": cause, "connres": 1 if connected else 0,
                 "phone_number": judgement.phone_number,
                 "phone_number_offset": judgement.offset, "outbound": True,
                 "mailbox": result == "mailbox", "test_call": False, "created_at": now}
            )  # fmt: skip
            tracked.append(
                {"id": next(tracked_ids), "tenant_id": TENANT, "servicer_id": SERVICER,
                 "loan_id": debt.loan_id, "borrower_id": debt.borrower_id,
                 "phone_number": judgement.phone_number, "phone_e164": judgement.e164,
                 "call_status": status, "call_timestamp": now, "created_by": "dialler",
                 "created_at": now, "updated_at": now}
            )  # fmt: skip
            cdrs.append(
                {"id": next(cdr_ids), "tenant_id": TENANT, "time": now,
                 "dialed_num": judgement.phone_number, "dialed_e164": judgement.e164,
                 "direction": "OUT",
                 "disposition": {"busy": "BUSY", "no_answer": "NO ANSWER",
                                 "failed": "FAILED"}.get(result, "ANSWERED"),
                 "duration": round((end - now).total_seconds()),
                 "unique_id": f"opendialer-history-{history_id}", "prev_unique_id": "",
                 "next_unique_id": "", "who_answered": "", "recorded": 0, "queue_call": 0,
                 "presented": 1 if connected else 0, "call_outcome": result,
                 "after_answer_duration": round((end - connect).total_seconds())
                 if connect else 0,
                 "created_at": now}
            )  # fmt: skip
        bulk_insert(session, HISTORY, history)
        bulk_insert(session, TRACKED, tracked)
        bulk_insert(session, CDRS, cdrs)


def simulate(
    engine: Engine,
    world: World,
    args: argparse.Namespace,
    rng: random.Random,
    profile: cProfile.Profile | None,
) -> Tally:
    tally = Tally()
    debts = world.debts
    mean_numbers = sum(len(debt.numbers) for debt in debts) / len(debts)
    size = min(args.batch, max(10, len(debts) // 10))
    ticks = max(1, round(args.attempts / (size * mean_numbers)))
    span = timedelta(days=args.days) / ticks
    rate = max(1, len(debts) // 50) / ticks  # of each change, over the whole run
    ledger = Ledger()
    by_contact = {debt.contact_id: debt for debt in debts}
    with Session(engine) as session:
        service = ComplianceService(session, TENANT)
        tick = 0
        while tally.candidates < args.attempts:
            jitter = timedelta(seconds=rng.randrange(max(1, int(span.total_seconds()))))
            now = (START + span * tick + jitter).replace(microsecond=0)
            tick += 1
            changes(session, world, now - timedelta(seconds=1), rate, rng, tally)
            if (tick == 2 or tick % 25 == 1) and engine.dialect.name == "postgresql":
                # As autovacuum does on a database in use: the ledger's tables grow from
                # nothing during the run, and plans made on tables believed empty scan them.
                # It analyzes a table once it has its first 50 rows, and again at each tenth
                # more: here after the first tick's calls, then every 25 ticks.
                session.execute(text("ANALYZE"))
            left = (args.attempts - tally.candidates) / mean_numbers
            batch = pick(world, max(1, min(size, round(left) + 1)), rng)
            started = time.perf_counter()
            rows = service.contact_rows([debts[n].contact_id for n in batch])
            judged, cpu = time.perf_counter(), time.process_time()
            if profile is not None:
                profile.enable()
            judgements = service.judge_contacts(rows, now)
            if profile is not None:
                profile.disable()
            tally.lookup_seconds += judged - started
            tally.judge_seconds += time.perf_counter() - judged
            tally.judge_cpu += time.process_time() - cpu
            tally.candidates += len(judgements)
            chosen: dict[int, Judgement] = {}
            for judgement in judgements:
                if judgement.decision.allowed:
                    tally.allowed += 1
                    assert judgement.contact_id is not None
                    chosen.setdefault(judgement.contact_id, judgement)
            placed = []
            for contact_id, judgement in chosen.items():
                result = outcome(rng)
                outside = rng.random() < 0.1
                placed.append((by_contact[contact_id], judgement, result, outside))
                tally.outside_calls += outside
                tally.dialler_calls += not outside
                tally.conversations += result == "conversation"
            ledger.store(session, placed, now, rng)
            tally.refusal_rows += service.record(judgements, now)
            session.commit()
    return tally


# -- the audit: the rules, written again ------------------------------------------------------

NOT_GEOGRAPHIC = {
    PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST,
    PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.UAN, PhoneNumberType.VOIP,
    PhoneNumberType.PAGER,
}  # fmt: skip
STATES_AND_DC = set(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
    ]
)
BOROUGHS = {"New York County", "Kings County", "Queens County", "Bronx County", "Richmond County"}


@cache
def zip_table() -> tuple[dict[str, tuple[str, str, str]], dict[str, frozenset[str]]]:
    """(state, county, zone) by ZIP code, and every zone of each state's ZIP codes."""
    by_zip: dict[str, tuple[str, str, str]] = {}
    by_state: defaultdict[str, set[str]] = defaultdict(set)
    known = available_timezones()
    for place in zipcodes.filter_by():
        if place["timezone"] in known:  # the table names a few places, not zones
            by_zip[place["zip_code"]] = (place["state"], place["county"], place["timezone"])
            by_state[place["state"]].add(place["timezone"])
    return by_zip, {state: frozenset(zones) for state, zones in by_state.items()}


@cache
def phone_zones_of(e164: str) -> frozenset[str]:
    number = phonenumbers.parse(e164, "US")
    if phonenumbers.number_type(number) in NOT_GEOGRAPHIC:
        states = zip_table()[1]
        return frozenset().union(*(states[state] for state in STATES_AND_DC))
    return frozenset(
        zone for zone in phone_zones.time_zones_for_number(number) if zone != "Etc/Unknown"
    )


@cache
def e164_of(spelled: str) -> str | None:
    try:
        number = phonenumbers.parse(spelled, "US")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def place_zones(place: Place) -> frozenset[str]:
    by_zip, by_state = zip_table()
    zones: set[str] = set()
    if place[1] and place[1][:5] in by_zip:
        zones.add(by_zip[place[1][:5]][2])
    if place[0]:
        zones |= by_state.get(place[0], frozenset())
    return frozenset(zones)


def cap_of(place: Place) -> int:
    """The strictest state or city cap on calls in 7 days at this address (7: none)."""
    state, postal = place
    found = zip_table()[0].get((postal or "")[:5])
    states = {state, found[0] if found else None}
    cap = 7
    if "MA" in states:
        cap = min(cap, 2)
    if "WA" in states:
        cap = min(cap, 3)
    if found and found[0] == "NY" and found[1] in BOROUGHS:
        cap = min(cap, 2)
    return cap


class Clocks:
    """Zones told apart only by their clocks over the simulated time: one name for each."""

    def __init__(self, first: datetime, last: datetime) -> None:
        hours = int((last - first).total_seconds() // 3600) + 1
        self.hours = [first + timedelta(hours=n) for n in range(hours)]
        self.named: dict[tuple[Any, ...], str] = {}

    @cache  # noqa: B019 - one Clocks per run
    def canonical(self, name: str) -> str:
        zone = ZoneInfo(name)
        key = tuple(moment.astimezone(zone).utcoffset() for moment in self.hours)
        return self.named.setdefault(key, name)


def ring_in_hours(start: datetime, zone: ZoneInfo) -> bool:
    local, end = start.astimezone(zone), (start + RING).astimezone(zone)
    closes = datetime.combine(local.date(), clock(21)).replace(tzinfo=None)
    return (
        local.time() >= clock(8)
        and end.replace(tzinfo=None) <= closes
        and end.date() == local.date()
    )


def inconvenient(start: datetime, zone: ZoneInfo, ranges: list[dict[str, Any]]) -> bool:
    first = start.astimezone(zone).replace(tzinfo=None)
    last = (start + RING).astimezone(zone).replace(tzinfo=None)
    for stated in ranges:
        begins, ends = clock.fromisoformat(stated["from"]), clock.fromisoformat(stated["to"])
        for day in {first.date() - timedelta(days=1), first.date(), last.date()}:
            if day.weekday() not in stated["days"]:
                continue
            low = datetime.combine(day, begins)
            high = datetime.combine(day + timedelta(days=ends < begins), ends)
            if first < high and last >= low:
                return True
    return False


@dataclass
class Findings:
    counts: Counter[str] = field(default_factory=Counter)
    examples: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # The addresses of the calls each check found, and each call once.
    places: defaultdict[str, Counter[Place]] = field(default_factory=lambda: defaultdict(Counter))
    calls: defaultdict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def add(self, check: str, example: str, call_id: int, place: Place) -> None:
        self.counts[check] += 1
        if call_id not in self.calls[check]:
            self.calls[check].add(call_id)
            self.places[check][place] += 1
        if len(self.examples[check]) < 3:
            self.examples[check].append(example)


def audit(engine: Engine, findings: Findings) -> int:
    """Every stored call checked by the rules; answers how many calls were checked."""
    with engine.connect() as connection:
        dialler = connection.execute(text(
            "SELECT h.contact_id, c.campaign_id, c.loan_id, h.dt_call_start, h.phone_number, "
            "h.phone_number_offset, h.dt_call_alert IS NOT NULL OR h.dt_call_connect IS NOT NULL "
            "OR h.cause_code = 17 AS placed, "
            "h.dt_call_connect IS NOT NULL AND NOT h.mailbox AS conversation "
            "FROM dialler_contacts_history h JOIN dialler_contacts c ON c.id = h.contact_id"
        )).all()  # fmt: skip
        outside = connection.execute(text(
            "SELECT c.id, c.campaign_id, t.loan_id, t.call_timestamp, t.phone_number, NULL, "
            "1 = 1, t.call_status = 'Contacted' FROM tracked_calls t "
            "JOIN dialler_contacts c ON c.loan_id = t.loan_id "
            "WHERE t.created_by IS NULL OR t.created_by <> 'dialler'"
        )).all()  # fmt: skip
        numbers = {
            row[0]: [row[n] for n in range(1, 7)]
            for row in connection.execute(text(
                "SELECT id, phone_number1, phone_number2, phone_number3, phone_number4, "
                "phone_number5, phone_number6 FROM dialler_contacts"
            ))
        }  # fmt: skip
        moves: defaultdict[int, list[tuple[datetime, Place]]] = defaultdict(list)
        for row in connection.execute(text(
            "SELECT contact_id, at, state, postal_code FROM sim_addresses ORDER BY contact_id, at"
        )):  # fmt: skip
            moves[row[0]].append((utc(row[1]), (row[2], row[3])))
        ranges: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in connection.execute(text(
            "SELECT c.id, c.inconvenient_times, b.inconvenient_times FROM dialler_contacts c "
            "LEFT JOIN loans l ON l.id = c.loan_id LEFT JOIN borrowers b ON b.id = l.borrower_id "
            "WHERE c.inconvenient_times IS NOT NULL OR b.inconvenient_times IS NOT NULL"
        )):  # fmt: skip
            for stated in row[1:]:
                if stated:
                    ranges[row[0]].extend(json.loads(stated))
    calls = [(n, *row) for n, row in enumerate([*dialler, *outside], 1)]
    if not calls:
        return 0
    first = min(utc(row[4]) for row in calls) - timedelta(days=10)
    clocks = Clocks(first, max(utc(row[4]) for row in calls) + timedelta(days=10))
    call_rows, per_call = [], []
    zones_of_debt: defaultdict[str, set[str]] = defaultdict(set)
    wheres: dict[int, str] = {}
    places: dict[int, Place] = {}
    for call_id, contact_id, campaign_id, debt, started, spelled, offset, placed, talk in calls:
        started = utc(started)
        e164 = e164_of(spelled)
        if offset is None:  # an outside dialer's call: which of the contact's numbers
            offset = next(
                (n + 1 for n, x in enumerate(numbers[contact_id]) if x and e164_of(x) == e164),
                None,
            )
        history = moves[contact_id]
        place = history[bisect_right([at for at, _ in history], started) - 1][1]
        names = (phone_zones_of(e164) if e164 else frozenset()) | place_zones(place)
        zones = sorted({clocks.canonical(name) for name in names})
        where = f"call {call_id}: contact {contact_id}, debt {debt}, {spelled} at {started:%Y-%m-%d %H:%M:%S}Z, address {place}, zones {zones}"  # noqa: E501
        wheres[call_id], places[call_id] = where, place
        if not zones:
            findings.add("no_zone", where, call_id, place)
        for name in zones:
            zone = ZoneInfo(name)
            if not ring_in_hours(started, zone):
                findings.add(
                    "calling_hours",
                    f"{where}: {started.astimezone(zone):%H:%M:%S} in {name}",
                    call_id,
                    place,
                )
            if ranges.get(contact_id) and inconvenient(started, zone, ranges[contact_id]):
                findings.add("inconvenient_time", f"{where}: {ranges[contact_id]}", call_id, place)
        call_rows.append(
            {"call_id": call_id, "contact_id": contact_id, "campaign_id": campaign_id,
             "debt": debt, "started": started, "e164": e164, "number_offset": offset,
             "placed": bool(placed), "conversation": bool(talk)}
        )  # fmt: skip
        per_call.append((call_id, debt, started, zones, bool(placed), bool(talk), cap_of(place)))
        zones_of_debt[debt].update(zones)
    days = []
    for call_id, debt, started, zones, placed, talk, cap in per_call:
        for name in sorted(zones_of_debt[debt]):
            days.append(
                {"call_id": call_id, "debt": debt, "zone": name,
                 "day": started.astimezone(ZoneInfo(name)).date().toordinal(),
                 "started": int(started.timestamp()), "candidate": name in zones,
                 "placed": placed, "conversation": talk, "cap": cap}
            )  # fmt: skip
    with Session(engine) as session:
        for table, rows in ((AUDIT_CALLS, call_rows), (AUDIT_DAYS, days)):
            for start in range(0, len(rows), 50_000):
                bulk_insert(session, table, rows[start : start + 50_000])
        session.commit()
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE audit_days"))
            connection.execute(text("ANALYZE audit_calls"))
        else:
            connection.execute(text("ANALYZE"))
        for check, query in CHECKS.items():
            for row in connection.execute(text(query)):
                found = ", ".join(f"{key} {value}" for key, value in row._mapping.items())
                findings.add(
                    check, f"{found}; {wheres[row.call_id]}", row.call_id, places[row.call_id]
                )
    return len(calls)


# The calls about the same debt before this one, counted in the calendar of each zone this
# call's consumer may be in: the window of 7 days ending on this call's day, there.
_WINDOW = (
    "FROM audit_days a JOIN audit_days b ON b.debt = a.debt AND b.zone = a.zone "
    "AND b.placed AND b.started < a.started AND b.day BETWEEN a.day - 6 AND a.day "
    "WHERE a.candidate "
)
CHECKS = {
    # An 8th call placed while 7 are within the window (a failed attempt is checked too: the
    # gate cannot know it will fail).
    "frequency_7_in_7": "SELECT a.call_id, a.debt, a.zone, COUNT(*) AS before_it "
    + _WINDOW
    + "GROUP BY a.call_id, a.debt, a.zone HAVING COUNT(*) >= 7",
    "state_cap": "SELECT a.call_id, a.debt, a.zone, a.cap, COUNT(*) AS before_it "
    + _WINDOW
    + "AND a.cap < 7 GROUP BY a.call_id, a.debt, a.zone, a.cap HAVING COUNT(*) >= a.cap",
    # A conversation's day is the first of 7 in which no call is placed, in every zone.
    "after_conversation": "SELECT DISTINCT a.call_id, a.debt, a.zone "
    "FROM audit_days a JOIN audit_days b ON b.debt = a.debt AND b.zone = a.zone "
    "AND b.conversation AND b.started < a.started AND a.day <= b.day + 6 WHERE a.candidate",
    "dnc": "SELECT a.call_id, a.e164, d.campaign_id AS list, d.created_at AS listed_at, "
    "a.started FROM audit_calls a JOIN dnc_entries d ON d.e164 = a.e164 "
    "AND (d.campaign_id IS NULL OR d.campaign_id = a.campaign_id) AND d.created_at <= a.started",
    "consent": "SELECT a.call_id, a.contact_id, a.number_offset, s.line_type, s.at, a.started "
    "FROM audit_calls a JOIN sim_consent s ON s.contact_id = a.contact_id "
    "AND s.number_offset = a.number_offset AND s.at <= a.started "
    "WHERE s.line_type <> 'landline' AND NOT s.consented",
    "borrower_flag": "SELECT a.call_id, a.contact_id, f.flags, f.at, a.started "
    "FROM audit_calls a JOIN sim_flags f ON f.contact_id = a.contact_id AND f.at <= a.started",
    "unknown_number": "SELECT call_id, contact_id FROM audit_calls WHERE number_offset IS NULL",
}


def utc(value: datetime) -> datetime:
    """A stored moment as an aware UTC time (SQLite hands back naive UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# -- the run ----------------------------------------------------------------------------------


def run(url: str, args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    phases: dict[str, float] = {}
    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    SIM.create_all(engine)
    phases["schema"] = time.perf_counter() - started
    mark = time.perf_counter()
    with Session(engine) as session:
        world = build(session, args.debts, rng)
        session.commit()
    if engine.dialect.name == "postgresql":
        # As autovacuum would have by then on a database in use: plans made on tables the
        # planner believes empty scan them whole.
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    phases["load"] = time.perf_counter() - mark
    # The simulation's own world (a few million objects) is kept out of the collector's
    # rounds: they would be counted against the gate, whose process holds nothing like it.
    gc.freeze()
    mark = time.perf_counter()
    profile = cProfile.Profile() if args.profile else None
    tally = simulate(engine, world, args, rng, profile)
    phases["simulate"] = time.perf_counter() - mark
    mark = time.perf_counter()
    findings = Findings()
    checked = audit(engine, findings)
    phases["audit"] = time.perf_counter() - mark
    with engine.connect() as connection:
        refused = connection.execute(text(
            "SELECT rule, COUNT(*) FROM compliance_refusals GROUP BY rule ORDER BY COUNT(*) DESC"
        )).all()  # fmt: skip
    engine.dispose()

    simulate_s = phases["simulate"]
    print(f"database: {make_url(url).get_backend_name()} ({url})")
    print(f"debts {args.debts:,}, days {args.days} from {START:%Y-%m-%d}, seed {args.seed}, "
          f"batch {args.batch} contacts")  # fmt: skip
    print(f"candidate attempts (numbers judged): {tally.candidates:,}; allowed: "
          f"{tally.allowed:,}; calls placed: {tally.dialler_calls:,} by the dialler, "
          f"{tally.outside_calls:,} by an outside dialer ({tally.conversations:,} "
          f"conversations)")  # fmt: skip
    print(f"changes during the run: {dict(tally.changes)}")
    print("refusals by rule: " + ", ".join(f"{rule} {count:,}" for rule, count in refused))
    print(f"gate: {tally.candidates / tally.judge_seconds:,.0f} decisions/s in judge_contacts "
          f"(look-ups and decisions, {tally.judge_seconds:.1f} s; "
        f"{tally.candidates / tally.judge_cpu:,.0f}/s of this process's CPU); reading the contacts "
          f"{tally.lookup_seconds:.1f} s more")  # fmt: skip
    print(f"simulation: {tally.candidates / simulate_s:,.0f} attempts/s with the ledger's "
          f"writes ({simulate_s:.1f} s)")  # fmt: skip
    print("phases: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items()))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MiB")
    print(f"audit: {checked:,} stored calls checked")
    if profile is not None:
        print("judge_contacts, by own time:")
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(15)
        stats.sort_stats("cumulative").print_stats(25)
    checks = ["no_zone", "calling_hours", "inconvenient_time", *CHECKS]
    for check in checks:
        print(f"  {check}: {findings.counts[check]} violations")
        if findings.counts[check]:
            found = findings.places[check].most_common(5)
            print(f"    {len(findings.calls[check])} calls, at addresses (state, ZIP): {found}")
        for example in findings.examples[check]:
            print(f"    {example}")
    return 1 if sum(findings.counts.values()) else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument("--attempts", type=int, default=1_000_000)
    parser.add_argument("--debts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--batch", type=int, default=1000, help="contacts judged per tick")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="profile judge_contacts")
    parser.add_argument(
        "--no-reference", action="store_true", help="skip the machine's reference figures"
    )
    args = parser.parse_args()
    print(load() if args.no_reference else describe(), flush=True)
    with database(args.database_url) as url:
        code = run(url, args)
    print(f"after the run: {load() if args.no_reference else f'{load()}; {reference()}'}")
    sys.exit(code)


if __name__ == "__main__":
    main()
