"""Which role may call which dialler function, and that no tenant reaches another's data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from opendialer.db.session import Database
from opendialer.tenancy.service import ensure_partner
from tests.conftest import TokenFactory

READ, LOCK, WRITE = "read", "lock", "write"

NEW_CONTACT = {"Name": "Newcomer", "PhoneNumber1": "(312) 555-0199"}
CALL_RESULT = {"PhoneNumberOffset": 1, "dtCallStart": "2024-03-01T15:00:00", "CauseCodesID": 17}


@dataclass(frozen=True)
class Call:
    """One dialler function, its target written with {placeholders} for the objects it names."""

    name: str
    action: str
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    # What another tenant gets when it names these objects: 404 (400 for an import body).
    foreign_status: int = 404

    def send(
        self,
        client: TestClient,
        names: dict[str, Any],
        headers: dict[str, str],
        extra: dict[str, str] | None = None,
    ) -> Response:
        return client.request(
            self.method,
            self.path.format(**names),
            params={**{k: fill(v, names) for k, v in self.params.items()}, **(extra or {})},
            json=None if self.body is None else {k: fill(v, names) for k, v in self.body.items()},
            headers=headers,
        )


def fill(value: Any, names: dict[str, Any]) -> Any:
    """A "{name}" placeholder becomes the named value itself (so an ID stays an int in JSON)."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return names[value[1:-1]]
    return value


# Every dialler function. Lock calls aim at an unlocked contact and unlock calls at a locked
# one, so that every call allowed to change something visibly does.
CALLS = [
    Call("list contacts", READ, "GET", "/dialler/contacts"),
    Call(
        "list a campaign's contacts",
        READ,
        "GET",
        "/dialler/contacts",
        {"diallerCampaignsID": "{campaign}"},
    ),
    Call("get a contact", READ, "GET", "/dialler/contacts/{contact}"),
    Call(
        "get by UserData",
        READ,
        "GET",
        "/dialler/contacts/contact",
        {"userData": "{user_data}"},
        foreign_status=200,  # a search: no match is an empty list
    ),
    Call("history by ID", READ, "GET", "/dialler/contacts/contact/{contact}/history"),
    Call(
        "history by UserData",
        READ,
        "GET",
        "/dialler/contacts/contact/history",
        {"userData": "{user_data}"},
    ),
    Call("list campaigns", READ, "GET", "/dialler/campaigns"),
    Call("get a campaign", READ, "GET", "/dialler/campaigns/{campaign}"),
    Call("lock by ID", LOCK, "PATCH", "/dialler/contacts/contact/{contact}/lock"),
    Call(
        "lock by UserData",
        LOCK,
        "PATCH",
        "/dialler/contacts/contact/lock",
        {"userData": "{user_data}"},
    ),
    Call("unlock by ID", LOCK, "PATCH", "/dialler/contacts/contact/{locked}/unlock"),
    Call(
        "unlock by UserData",
        LOCK,
        "PATCH",
        "/dialler/contacts/contact/unlock",
        {"userData": "{locked_user_data}"},
    ),
    Call(
        "import by campaign ID",
        WRITE,
        "POST",
        "/dialler/contacts/import",
        body={"DiallerCampaignsID": "{campaign}", **NEW_CONTACT},
        foreign_status=400,
    ),
    Call(
        "import by campaign name",
        WRITE,
        "POST",
        "/dialler/contacts/import",
        body={"DiallerCampaignsName": "{campaign_name}", **NEW_CONTACT},
        foreign_status=400,
    ),
    Call(
        "update by ID",
        WRITE,
        "POST",
        "/dialler/contacts/update",
        body={"ID": "{contact}", "Name": "Changed"},
    ),
    Call(
        "update by UserData",
        WRITE,
        "POST",
        "/dialler/contacts/update",
        body={"UserData": "{user_data}", "Name": "Changed"},
    ),
    Call("delete by ID", WRITE, "DELETE", "/dialler/contacts/contact/{contact}"),
    Call(
        "delete by UserData",
        WRITE,
        "DELETE",
        "/dialler/contacts/contact",
        {"userData": "{user_data}"},
    ),
    Call("reset by ID", WRITE, "PATCH", "/dialler/contacts/contact/{contact}/reset"),
    Call(
        "reset by UserData",
        WRITE,
        "PATCH",
        "/dialler/contacts/contact/reset",
        {"userData": "{user_data}"},
    ),
    Call(
        "record a result",
        WRITE,
        "POST",
        "/dialler/contacts/contact/{contact}/results",
        body=CALL_RESULT,
    ),
    Call("create a campaign", WRITE, "POST", "/dialler/campaigns", body={"Name": "Late Stage"}),
    Call(
        "update a campaign",
        WRITE,
        "POST",
        "/dialler/campaigns/update",
        body={"DiallerCampaignsID": "{campaign}", "bActive": False},
    ),
    Call(
        "delete a campaign",
        WRITE,
        "DELETE",
        "/dialler/campaigns/{campaign}",
        {"deleteContacts": "true"},
    ),
]
CALL_IDS = [call.name for call in CALLS]
# The calls that name one of the tenant's objects; the others act on the caller's own data.
OWN_DATA_CALLS = {"list contacts", "list campaigns", "create a campaign"}
NAMING_CALLS = [call for call in CALLS if call.name not in OWN_DATA_CALLS]

# A read, a lock (whose contact is named in the query too), an import and a delete.
QUERY_SAMPLE = {"get a contact", "lock by UserData", "import by campaign name", "delete by ID"}

ALLOWED = {
    "account_admin": {READ, LOCK, WRITE},
    "reports_admin": {READ},
    "agent": {READ, LOCK},
}


def import_contact(
    client: TestClient, headers: dict[str, str], campaign_id: int, **fields: Any
) -> dict[str, Any]:
    body = {"DiallerCampaignsID": campaign_id, "Name": "Doe", "PhoneNumber1": "3125550100"}
    response = client.post("/dialler/contacts/import", json={**body, **fields}, headers=headers)
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


@pytest.fixture
def names(client: TestClient, auth: TokenFactory, campaign: dict[str, Any]) -> dict[str, Any]:
    """Tenant 314's campaign and two contacts: LN-1 with one call in its history, and LN-2,
    locked."""
    campaign_id = campaign["DiallerCampaignsID"]
    contact = import_contact(client, auth(), campaign_id, UserData="LN-1", Name="Alpha")
    recorded = client.post(
        f"/dialler/contacts/contact/{contact['ID']}/results", json=CALL_RESULT, headers=auth()
    )
    assert recorded.status_code == 200, recorded.text
    locked = import_contact(client, auth(), campaign_id, UserData="LN-2", Name="Beta")
    locking = client.patch(f"/dialler/contacts/contact/{locked['ID']}/lock", headers=auth())
    assert locking.status_code == 200, locking.text
    return {
        "campaign": campaign_id,
        "campaign_name": campaign["Name"],
        "contact": contact["ID"],
        "user_data": "LN-1",
        "locked": locked["ID"],
        "locked_user_data": "LN-2",
    }


def snapshot(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """Everything a tenant's account_admin can see of its dialler data."""
    contacts = client.get("/dialler/contacts", headers=headers).json()["records"]
    history = {
        c["ID"]: client.get(f"/dialler/contacts/contact/{c['ID']}/history", headers=headers).json()
        for c in contacts
    }
    campaigns = client.get("/dialler/campaigns", headers=headers).json()["records"]
    return {"contacts": contacts, "history": history, "campaigns": campaigns}


def assert_envelope(response: Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "message"}, body
    assert body["status"] == status
    message: str = body["message"]
    assert message
    return message


def assert_done(response: Response, call: Call, before: Any, after: Any) -> None:
    assert response.status_code == 200, response.text
    assert response.json()["status"] == 200
    if call.action == READ:
        assert after == before, "a read changed the tenant's data"
    else:
        assert after != before, "the call answered 200 but changed nothing"


# -- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("call", CALLS, ids=CALL_IDS)
def test_each_role_on_each_call(
    client: TestClient, auth: TokenFactory, names: dict[str, Any], role: str, call: Call
) -> None:
    before = snapshot(client, auth())
    response = call.send(client, names, auth(role))
    after = snapshot(client, auth())
    if call.action in ALLOWED[role]:
        assert_done(response, call, before, after)
    else:
        message = assert_envelope(response, 403)
        assert role in message
        assert after == before


@pytest.mark.parametrize("call", CALLS, ids=CALL_IDS)
def test_a_partner_admin_acts_on_its_partners_tenant(
    client: TestClient, auth: TokenFactory, names: dict[str, Any], call: Call
) -> None:
    headers = {**auth("partner_admin", partner=90), "tenantid": "314"}
    before = snapshot(client, auth())
    response = call.send(client, names, headers)
    assert_done(response, call, before, snapshot(client, auth()))


@pytest.mark.parametrize("parameter", ["tenantid", "tenantId"])
@pytest.mark.parametrize(
    "call", [c for c in CALLS if c.name in QUERY_SAMPLE], ids=lambda call: call.name
)
def test_a_partner_admin_may_name_the_tenant_in_the_query(
    client: TestClient, auth: TokenFactory, names: dict[str, Any], call: Call, parameter: str
) -> None:
    headers = auth("partner_admin", partner=90)
    before = snapshot(client, auth())
    response = call.send(client, names, headers, {parameter: "314"})
    assert_done(response, call, before, snapshot(client, auth()))


@pytest.mark.parametrize("call", CALLS, ids=CALL_IDS)
def test_a_partner_admin_gets_404_for_a_tenant_of_no_partner_of_its(
    client: TestClient, auth: TokenFactory, names: dict[str, Any], call: Call
) -> None:
    before = snapshot(client, auth())
    headers = {**auth("partner_admin", partner=90), "tenantid": "316"}
    message = assert_envelope(call.send(client, names, headers), 404)
    assert "316" in message
    assert snapshot(client, auth()) == before
    assert snapshot(client, auth(tenant=316)) == {"contacts": [], "history": {}, "campaigns": []}


@pytest.mark.parametrize("call", CALLS, ids=CALL_IDS)
def test_a_partner_admin_that_names_no_tenant_gets_400(
    client: TestClient, auth: TokenFactory, names: dict[str, Any], call: Call
) -> None:
    before = snapshot(client, auth())
    message = assert_envelope(call.send(client, names, auth("partner_admin", partner=90)), 400)
    assert "tenantid" in message
    assert snapshot(client, auth()) == before


def test_a_partner_admin_of_another_partner_gets_404(
    client: TestClient, auth: TokenFactory, database: Database, names: dict[str, Any]
) -> None:
    with database.transaction() as session:
        ensure_partner(session, 91, "Another Partner")
    headers = {**auth("partner_admin", partner=91), "tenantid": "314"}
    assert_envelope(client.get("/dialler/contacts", headers=headers), 404)
    assert_envelope(client.get(f"/dialler/contacts/{names['contact']}", headers=headers), 404)


def test_a_partner_admin_sees_each_tenant_only_through_its_tenantid(
    client: TestClient, auth: TokenFactory, names: dict[str, Any]
) -> None:
    partner = auth("partner_admin", partner=90)
    as_315 = {**partner, "tenantid": "315"}
    assert_envelope(client.get(f"/dialler/contacts/{names['contact']}", headers=as_315), 404)
    listed = client.get("/dialler/contacts", headers=as_315)
    assert listed.status_code == 200
    assert listed.json()["count"] == 0
    as_314 = {**partner, "tenantid": "314"}
    listed = client.get("/dialler/contacts", headers=as_314)
    assert {r["UserData"] for r in listed.json()["records"]} == {"LN-1", "LN-2"}


@pytest.mark.parametrize("role", ["account_admin", "reports_admin", "agent"])
@pytest.mark.parametrize("where", ["header", "query"])
def test_a_tenants_token_naming_another_tenant_gets_403(
    client: TestClient, auth: TokenFactory, names: dict[str, Any], role: str, where: str
) -> None:
    headers = auth(role)
    params = {}
    if where == "header":
        headers["tenantid"] = "315"
    else:
        params["tenantid"] = "315"
    response = client.get("/dialler/contacts", headers=headers, params=params)
    message = assert_envelope(response, 403)
    assert "315" in message


@pytest.mark.parametrize("call", CALLS, ids=CALL_IDS)
def test_a_tenants_token_naming_another_tenant_changes_nothing(
    client: TestClient, auth: TokenFactory, names: dict[str, Any], call: Call
) -> None:
    before = snapshot(client, auth())
    assert_envelope(call.send(client, names, {**auth(), "tenantid": "315"}), 403)
    assert snapshot(client, auth()) == before
    assert snapshot(client, auth(tenant=315)) == {"contacts": [], "history": {}, "campaigns": []}


def test_a_tenants_token_naming_its_own_tenant_works(
    client: TestClient, auth: TokenFactory, names: dict[str, Any]
) -> None:
    response = client.get("/dialler/contacts", headers={**auth(), "tenantid": "314"})
    assert response.status_code == 200
    assert response.json()["count"] == 2


@pytest.mark.parametrize("value", ["abc", "3.14", "9" * 30])
def test_a_tenantid_that_is_no_tenant_id_is_400(
    client: TestClient, auth: TokenFactory, names: dict[str, Any], value: str
) -> None:
    for headers in (auth(), auth("partner_admin", partner=90)):
        response = client.get("/dialler/contacts", headers={**headers, "tenantid": value})
        assert "tenantid" in assert_envelope(response, 400)


# -- tenant isolation ------------------------------------------------------------------------

MISSING = {
    "campaign": 987654321,
    "campaign_name": "No Such Campaign",
    "contact": 987654322,
    "user_data": "NO-SUCH-USER-DATA",
    "locked": 987654323,
    "locked_user_data": "NO-SUCH-LOCKED-USER-DATA",
}


@pytest.mark.parametrize("call", NAMING_CALLS, ids=[call.name for call in NAMING_CALLS])
def test_another_tenant_cannot_reach_any_object(
    client: TestClient, auth: TokenFactory, names: dict[str, Any], call: Call
) -> None:
    before = snapshot(client, auth())
    other = auth(tenant=315)
    # Tenant 315 has a campaign of its own, so an import could go somewhere if it were misrouted.
    own = client.post("/dialler/campaigns", json={"Name": "Other Campaign"}, headers=other)
    assert own.status_code == 200, own.text
    others_before = snapshot(client, other)

    foreign = call.send(client, names, other)
    missing = call.send(client, MISSING, other)
    if call.foreign_status == 200:
        assert foreign.status_code == 200, foreign.text
        assert foreign.json() == missing.json() == {"records": [], "count": 0, "status": 200}
    else:
        message = assert_envelope(foreign, call.foreign_status)
        # The same answer, word for word, as for objects that do not exist at all.
        expected = assert_envelope(missing, call.foreign_status)
        for key, value in MISSING.items():
            expected = expected.replace(str(value), str(names[key]))
        assert message == expected
        if call.foreign_status == 400:
            assert "DiallerCampaigns" in message and "does not exist" in message

    assert snapshot(client, auth()) == before
    assert snapshot(client, other) == others_before


def test_another_tenant_lists_only_its_own(
    client: TestClient, auth: TokenFactory, names: dict[str, Any]
) -> None:
    other = auth(tenant=315)
    contacts = client.get("/dialler/contacts", headers=other).json()
    assert contacts["count"] == 0 and contacts["records"] == []
    campaigns = client.get("/dialler/campaigns", headers=other).json()
    assert campaigns["count"] == 0 and campaigns["records"] == []
    by_user_data = client.get(
        "/dialler/contacts/contact", params={"userData": "LN-1"}, headers=other
    )
    assert by_user_data.status_code == 200
    assert by_user_data.json()["records"] == []


def test_the_same_names_in_two_tenants_stay_apart(
    client: TestClient, auth: TokenFactory, names: dict[str, Any]
) -> None:
    """Tenant 315 uses the campaign name and UserData that tenant 314 uses: every call by name
    or UserData acts on 315's own objects only."""
    before = snapshot(client, auth())
    other = auth(tenant=315)
    created = client.post(
        "/dialler/campaigns", json={"Name": names["campaign_name"]}, headers=other
    )
    assert created.status_code == 200, created.text
    imported = client.post(
        "/dialler/contacts/import",
        json={"DiallerCampaignsName": names["campaign_name"], "UserData": "LN-1", **NEW_CONTACT},
        headers=other,
    )
    assert imported.status_code == 200, imported.text
    record = imported.json()["records"][0]
    assert record["ClientsID"] == 315
    assert record["DiallerCampaignsID"] == created.json()["records"][0]["DiallerCampaignsID"]
    assert record["ID"] not in (names["contact"], names["locked"])

    by_user_data = {"userData": "LN-1"}
    found = client.get("/dialler/contacts/contact", params=by_user_data, headers=other).json()
    assert [r["ID"] for r in found["records"]] == [record["ID"]]
    updated = client.post(
        "/dialler/contacts/update", json={"UserData": "LN-1", "Name": "Theirs"}, headers=other
    )
    assert updated.json()["records"][0]["ID"] == record["ID"]
    for action in ("lock", "unlock", "reset"):
        path = f"/dialler/contacts/contact/{action}"
        assert client.patch(path, params=by_user_data, headers=other).status_code == 200
    history = client.get("/dialler/contacts/contact/history", params=by_user_data, headers=other)
    assert history.json()["records"] == []
    deleted = client.delete("/dialler/contacts/contact", params=by_user_data, headers=other)
    assert deleted.status_code == 200

    assert snapshot(client, auth()) == before
    assert snapshot(client, other)["contacts"] == []
