"""Agents over HTTP (each acting only as itself), and progressive dialing: a call is placed
only for an agent who is ready, reserved before the call, connected when a person answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opendialer.auth.principal import Principal, Role
from opendialer.auth.tokens import issue_token
from opendialer.db.session import Database
from opendialer.engine.carrier import SimulatedCarrier
from opendialer.engine.clock import VirtualClock
from opendialer.engine.progress import campaign_progress
from opendialer.engine.service import Engine
from tests.conftest import TEST_KEY, TokenFactory
from tests.engine.test_agentless import (
    START,
    add_contact,
    agentless_campaign,
    attempts,
    run_engine,
)


def as_agent(client_id: str, tenant: int = 314) -> dict[str, str]:
    token = issue_token(Principal(client_id, Role.AGENT, tenant), TEST_KEY, 3600)
    return {"Authorization": f"Bearer {token}"}


def new_agent(client: TestClient, auth: TokenFactory, **fields: Any) -> dict[str, Any]:
    response = client.post("/dialler/agents", json={"Name": "Ann", **fields}, headers=auth())
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


def test_agents_sign_in_get_ready_and_act_only_as_themselves(
    client: TestClient, auth: TokenFactory
) -> None:
    ann = new_agent(client, auth, ClientID="ann-client")
    bob = new_agent(client, auth, Name="Bob", ClientID="bob-client")
    assert ann["State"] == "signed_out" and ann["CurrentAttemptID"] is None

    ready = client.post(f"/dialler/agents/{ann['DiallerAgentsID']}/state",
                        json={"State": "ready"}, headers=as_agent("ann-client"))  # fmt: skip
    assert ready.status_code == 200, ready.text
    assert ready.json()["records"][0]["State"] == "ready"
    # Ann may not set Bob's state; an admin may; another tenant sees no such agent.
    other = client.post(f"/dialler/agents/{bob['DiallerAgentsID']}/state",
                        json={"State": "ready"}, headers=as_agent("ann-client"))  # fmt: skip
    assert other.status_code == 403 and "only as itself" in other.json()["message"]
    assert client.post(f"/dialler/agents/{bob['DiallerAgentsID']}/state",
                       json={"State": "not_ready"}, headers=auth()).status_code == 200  # fmt: skip
    foreign = client.post(f"/dialler/agents/{bob['DiallerAgentsID']}/state",
                          json={"State": "ready"}, headers=auth(tenant=315))  # fmt: skip
    assert foreign.status_code == 404
    bad = client.post(f"/dialler/agents/{ann['DiallerAgentsID']}/state",
                      json={"State": "on_call"}, headers=auth())  # fmt: skip
    assert bad.status_code == 400 and "State" in bad.json()["message"]

    listed = client.get("/dialler/agents", headers=auth()).json()
    assert [(a["Name"], a["State"]) for a in listed["records"]] == [
        ("Ann", "ready"),
        ("Bob", "not_ready"),
    ]
    assert client.get("/dialler/agents", headers=auth(tenant=315)).json()["count"] == 0


@pytest.mark.parametrize(
    ("body", "named"),
    [({}, "Name"), ({"Name": "   "}, "Name"), ({"Name": "Ann", "DiallerCampaignsID": 999}, "999"),
     ({"Name": "Ann", "Colour": "red"}, "Colour")],
)  # fmt: skip
def test_a_bad_agent_is_400_naming_the_problem(
    client: TestClient, auth: TokenFactory, body: dict[str, Any], named: str
) -> None:
    response = client.post("/dialler/agents", json=body, headers=auth())
    assert response.status_code == 400, response.text
    assert named in response.json()["message"]
    assert client.post("/dialler/agents", json={"Name": "Ann"},
                       headers=auth(role="reports_admin")).status_code == 403  # fmt: skip


def test_progressive_dials_one_call_per_ready_agent_and_connects_the_answers(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = agentless_campaign(client, auth, DialingMode="progressive", MaxLines=10)
    for n in range(8):  # a person answers each
        add_contact(client, auth, campaign_id, f"+1312555{100 + n:04d}")
    client.post(f"/dialler/campaigns/{campaign_id}/start", headers=auth())
    run_engine(database, VirtualClock(START), seed=4, simulate_agents=2)

    placed = attempts(database)
    assert len(placed) == 8
    agents = {a["DiallerAgentsID"] for a in client.get("/dialler/agents", headers=auth())
              .json()["records"]}  # fmt: skip
    assert len(agents) == 2
    for attempt in placed:
        assert attempt.agent_id in agents
        assert attempt.connected_at is not None  # no answered call waited for an agent
        # Each agent had one call at a time, reserved before it was placed.
        same_agent = [a for a in placed if a.agent_id == attempt.agent_id and a is not attempt]
        assert all(a.ended_at <= attempt.started_at or a.started_at >= attempt.ended_at
                   for a in same_agent)  # fmt: skip
    with database.transaction(write=False) as session:
        figures = campaign_progress(session, 314, campaign_id, START + timedelta(hours=1))
    assert figures["AbandonRate30Days"] == 0.0
    assert figures["AgentsByState"] == {"ready": 2}
    assert figures["ConnectsToday"] == 8
    history = client.get(
        f"/dialler/contacts/contact/{placed[0].contact_id}/history", headers=auth()
    ).json()["records"]
    assert history[0]["UsersID"] == placed[0].agent_id


def test_progressive_places_no_call_without_a_ready_agent(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = agentless_campaign(client, auth, DialingMode="progressive")
    add_contact(client, auth, campaign_id, "+13125550100")
    new_agent(client, auth)  # signed out
    client.post(f"/dialler/campaigns/{campaign_id}/start", headers=auth())
    clock = VirtualClock(START)
    asyncio.run(Engine(database, SimulatedCarrier(clock), clock).run(until_idle=True))
    assert attempts(database) == []


def test_power_dials_several_calls_per_agent_until_the_abandon_limit_is_reached(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = agentless_campaign(client, auth, DialingMode="power", DialRatio=3,
                                     AbandonRateLimit=0.03, MaxLines=10,
                                     MaxCallsPerSecond=10)  # fmt: skip
    for n in range(9):  # a person answers each
        add_contact(client, auth, campaign_id, f"+1312555{100 + n:04d}")
    client.post(f"/dialler/campaigns/{campaign_id}/start", headers=auth())
    run_engine(database, VirtualClock(START), seed=5, simulate_agents=1)

    placed = sorted(attempts(database), key=lambda a: a.started_at)
    assert len(placed) == 9
    # One agent, three calls at first: the answers no agent could take were abandoned...
    first_wave = [a for a in placed if a.started_at == placed[0].started_at]
    assert len(first_wave) == 3
    abandoned = [a for a in placed if a.answered_at is not None and a.connected_at is None]
    assert 1 <= len(abandoned) <= 2 and all(a in first_wave for a in abandoned)
    # ... which put the rate over 3 %: from then on one call per ready agent, none abandoned.
    later = placed[3:]
    assert all(a.connected_at is not None for a in later)
    with database.transaction(write=False) as session:
        figures = campaign_progress(session, 314, campaign_id, START + timedelta(hours=1))
    assert figures["AbandonRate30Days"] == round(len(abandoned) / 9, 4)
