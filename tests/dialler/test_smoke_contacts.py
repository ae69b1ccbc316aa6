from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import TokenFactory


def test_import_then_fetch(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    body = {
        "DiallerCampaignsID": campaign["DiallerCampaignsID"],
        "Name": "Doe",
        "PhoneNumber1": "(312) 555-0100",
    }
    imported = client.post("/dialler/contacts/import", json=body, headers=auth())
    assert imported.status_code == 200, imported.text
    contact_id = imported.json()["records"][0]["ID"]
    fetched = client.get(f"/dialler/contacts/{contact_id}", headers=auth())
    assert fetched.json()["records"][0]["PhoneNumber1E164"] == "+13125550100"
    listed = client.get("/dialler/contacts", headers=auth())
    assert listed.json()["count"] == 1
    other = client.get(f"/dialler/contacts/{contact_id}", headers=auth(tenant=315))
    assert other.status_code == 404
