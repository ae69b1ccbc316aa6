"""Preview dialing and dispositions over HTTP: an agent holds the next due contact, sees it,
asks for the call (the engine places it after the gate has judged it again) or skips it, then
gives the call its result code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from opendialer.db.session import Database
from opendialer.engine.clock import VirtualClock
from opendialer.engine.service import Engine
from opendialer.web.deps import current_time
from tests.conftest import TokenFactory
from tests.engine.test_agentless import (
    START,
    add_contact,
    agentless_campaign,
    attempts,
    run_engine,
)
from tests.engine.test_agents import as_agent, new_agent

ANSWERS = "+13125550100"  # a person answers (docs/engine.md)
MACHINE = "+13125550110"  # a machine answers


@pytest.fixture(autouse=True)
def at_start(app: FastAPI) -> Iterator[None]:
    """Requests act at START, the moment the engine's virtual clock starts from."""
    app.dependency_overrides[current_time] = lambda: START
    yield
    app.dependency_overrides.pop(current_time, None)


def preview_campaign(client: TestClient, auth: TokenFactory, **settings: Any) -> int:
    campaign_id = agentless_campaign(client, auth, Name="Collections", DialingMode="preview",
                                     **settings)  # fmt: skip
    assert client.post(f"/dialler/campaigns/{campaign_id}/start", headers=auth()).status_code == 200
    return campaign_id


def ready_agent(client: TestClient, auth: TokenFactory, name: str = "ann", **fields: Any) -> int:
    agent = new_agent(client, auth, Name=name, ClientID=f"{name}-client", **fields)
    agent_id: int = agent["DiallerAgentsID"]
    response = client.post(f"/dialler/agents/{agent_id}/state", json={"State": "ready"},
                           headers=as_agent(f"{name}-client"))  # fmt: skip
    assert response.status_code == 200, response.text
    return agent_id


def act(client: TestClient, agent_id: int, action: str, name: str = "ann",
        **body: Any) -> Any:  # fmt: skip
    return client.post(f"/dialler/agents/{agent_id}/{action}", json=body or None,
                       headers=as_agent(f"{name}-client"))  # fmt: skip


def agent_record(client: TestClient, auth: TokenFactory, agent_id: int) -> dict[str, Any]:
    records = client.get("/dialler/agents", headers=auth()).json()["records"]
    found: dict[str, Any] = next(a for a in records if a["DiallerAgentsID"] == agent_id)
    return found


def run(database: Database) -> Engine:
    return run_engine(database, VirtualClock(START), seed=3)


def test_an_agent_previews_dials_and_gives_the_call_its_result(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = preview_campaign(client, auth)
    first = add_contact(client, auth, campaign_id, ANSWERS, FirstName="Ada")
    second = add_contact(client, auth, campaign_id, "+13125550101")
    ann, bob = ready_agent(client, auth), ready_agent(client, auth, "bob")

    # The engine places no preview call by itself.
    assert run(database).placed == 0

    shown = act(client, ann, "next")
    assert shown.status_code == 200, shown.text
    preview = shown.json()["records"][0]
    assert preview["State"] == "preview" and preview["DiallerContactsID"] == first
    assert preview["PhoneNumber"] == ANSWERS and preview["PhoneNumberOffset"] == 1
    assert preview["Contact"]["FirstName"] == "Ada" and preview["Refusals"] == []
    held = agent_record(client, auth, ann)
    assert held["State"] == "reserved"
    assert held["CurrentAttemptID"] == preview["DiallerAttemptsID"]
    # One contact per agent at a time, and no contact for two agents.
    assert act(client, ann, "next").status_code == 409
    assert act(client, bob, "next", "bob").json()["records"][0]["DiallerContactsID"] == second
    progress = client.get(f"/dialler/campaigns/{campaign_id}/progress", headers=auth()).json()
    assert progress["records"][0]["AgentsByState"] == {"reserved": 2}
    assert act(client, bob, "skip", "bob").json()["records"][0]["State"] == "skipped"

    queued = act(client, ann, "dial")
    assert queued.status_code == 200, queued.text
    assert queued.json()["records"][0]["State"] == "queued"
    twice = act(client, ann, "dial")
    assert twice.status_code == 409 and "asked for already" in twice.json()["message"]

    engine = run(database)

    assert engine.placed == 1
    [call] = [a for a in attempts(database) if a.contact_id == first]
    assert call.state == "ended" and call.agent_id == ann and call.connected_at is not None
    after = agent_record(client, auth, ann)
    assert after["State"] == "wrap_up" and after["LastAttemptID"] == call.id
    history = client.get(f"/dialler/contacts/contact/{first}/history", headers=auth()).json()
    assert history["records"][0]["UsersID"] == ann

    callback = (START + timedelta(days=2)).isoformat()
    given = act(client, ann, "disposition", ResultCode="callback", dtFollowUp=callback)
    assert given.status_code == 200, given.text
    record = given.json()["records"][0]
    assert record["ResultCode"] == "callback" and record["DiallerAttemptsID"] == call.id
    assert agent_record(client, auth, ann)["State"] == "ready"
    contact = client.get(f"/dialler/contacts/{first}", headers=auth()).json()
    contact = contact["records"][0]
    assert contact["dtNextTry"] == "2026-12-03T16:00:00.000"
    # Wall-clock in the campaign's zone (America/Chicago by default): 10:00.
    assert contact["FollowUpDateTime"] == "2026-12-03T10:00:00.000"
    assert contact["FollowUpUsersUID"] == "ann-client"
    history = client.get(f"/dialler/contacts/contact/{first}/history", headers=auth()).json()
    assert history["records"][0]["DiallerResultCodesTypesID"] == 4
    again = act(client, ann, "disposition", ResultCode="refused_to_pay")
    assert again.status_code == 409 and "already" in again.json()["message"]

    # The skipped contact waits the campaign's no-answer retry delay; it was never called.
    skipped = client.get(f"/dialler/contacts/{second}", headers=auth()).json()
    assert skipped["records"][0]["dtNextTry"] == "2026-12-01T17:00:00.000"
    assert client.get(f"/dialler/contacts/contact/{second}/history",
                      headers=auth()).json()["count"] == 0  # fmt: skip


def test_a_wrong_number_is_not_called_again_and_a_machine_reaches_the_agent(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = preview_campaign(client, auth)
    contact_id = add_contact(client, auth, campaign_id, MACHINE, PhoneNumber2=ANSWERS,
                             PhoneNumber2Consent=True)  # fmt: skip
    ann = ready_agent(client, auth)
    assert act(client, ann, "next").json()["records"][0]["PhoneNumberOffset"] == 1
    assert act(client, ann, "dial").status_code == 200
    run(database)

    [call] = attempts(database)
    assert call.answer_type == "machine" and call.connected_at is not None  # the agent hears it
    given = act(client, ann, "disposition", ResultCode="wrong_number")
    assert given.status_code == 200, given.text
    contact = client.get(f"/dialler/contacts/{contact_id}", headers=auth()).json()
    assert contact["records"][0]["bPhoneNumber1Invalid"] is True


def test_the_gate_judges_a_preview_call_again_when_it_is_asked_for_and_placed(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = preview_campaign(client, auth)
    for number in (ANSWERS, "+13125550102", "+13125550103"):
        add_contact(client, auth, campaign_id, number)
    ann = ready_agent(client, auth)

    # Listed on the do-not-call list between the preview and the request for the call.
    assert act(client, ann, "next").json()["records"][0]["PhoneNumber"] == ANSWERS
    listed = client.post("/compliance/dnc", json={"phoneNumber": ANSWERS}, headers=auth())
    assert listed.status_code == 201
    refused = act(client, ann, "dial").json()["records"][0]
    assert refused["State"] == "refused"
    assert [r["rule"] for r in refused["Refusals"]] == ["dnc"]
    assert agent_record(client, auth, ann)["State"] == "ready"

    # Withdrawn after the request, before an engine placed it: let go without a call.
    assert act(client, ann, "next").json()["records"][0]["PhoneNumber"] == "+13125550102"
    assert act(client, ann, "dial").json()["records"][0]["State"] == "queued"
    assert act(client, ann, "skip").json()["records"][0]["State"] == "skipped"

    # Listed after the request, before an engine places it: closed without a call.
    assert act(client, ann, "next").json()["records"][0]["PhoneNumber"] == "+13125550103"
    assert act(client, ann, "dial").json()["records"][0]["State"] == "queued"
    client.post("/compliance/dnc", json={"phoneNumber": "+13125550103"}, headers=auth())
    assert run(database).placed == 0
    assert [a.state for a in attempts(database)] == ["refused", "skipped", "refused"]
    assert agent_record(client, auth, ann)["State"] == "ready"
    log = client.get("/compliance/refusals", params={"rule": "dnc"}, headers=auth()).json()
    assert len(log["data"]) == 2


def test_preview_answers_409_404_403_and_400_naming_the_problem(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign_id = preview_campaign(client, auth)
    add_contact(client, auth, campaign_id, ANSWERS)
    ann = ready_agent(client, auth)
    bob = ready_agent(client, auth, "bob")

    nothing = act(client, ann, "dial")
    assert nothing.status_code == 409 and "previews no contact" in nothing.json()["message"]
    early = act(client, ann, "disposition", ResultCode="refused_to_pay")
    assert early.status_code == 409 and "no call" in early.json()["message"]
    assert act(client, bob, "next").status_code == 403  # ann's token acting for bob
    foreign = client.post(f"/dialler/agents/{ann}/next", headers=auth(tenant=315))
    assert foreign.status_code == 404

    assert act(client, ann, "next").status_code == 200
    for body, named in [({"PhoneNumberOffset": 7}, "PhoneNumberOffset"),
                        ({"PhoneNumberOffset": 2}, "phone number 2"),
                        ({"Colour": "red"}, "Colour")]:  # fmt: skip
        bad = act(client, ann, "dial", **body)
        assert bad.status_code == 400 and named in bad.json()["message"], bad.text
    assert agent_record(client, auth, ann)["State"] == "reserved"  # nothing half-done
    assert act(client, ann, "dial").status_code == 200
    run(database)

    past = (START - timedelta(hours=1)).isoformat()
    for body, named in [({"ResultCode": "paid_in_full"}, "ResultCode"),
                        ({"ResultCode": "callback"}, "dtFollowUp"),
                        ({"ResultCode": "callback", "dtFollowUp": past}, "dtFollowUp"),
                        ({"ResultCode": "wrong_number", "dtFollowUp": START.isoformat()},
                         "dtFollowUp")]:  # fmt: skip
        bad = act(client, ann, "disposition", **body)
        assert bad.status_code == 400 and named in bad.json()["message"], bad.text
    promise = (START + timedelta(days=5)).isoformat()
    kept = act(client, ann, "disposition", ResultCode="promise_to_pay", dtFollowUp=promise)
    assert kept.status_code == 200, kept.text


def test_an_agent_of_a_campaign_that_does_not_preview_is_told_so(
    client: TestClient, auth: TokenFactory
) -> None:
    campaign_id = agentless_campaign(client, auth, DialingMode="progressive")
    ann = ready_agent(client, auth, DiallerCampaignsID=campaign_id)
    wrong = act(client, ann, "next")
    assert wrong.status_code == 409 and "preview" in wrong.json()["message"]
    # An agent of no campaign with no preview campaign running: no contact is due.
    bob = ready_agent(client, auth, "bob")
    none = act(client, bob, "next", "bob")
    assert none.status_code == 200 and none.json()["count"] == 0
