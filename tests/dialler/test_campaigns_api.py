"""Dialler campaigns over HTTP: list, get, create, update and delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from opendialer.db.session import Database
from opendialer.dialler.models import ContactHistory
from tests.conftest import TokenFactory

RECORDS_KEYS = {"records", "count", "status"}
CAMPAIGN_FIELDS = {
    "DiallerCampaignsID",
    "ClientsID",
    "Name",
    "bActive",
    "TimeZone",
    "Region",
    "nMaxTriesPerNumber",
    "nMaxTriesPerContact",
    "nRetryDelayBusy",
    "nRetryDelayNoAnswer",
    "nRetryDelayMailbox",
    "nRetryDelayFailed",
    "nRetryDelayConnected",
    "DialingMode",
    "CallerID",
    "RingTimeoutSeconds",
    "MaxLines",
    "MaxCallsPerSecond",
    "DialRatio",
    "AbandonRateLimit",
    "CallableHours",
    "Priority",
    "DialingState",
    "dtCreated",
    "dtUpdated",
}
DEFAULTS = {
    "bActive": True,
    "TimeZone": "America/Chicago",
    "Region": "US",
    "nMaxTriesPerNumber": 3,
    "nMaxTriesPerContact": 10,
    "nRetryDelayBusy": 600,
    "nRetryDelayNoAnswer": 3600,
    "nRetryDelayMailbox": 14400,
    "nRetryDelayFailed": 1800,
    "nRetryDelayConnected": 604800,
    "DialingMode": "progressive",
    "CallerID": None,
    "RingTimeoutSeconds": 25,
    "MaxLines": 10,
    "MaxCallsPerSecond": 5.0,
    "DialRatio": 1.5,
    "AbandonRateLimit": 0.03,
    "CallableHours": None,
    "Priority": 0,
    "DialingState": "stopped",
}
CUSTOM = {
    "bActive": False,
    "TimeZone": "Europe/Berlin",
    "Region": "DE",
    "nMaxTriesPerNumber": 5,
    "nMaxTriesPerContact": 12,
    "nRetryDelayBusy": 60,
    "nRetryDelayNoAnswer": 120,
    "nRetryDelayMailbox": 180,
    "nRetryDelayFailed": 240,
    "nRetryDelayConnected": 300,
    "DialingMode": "agentless",
    "CallerID": "+13125550199",
    "RingTimeoutSeconds": 30,
    "MaxLines": 4,
    "MaxCallsPerSecond": 2.5,
    "DialRatio": 2.0,
    "AbandonRateLimit": 0.02,
    "CallableHours": "Mon-Fri 09:00-12:00 13:00-20:00; Sat 10:00-14:00",
    "Priority": 7,
}
BAD_TIME_ZONES = ["Mars/Olympus_Mons", "", "America", "America/", "../../etc/passwd", "zone.tab"]


def assert_error(response: Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "message"}
    assert body["status"] == status
    for word in words:
        assert word in body["message"]


def create(client: TestClient, auth: TokenFactory, **fields: Any) -> Response:
    return client.post("/dialler/campaigns", json=fields, headers=auth())


def created(client: TestClient, auth: TokenFactory, name: str, **fields: Any) -> dict[str, Any]:
    response = create(client, auth, Name=name, **fields)
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


def get(client: TestClient, auth: TokenFactory, campaign_id: int) -> dict[str, Any]:
    response = client.get(f"/dialler/campaigns/{campaign_id}", headers=auth())
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


def update(client: TestClient, auth: TokenFactory, campaign_id: int, **fields: Any) -> Response:
    return client.post(
        "/dialler/campaigns/update",
        json={"DiallerCampaignsID": campaign_id, **fields},
        headers=auth(),
    )


def import_contact(client: TestClient, auth: TokenFactory, campaign_id: int) -> dict[str, Any]:
    response = client.post(
        "/dialler/contacts/import",
        json={"DiallerCampaignsID": campaign_id, "Name": "Doe", "PhoneNumber1": "3125550100"},
        headers=auth(),
    )
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


# -- create ----------------------------------------------------------------------------------


def test_create_with_only_a_name_takes_the_defaults(client: TestClient, auth: TokenFactory) -> None:
    response = create(client, auth, Name="Early Stage")

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == RECORDS_KEYS
    assert body["count"] == 1
    assert body["status"] == 200
    (record,) = body["records"]
    assert set(record) == CAMPAIGN_FIELDS
    assert record["Name"] == "Early Stage"
    assert record["ClientsID"] == 314
    assert {k: record[k] for k in DEFAULTS} == DEFAULTS
    datetime.fromisoformat(record["dtCreated"])
    assert get(client, auth, record["DiallerCampaignsID"]) == record


def test_create_keeps_every_field_sent(client: TestClient, auth: TokenFactory) -> None:
    record = created(client, auth, "Munich", **CUSTOM)

    assert {k: record[k] for k in CUSTOM} == CUSTOM
    assert get(client, auth, record["DiallerCampaignsID"]) == record


def test_create_treats_null_as_not_sent(client: TestClient, auth: TokenFactory) -> None:
    response = create(
        client, auth, Name="Nulls", TimeZone=None, Region=None, bActive=None, nRetryDelayBusy=None
    )

    assert response.status_code == 200, response.text
    record = response.json()["records"][0]
    assert {k: record[k] for k in DEFAULTS} == DEFAULTS


@pytest.mark.parametrize("fields", [{}, {"Name": ""}, {"Name": "   "}, {"Name": None}])
def test_create_without_a_name_is_400(
    client: TestClient, auth: TokenFactory, fields: dict[str, Any]
) -> None:
    response = create(client, auth, TimeZone="UTC", **fields)

    assert_error(response, 400, "Name")
    assert client.get("/dialler/campaigns", headers=auth()).json()["count"] == 0


def test_create_with_a_taken_name_is_409(client: TestClient, auth: TokenFactory) -> None:
    first = created(client, auth, "Early Stage")

    response = create(client, auth, Name="Early Stage", TimeZone="UTC")

    assert_error(response, 409, "Early Stage")
    listed = client.get("/dialler/campaigns", headers=auth()).json()
    assert [r["DiallerCampaignsID"] for r in listed["records"]] == [first["DiallerCampaignsID"]]
    assert listed["records"][0]["TimeZone"] == "America/Chicago"


def test_names_are_unique_per_tenant_only(client: TestClient, auth: TokenFactory) -> None:
    mine = created(client, auth, "Early Stage")

    response = client.post(
        "/dialler/campaigns", json={"Name": "Early Stage"}, headers=auth(tenant=315)
    )

    assert response.status_code == 200, response.text
    theirs = response.json()["records"][0]
    assert theirs["ClientsID"] == 315
    assert theirs["DiallerCampaignsID"] != mine["DiallerCampaignsID"]


@pytest.mark.parametrize("zone", BAD_TIME_ZONES)
def test_create_with_a_bad_time_zone_is_400(
    client: TestClient, auth: TokenFactory, zone: str
) -> None:
    response = create(client, auth, Name="Somewhere", TimeZone=zone)

    assert_error(response, 400, "TimeZone")
    assert client.get("/dialler/campaigns", headers=auth()).json()["count"] == 0


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"Region": "ZZ"}, "Region"),
        ({"Region": "us"}, "Region"),
        ({"nRetryDelayBusy": -1}, "nRetryDelayBusy"),
        ({"nMaxTriesPerNumber": -3}, "nMaxTriesPerNumber"),
        ({"nRetryDelayConnected": 2**31}, "nRetryDelayConnected"),
        ({"nRetryDelayMailbox": "soon"}, "nRetryDelayMailbox"),
        ({"TimeZone": "x" * 65}, "TimeZone"),
        ({"Colour": "red"}, "Colour"),
    ],
)
def test_create_refuses_bad_fields_naming_them(
    client: TestClient, auth: TokenFactory, fields: dict[str, Any], named: str
) -> None:
    assert_error(create(client, auth, Name="Bad", **fields), 400, named)


def test_reports_admins_may_not_create(client: TestClient, auth: TokenFactory) -> None:
    response = client.post(
        "/dialler/campaigns", json={"Name": "Nope"}, headers=auth(role="reports_admin")
    )

    assert_error(response, 403)
    assert client.get("/dialler/campaigns", headers=auth()).json()["count"] == 0


# -- list and get ----------------------------------------------------------------------------


def test_list_returns_the_tenants_campaigns_by_name(client: TestClient, auth: TokenFactory) -> None:
    ids = {name: created(client, auth, name)["DiallerCampaignsID"] for name in ["Mid", "Aged"]}
    ids["Late"] = created(client, auth, "Late")["DiallerCampaignsID"]
    client.post("/dialler/campaigns", json={"Name": "Theirs"}, headers=auth(tenant=315))

    response = client.get("/dialler/campaigns", headers=auth())

    assert response.status_code == 200
    body = response.json()
    assert set(body) == RECORDS_KEYS
    assert body["status"] == 200
    assert body["count"] == 3
    assert [r["Name"] for r in body["records"]] == ["Aged", "Late", "Mid"]
    assert [r["DiallerCampaignsID"] for r in body["records"]] == [
        ids["Aged"],
        ids["Late"],
        ids["Mid"],
    ]
    assert all(set(r) == CAMPAIGN_FIELDS for r in body["records"])


def test_list_with_no_campaigns_is_empty(client: TestClient, auth: TokenFactory) -> None:
    response = client.get("/dialler/campaigns", headers=auth())

    assert response.json() == {"records": [], "count": 0, "status": 200}


def test_get_by_id(client: TestClient, auth: TokenFactory) -> None:
    campaign = created(client, auth, "Early Stage", **CUSTOM)

    response = client.get(f"/dialler/campaigns/{campaign['DiallerCampaignsID']}", headers=auth())

    assert response.status_code == 200
    assert response.json() == {"records": [campaign], "count": 1, "status": 200}


def test_get_unknown_or_foreign_campaign_is_404(client: TestClient, auth: TokenFactory) -> None:
    campaign = created(client, auth, "Early Stage")
    campaign_id = campaign["DiallerCampaignsID"]

    assert_error(client.get("/dialler/campaigns/987654", headers=auth()), 404, "987654")
    assert_error(client.get(f"/dialler/campaigns/{campaign_id}", headers=auth(tenant=315)), 404)
    assert_error(client.get("/dialler/campaigns/abc", headers=auth()), 400, "diallerCampaignsID")


def test_campaigns_need_a_token(client: TestClient) -> None:
    assert_error(client.get("/dialler/campaigns"), 401)
    assert_error(client.post("/dialler/campaigns", json={"Name": "X"}), 401)


# -- update ----------------------------------------------------------------------------------


def test_update_changes_only_the_fields_sent(client: TestClient, auth: TokenFactory) -> None:
    campaign = created(client, auth, "Early Stage")
    campaign_id = campaign["DiallerCampaignsID"]

    response = update(client, auth, campaign_id, nRetryDelayBusy=42, bActive=False)

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == RECORDS_KEYS
    assert body["count"] == 1
    record = body["records"][0]
    assert record["nRetryDelayBusy"] == 42
    assert record["bActive"] is False
    unchanged = CAMPAIGN_FIELDS - {"nRetryDelayBusy", "bActive", "dtUpdated"}
    assert {k: record[k] for k in unchanged} == {k: campaign[k] for k in unchanged}
    assert get(client, auth, campaign_id) == record


def test_update_every_field(client: TestClient, auth: TokenFactory) -> None:
    campaign_id = created(client, auth, "Early Stage")["DiallerCampaignsID"]

    record = update(client, auth, campaign_id, Name="Renamed", **CUSTOM).json()["records"][0]

    assert record["Name"] == "Renamed"
    assert {k: record[k] for k in CUSTOM} == CUSTOM
    assert get(client, auth, campaign_id) == record


def test_update_to_a_taken_name_is_409_and_changes_nothing(
    client: TestClient, auth: TokenFactory
) -> None:
    created(client, auth, "Early Stage")
    other = created(client, auth, "Late Stage")

    response = update(client, auth, other["DiallerCampaignsID"], Name="Early Stage", Region="CA")

    assert_error(response, 409, "Early Stage")
    assert get(client, auth, other["DiallerCampaignsID"]) == other


def test_update_may_keep_its_own_name(client: TestClient, auth: TokenFactory) -> None:
    campaign = created(client, auth, "Early Stage")

    response = update(client, auth, campaign["DiallerCampaignsID"], Name="Early Stage")

    assert response.status_code == 200, response.text
    assert response.json()["records"][0]["Name"] == "Early Stage"


@pytest.mark.parametrize("zone", BAD_TIME_ZONES)
def test_update_with_a_bad_time_zone_is_400_and_changes_nothing(
    client: TestClient, auth: TokenFactory, zone: str
) -> None:
    campaign = created(client, auth, "Early Stage")

    response = update(
        client, auth, campaign["DiallerCampaignsID"], TimeZone=zone, nRetryDelayBusy=1
    )

    assert_error(response, 400, "TimeZone")
    assert get(client, auth, campaign["DiallerCampaignsID"]) == campaign


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"Name": ""}, "Name"),
        ({"Name": "  "}, "Name"),
        ({"Name": None}, "Name"),
        ({"bActive": None}, "bActive"),
        ({"TimeZone": None}, "TimeZone"),
        ({"Region": "XX"}, "Region"),
        ({"nRetryDelayNoAnswer": -5}, "nRetryDelayNoAnswer"),
        ({"ClientsID": 315}, "ClientsID"),
    ],
)
def test_update_refuses_bad_fields_and_changes_nothing(
    client: TestClient, auth: TokenFactory, fields: dict[str, Any], named: str
) -> None:
    campaign = created(client, auth, "Early Stage")

    response = update(client, auth, campaign["DiallerCampaignsID"], **fields)

    assert_error(response, 400, named)
    assert get(client, auth, campaign["DiallerCampaignsID"]) == campaign


def test_update_needs_the_campaign_id(client: TestClient, auth: TokenFactory) -> None:
    created(client, auth, "Early Stage")

    response = client.post("/dialler/campaigns/update", json={"Name": "X"}, headers=auth())

    assert_error(response, 400, "DiallerCampaignsID")


def test_update_of_an_unknown_or_foreign_campaign_is_404(
    client: TestClient, auth: TokenFactory
) -> None:
    campaign = created(client, auth, "Early Stage")

    unknown = update(client, auth, 987654, Name="X")
    foreign = client.post(
        "/dialler/campaigns/update",
        json={"DiallerCampaignsID": campaign["DiallerCampaignsID"], "Name": "Hijacked"},
        headers=auth(tenant=315),
    )

    assert_error(unknown, 404, "987654")
    assert_error(foreign, 404)
    assert get(client, auth, campaign["DiallerCampaignsID"]) == campaign


def test_a_renamed_campaign_takes_imports_by_its_new_name(
    client: TestClient, auth: TokenFactory
) -> None:
    campaign_id = created(client, auth, "Early Stage")["DiallerCampaignsID"]
    update(client, auth, campaign_id, Name="Renamed")

    def import_into(name: str) -> Response:
        return client.post(
            "/dialler/contacts/import",
            json={"DiallerCampaignsName": name, "Name": "Doe", "PhoneNumber1": "3125550100"},
            headers=auth(),
        )

    assert import_into("Renamed").json()["records"][0]["DiallerCampaignsID"] == campaign_id
    assert_error(import_into("Early Stage"), 400, "does not exist")


# -- delete ----------------------------------------------------------------------------------


def test_delete_an_empty_campaign(client: TestClient, auth: TokenFactory) -> None:
    gone = created(client, auth, "Gone")
    kept = created(client, auth, "Kept")

    response = client.delete(f"/dialler/campaigns/{gone['DiallerCampaignsID']}", headers=auth())

    assert response.status_code == 200, response.text
    assert response.json() == {"status": 200}
    assert_error(
        client.get(f"/dialler/campaigns/{gone['DiallerCampaignsID']}", headers=auth()), 404
    )
    listed = client.get("/dialler/campaigns", headers=auth()).json()
    assert [r["DiallerCampaignsID"] for r in listed["records"]] == [kept["DiallerCampaignsID"]]
    # Its name is free again.
    assert create(client, auth, Name="Gone").status_code == 200


@pytest.mark.parametrize("query", ["", "?deleteContacts=false"])
def test_delete_a_campaign_with_contacts_is_409_and_changes_nothing(
    client: TestClient, auth: TokenFactory, query: str
) -> None:
    campaign = created(client, auth, "Busy")
    contact = import_contact(client, auth, campaign["DiallerCampaignsID"])

    response = client.delete(
        f"/dialler/campaigns/{campaign['DiallerCampaignsID']}{query}", headers=auth()
    )

    assert_error(response, 409, "deleteContacts")
    assert get(client, auth, campaign["DiallerCampaignsID"]) == campaign
    assert client.get(f"/dialler/contacts/{contact['ID']}", headers=auth()).status_code == 200


def test_delete_with_delete_contacts_removes_its_contacts_and_their_history(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    campaign = created(client, auth, "Busy")
    other = created(client, auth, "Other")
    doomed = [import_contact(client, auth, campaign["DiallerCampaignsID"]) for _ in range(3)]
    survivor = import_contact(client, auth, other["DiallerCampaignsID"])
    for contact in [*doomed, survivor]:
        response = client.post(
            f"/dialler/contacts/contact/{contact['ID']}/results",
            json={"PhoneNumberOffset": 1, "dtCallStart": "2024-05-01T10:00:00", "CauseCodesID": 17},
            headers=auth(),
        )
        assert response.status_code == 200, response.text

    response = client.delete(
        f"/dialler/campaigns/{campaign['DiallerCampaignsID']}?deleteContacts=true", headers=auth()
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"status": 200}
    assert_error(
        client.get(f"/dialler/campaigns/{campaign['DiallerCampaignsID']}", headers=auth()), 404
    )
    for contact in doomed:
        assert_error(client.get(f"/dialler/contacts/{contact['ID']}", headers=auth()), 404)
    contacts = client.get("/dialler/contacts", headers=auth()).json()
    assert [r["ID"] for r in contacts["records"]] == [survivor["ID"]]
    with database.transaction(write=False) as session:
        rows = session.execute(
            select(ContactHistory.contact_id, func.count()).group_by(ContactHistory.contact_id)
        ).all()
    assert [tuple(row) for row in rows] == [(survivor["ID"], 1)]


def test_delete_an_unknown_or_foreign_campaign_is_404(
    client: TestClient, auth: TokenFactory
) -> None:
    campaign = created(client, auth, "Early Stage")

    unknown = client.delete("/dialler/campaigns/987654", headers=auth())
    foreign = client.delete(
        f"/dialler/campaigns/{campaign['DiallerCampaignsID']}?deleteContacts=true",
        headers=auth(tenant=315),
    )

    assert_error(unknown, 404, "987654")
    assert_error(foreign, 404)
    assert get(client, auth, campaign["DiallerCampaignsID"]) == campaign


def test_agents_may_not_change_campaigns(client: TestClient, auth: TokenFactory) -> None:
    campaign = created(client, auth, "Early Stage")
    agent = auth(role="agent")

    changed = client.post(
        "/dialler/campaigns/update",
        json={"DiallerCampaignsID": campaign["DiallerCampaignsID"], "Name": "X"},
        headers=agent,
    )
    deleted = client.delete(f"/dialler/campaigns/{campaign['DiallerCampaignsID']}", headers=agent)

    assert_error(changed, 403)
    assert_error(deleted, 403)
    assert client.get("/dialler/campaigns", headers=agent).json()["records"] == [campaign]
