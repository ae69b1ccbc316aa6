"""The engine dials an agentless campaign through the simulated carrier, on virtual time: each
scripted number ends as scripted, on the one outcome path (history, CDR, the contact's
counters), within the campaign's lines and calls per second, and only as the gate allows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from opendialer.db.session import Database
from opendialer.dialler.service import ContactService
from opendialer.engine.carrier import SimulatedCarrier
from opendialer.engine.clock import VirtualClock
from opendialer.engine.models import Attempt
from opendialer.engine.progress import campaign_progress
from opendialer.engine.service import Engine
from tests.conftest import TokenFactory

# A Tuesday, 10:00 in Chicago: inside the gate's hours for an Illinois consumer.
START = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
# The fictional range's scripted fates (docs/engine.md), as the history shows them.
SCRIPTED = {
    "+13125550100": (16, True, False),  # a person answers: connected
    "+13125550110": (16, True, True),  # a machine answers: mailbox
    "+13125550120": (17, False, False),  # busy
    "+13125550130": (19, False, False),  # no answer
    "+13125550140": (1, False, False),  # unallocated: the number is marked invalid
    "+13125550150": (38, False, False),  # network failure
}


def agentless_campaign(client: TestClient, auth: TokenFactory, **settings: Any) -> int:
    body = {
        "Name": "Reminders",
        "DialingMode": "agentless",
        "RingTimeoutSeconds": 20,
        "MaxLines": 3,
        "MaxCallsPerSecond": 2,
        "CallerID": "+13125550199",
        **settings,
    }
    response = client.post("/dialler/campaigns", json=body, headers=auth())
    assert response.status_code == 200, response.text
    campaign_id: int = response.json()["records"][0]["DiallerCampaignsID"]
    return campaign_id


def add_contact(
    client: TestClient, auth: TokenFactory, campaign_id: int, number: str, **fields: Any
) -> int:
    body = {"DiallerCampaignsID": campaign_id, "Name": f"Consumer {number}",
            "PhoneNumber1": number, "PhoneNumber1Consent": True, "PostalCode": "60601",
            "Region": "IL", **fields}  # fmt: skip
    response = client.post("/dialler/contacts/import", json=body, headers=auth())
    assert response.status_code == 200, response.text
    contact_id: int = response.json()["records"][0]["ID"]
    return contact_id


def run_engine(
    database: Database, clock: VirtualClock, *, seed: int = 1, simulate_agents: int = 0
) -> Engine:
    """Run an engine on the simulated carrier until it is idle."""
    engine = Engine(database, SimulatedCarrier(clock, seed=seed), clock, tick=1.0,
                    simulate_agents=simulate_agents, seed=seed)  # fmt: skip
    asyncio.run(engine.run(until_idle=True))
    return engine


def attempts(database: Database) -> list[Attempt]:
    with database.transaction(write=False) as session:
        return list(session.execute(select(Attempt).order_by(Attempt.id)).scalars())


def test_each_scripted_number_ends_as_scripted_on_the_outcome_path(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = agentless_campaign(client, auth)
    contacts = {number: add_contact(client, auth, campaign_id, number) for number in SCRIPTED}
    assert client.post(f"/dialler/campaigns/{campaign_id}/start", headers=auth()).status_code == 200

    engine = run_engine(database, VirtualClock(START))

    assert engine.placed == len(SCRIPTED)
    placed = attempts(database)
    assert len(placed) == len(SCRIPTED)
    assert all(a.ended_at is not None and a.history_id is not None for a in placed)
    for number, (cause, connected, mailbox) in SCRIPTED.items():
        contact = client.get(f"/dialler/contacts/{contacts[number]}", headers=auth()).json()
        (record,) = contact["records"]
        assert record["nTriesPhoneNumber1"] == 1
        assert (record["bPhoneNumber1Invalid"] is True) is (cause == 1)
        history = client.get(
            f"/dialler/contacts/contact/{contacts[number]}/history", headers=auth()
        ).json()["records"]
        assert len(history) == 1, number
        (call,) = history
        assert call["CauseCodesID"] == cause, number
        assert (call["dtCallConnect"] is not None) is connected, number
        assert call["bMailbox"] is mailbox, number
        assert call["ANumber"] == "+13125550199"
        if cause in (16, 19):
            assert call["dtCallAlert"] is not None, number
    reports = client.get(
        "/call-reports",
        params={"tenantId": 314, "start": "2026-12-01 00:00:00", "end": "2026-12-01 23:59:59",
                "timezone": "UTC"},
        headers=auth(),
    )  # fmt: skip
    assert reports.status_code == 200, reports.text
    dispositions = sorted(record["disposition"] for record in reports.json())
    assert dispositions == ["ANSWERED", "ANSWERED", "BUSY", "FAILED", "FAILED", "NO ANSWER"]


def test_lines_and_calls_per_second_are_never_exceeded(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = agentless_campaign(client, auth, MaxLines=3, MaxCallsPerSecond=2)
    for n in range(12):
        add_contact(client, auth, campaign_id, f"+1312555{n + 100:04d}")  # all answer
    client.post(f"/dialler/campaigns/{campaign_id}/start", headers=auth())

    run_engine(database, VirtualClock(START))

    placed = attempts(database)
    assert len(placed) == 12
    for attempt in placed:
        assert attempt.ended_at is not None
        under_way = [a for a in placed if a.started_at <= attempt.started_at < a.ended_at]
        assert len(under_way) <= 3
        within_a_second = [
            a for a in placed
            if attempt.started_at <= a.started_at < attempt.started_at + timedelta(seconds=1)
        ]  # fmt: skip
        assert len(within_a_second) <= 2


def test_refused_contacts_are_logged_and_wait_for_their_next_allowed_time(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = agentless_campaign(client, auth)
    without_consent = add_contact(
        client, auth, campaign_id, "+13125550101", PhoneNumber1Consent=False
    )
    client.post(f"/dialler/campaigns/{campaign_id}/start", headers=auth())
    # 03:00 in Chicago: outside the gate's hours too.
    clock = VirtualClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    at_night = add_contact(client, auth, campaign_id, "+13125550102")

    run_engine(database, clock)

    assert attempts(database) == []
    refusals = client.get(
        "/compliance/refusals", params={"campaignid": campaign_id}, headers=auth()
    ).json()
    rules = {(r["contactId"], r["rule"]) for r in refusals["data"]}
    assert (without_consent, "consent") in rules
    assert (at_night, "calling_hours") in rules
    night = client.get(f"/dialler/contacts/{at_night}", headers=auth()).json()["records"][0]
    # Asked again at 08:00 in Chicago, when the gate allows it.
    assert night["dtNextTry"].startswith("2026-12-01T14:00:00")


def test_a_paused_or_stopped_campaign_places_no_call(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = agentless_campaign(client, auth)
    add_contact(client, auth, campaign_id, "+13125550100")
    client.post(f"/dialler/campaigns/{campaign_id}/start", headers=auth())
    client.post(f"/dialler/campaigns/{campaign_id}/pause", headers=auth())

    run_engine(database, VirtualClock(START))

    assert attempts(database) == []


def test_progress_counts_the_contacts_calls_and_refusals(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = agentless_campaign(client, auth)
    for number in SCRIPTED:
        add_contact(client, auth, campaign_id, number)
    add_contact(client, auth, campaign_id, "+13125550105", PhoneNumber1Consent=False)
    client.post(f"/dialler/campaigns/{campaign_id}/start", headers=auth())
    run_engine(database, VirtualClock(START))

    with database.transaction(write=False) as session:
        figures = campaign_progress(session, 314, campaign_id, START + timedelta(hours=2))

    assert figures["ContactsTotal"] == 7
    # Unallocated: no number left. Busy, unanswered and failed: their retry delays are over.
    # Answered by a person or a machine: a week, and four hours. Without consent: an hour.
    assert (figures["Done"], figures["DueNow"], figures["Waiting"]) == (1, 4, 2)
    assert figures["DoneByOutcome"] == {"invalid": 1}
    assert (figures["AttemptsToday"], figures["ConnectsToday"]) == (6, 1)
    assert figures["RefusedNow"] == {}  # refused two hours before
    assert figures["CallsInFlight"] == 0
    assert figures["AbandonRate30Days"] is None  # no agent mode, no live answer to abandon
    assert figures["EstimatedDoneAt"] is None  # nothing dialed in the last hour

    response = client.get(f"/dialler/campaigns/{campaign_id}/progress", headers=auth())
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["count"], body["status"]) == (1, 200)
    assert body["records"][0]["ContactsTotal"] == 7
    assert body["records"][0]["DialingState"] == "running"
    other = client.get(f"/dialler/campaigns/{campaign_id}/progress", headers=auth(tenant=315))
    assert other.status_code == 404


def test_stopping_a_campaign_hangs_up_its_ringing_calls_and_pausing_does_not(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    stopped = agentless_campaign(client, auth, Name="Stopped")
    paused = agentless_campaign(client, auth, Name="Paused")
    for campaign_id, numbers in ((stopped, range(130, 133)), (paused, range(133, 136))):
        for n in numbers:  # they ring until the ring time (20 s) runs out
            add_contact(client, auth, campaign_id, f"+1312555{n:04d}")
        client.post(f"/dialler/campaigns/{campaign_id}/start", headers=auth())
    clock = VirtualClock(START)
    engine = Engine(database, SimulatedCarrier(clock, seed=1), clock, tick=1.0)
    controlled = []

    def stop_when_done() -> bool:
        if engine.placed == 6 and not controlled:
            client.post(f"/dialler/campaigns/{stopped}/stop", headers=auth())
            client.post(f"/dialler/campaigns/{paused}/pause", headers=auth())
            controlled.append(clock.now())
        return bool(controlled) and not engine.calls

    asyncio.run(engine.run(stop_when_done))

    ended = {a.campaign_id: [] for a in attempts(database)}
    for attempt in attempts(database):
        assert attempt.ended_at is not None
        ended[attempt.campaign_id].append((attempt.ended_at - attempt.started_at).total_seconds())
    # Hung up within the second after the stop; the paused campaign's rang their 20 s.
    assert len(ended[stopped]) == 3 and all(seconds < 5 for seconds in ended[stopped])
    assert len(ended[paused]) == 3 and all(seconds >= 20 for seconds in ended[paused])


def test_a_contact_deleted_while_its_call_is_under_way_holds_up_no_other(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = agentless_campaign(client, auth)
    gone = add_contact(client, auth, campaign_id, "+13125550130")  # rings out
    kept = add_contact(client, auth, campaign_id, "+13125550131")
    client.post(f"/dialler/campaigns/{campaign_id}/start", headers=auth())
    clock = VirtualClock(START)
    engine = Engine(database, SimulatedCarrier(clock, seed=1), clock, tick=1.0)
    deleted: list[int] = []

    def delete_once_both_are_placed() -> bool:
        if engine.placed == 2 and not deleted:
            with database.transaction() as session:
                service = ContactService(session, 314)
                service.delete(service.get(gone))
            deleted.append(gone)
        return False

    asyncio.run(engine.run(delete_once_both_are_placed, until_idle=True))

    assert deleted and [a.contact_id for a in attempts(database)] == [kept]
    assert attempts(database)[0].ended_at is not None
    history = client.get(f"/dialler/contacts/contact/{kept}/history", headers=auth()).json()
    assert history["count"] == 1
