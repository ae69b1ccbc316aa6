"""Several engines, one database: an engine killed with SIGKILL mid-call loses nothing and
dials nobody twice; on SQLite a second engine waits for the lease; on PostgreSQL two engines
share the work without dialing one contact twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from opendialer.auth.principal import Principal, Role
from opendialer.auth.tokens import issue_token
from opendialer.db.migrate import upgrade
from opendialer.db.session import Database
from opendialer.dialler.models import Campaign, ContactHistory
from opendialer.engine.carrier import SimulatedCarrier
from opendialer.engine.clock import RealClock, VirtualClock
from opendialer.engine.models import Attempt
from opendialer.engine.repository import EngineRepository
from opendialer.engine.service import CAUSE_ORPHANED, Engine
from opendialer.tenancy.service import create_servicer, create_tenant
from tests.conftest import TEST_KEY, service_over

HEADERS = {
    "Authorization": "Bearer "
    + issue_token(Principal("test", Role.ACCOUNT_ADMIN, 314), TEST_KEY, 3600)
}


@pytest.fixture
def shared(cli_database_url: str) -> Iterator[tuple[str, Database]]:
    """A database of the test's own, committed to, as engines in other processes see it."""
    database = Database.from_url(cli_database_url)
    upgrade(database.engine)
    with database.transaction() as session:
        create_tenant(session, 314, "Acme Servicing")
        create_servicer(session, 314, 2, "Acme Main")
    yield cli_database_url, database
    database.engine.dispose()


def campaign_with(url: str, numbers: list[str], **settings: Any) -> tuple[int, list[int]]:
    """A started agentless campaign of tenant 314 calling each number once."""
    with service_over(url) as client:
        body = {"Name": "Shared", "DialingMode": "agentless", "RingTimeoutSeconds": 15,
                "MaxLines": 50, "MaxCallsPerSecond": 50, **settings}  # fmt: skip
        response = client.post("/dialler/campaigns", json=body, headers=HEADERS)
        assert response.status_code == 200, response.text
        campaign_id: int = response.json()["records"][0]["DiallerCampaignsID"]
        contacts = []
        for number in numbers:
            response = client.post(
                "/dialler/contacts/import",
                json={"DiallerCampaignsID": campaign_id, "Name": number, "PhoneNumber1": number,
                      "PhoneNumber1Consent": True, "PostalCode": "60601", "Region": "IL"},
                headers=HEADERS,
            )  # fmt: skip
            assert response.status_code == 200, response.text
            contacts.append(response.json()["records"][0]["ID"])
        started = client.post(f"/dialler/campaigns/{campaign_id}/start", headers=HEADERS)
        assert started.status_code == 200, started.text
    return campaign_id, contacts


def attempts(database: Database) -> list[Attempt]:
    with database.transaction(write=False) as session:
        return list(session.execute(select(Attempt).order_by(Attempt.id)).scalars())


def histories(database: Database) -> dict[int, int]:
    with database.transaction(write=False) as session:
        rows = session.execute(
            select(ContactHistory.contact_id, func.count()).group_by(ContactHistory.contact_id)
        )
        return {contact_id: count for contact_id, count in rows}


# A Tuesday, 10:00 in Chicago: inside the gate's hours for the Illinois consumers here.
START = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def test_an_engine_killed_mid_call_loses_nothing_and_dials_nobody_twice(
    shared: tuple[str, Database], tmp_path: Path
) -> None:
    url, database = shared
    # Numbers that ring until the ring time runs out: the calls are under way when it dies.
    _, contacts = campaign_with(url, [f"+131255501{n}" for n in range(30, 35)])
    command = Path(sys.executable).with_name("opendialer")
    env = {**os.environ, "OPENDIALER_DATABASE_URL": url, "OPENDIALER_SECRET_KEY": TEST_KEY,
           "OPENDIALER_DAILY_CALL_LIST": "false"}  # fmt: skip
    # At the real pace, from a moment of the day when the gate allows these calls.
    args = [str(command), "engine", "run", "--tick", "0.2", "--start", START.isoformat()]
    process = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while len([a for a in attempts(database) if a.ended_at is None]) < 5:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the engine placed no calls"
            time.sleep(0.1)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    left = attempts(database)
    assert len(left) == 5 and all(a.ended_at is None for a in left)
    assert histories(database) == {}

    # The next engine starts later than the dead one's ring time and margin.
    clock = VirtualClock(START + timedelta(minutes=3))
    engine = Engine(database, SimulatedCarrier(clock, seed=2), clock, tick=1.0)
    asyncio.run(engine.run(until_idle=True))

    closed = attempts(database)
    assert len(closed) == 5, "a contact was dialed again inside its retry delay"
    assert all(a.ended_at is not None and a.cause == CAUSE_ORPHANED for a in closed)
    assert histories(database) == {contact_id: 1 for contact_id in contacts}
    with service_over(url) as client:
        for contact_id in contacts:
            record = client.get(f"/dialler/contacts/{contact_id}", headers=HEADERS).json()
            contact = record["records"][0]
            assert contact["nTriesPhoneNumber1"] == 1
            next_try = datetime.fromisoformat(contact["dtNextTry"]).replace(tzinfo=UTC)
            (own,) = [a for a in closed if a.contact_id == contact_id]
            # Not before the campaign's retry delay after a failed call (the API writes
            # milliseconds).
            assert next_try + timedelta(milliseconds=1) > own.started_at + timedelta(seconds=1800)


def run_in_thread(
    engine: Engine, results: list[BaseException], stop: threading.Event | None = None
) -> threading.Thread:
    """The engine in a thread of its own: until `stop` is set, or else until it is idle."""

    def target() -> None:
        try:
            if stop is None:
                asyncio.run(engine.run(until_idle=True))
            else:
                asyncio.run(engine.run(stop.is_set))
        except BaseException as exc:
            results.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_two_engines_share_the_work_and_dial_no_contact_twice(
    shared: tuple[str, Database],
) -> None:
    url, database = shared
    # The first twenty ring until the ring time runs out: the first engine's calls are under
    # way when the second starts. The others are busy: they end at once.
    numbers = [f"+13125550{130 + n % 10}" for n in range(20)]
    numbers += [f"+13125550{120 + n % 10}" for n in range(40)]
    _, contacts = campaign_with(url, numbers, MaxLines=20, MaxCallsPerSecond=20)
    engines = []
    for seed in (1, 2):
        # Each engine its own connections, as in its own process; on the real clock (from a
        # moment of the day the gate allows), as the second waits in real time.
        own = Database.from_url(url)
        clock = RealClock(START)
        engines.append(Engine(own, SimulatedCarrier(clock, seed=seed), clock, tick=0.2,
                              name=f"engine-{seed}"))  # fmt: skip
    first, second = engines
    errors: list[BaseException] = []
    stop_first = threading.Event()
    threads = [run_in_thread(first, errors, stop_first)]
    wait_for(lambda: first.placed > 0 or errors, "the first engine placed no call")
    threads.append(run_in_thread(second, errors))
    sqlite = make_url(url).get_backend_name() == "sqlite"
    if sqlite:
        wait_for(lambda: second.waited_for or errors, "the second engine did not wait")
    else:
        # Both dial at once; the first's calls hold every line while they ring.
        wait_for(lambda: second.engine_id or errors, "the second engine did not start")
    stop_first.set()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    placed = attempts(database)
    # Every contact was dialed, once: the first engine's calls, hung up when it stopped,
    # wait out their retry delay; the second engine dialed the others.
    assert sorted(a.contact_id for a in placed) == sorted(contacts)
    assert histories(database) == {contact_id: 1 for contact_id in contacts}
    assert first.placed + second.placed == len(contacts)
    assert first.placed > 0 and second.placed > 0
    # The two engines together never held more than the campaign's 20 lines.
    assert most_at_once(placed) <= 20
    if sqlite:
        # The second said so and waited until the first let the lease go.
        assert second.waited_for == [first.engine_id]
        last_of_first = max(a.started_at for a in placed if a.engine_id == first.engine_id)
        assert all(a.started_at >= last_of_first for a in placed
                   if a.engine_id == second.engine_id)  # fmt: skip
    for engine in engines:
        engine.database.engine.dispose()


def most_at_once(placed: list[Attempt]) -> int:
    """The most calls under way at one moment (one that ends as another starts is not)."""
    changes = sorted([(a.started_at, 1) for a in placed] +
                     [(a.ended_at, -1) for a in placed if a.ended_at is not None])  # fmt: skip
    most = under_way = 0
    for _, change in changes:
        under_way += change
        most = max(most, under_way)
    return most


def test_on_postgresql_an_engine_skips_the_contacts_another_is_claiming(
    shared: tuple[str, Database],
) -> None:
    url, database = shared
    if make_url(url).get_backend_name() != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; on SQLite one engine holds the lease")
    campaign_id, contacts = campaign_with(url, [f"+1312555{n:04d}" for n in range(100, 110)])
    # Another engine, mid-claim: the first four due contacts are locked in its transaction.
    other = Database.from_url(url)
    with other.transaction() as session:
        claims = EngineRepository(session, 314)
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        locked = claims.due_contacts(campaign, START, 4)
        assert locked == contacts[:4]

        clock = VirtualClock(START)
        engine = Engine(database, SimulatedCarrier(clock, seed=1), clock, tick=1.0)
        asyncio.run(engine.run(until_idle=True))

        dialed = sorted(a.contact_id for a in attempts(database))
        assert dialed == contacts[4:], "a contact another engine was claiming was dialed"
    other.engine.dispose()
