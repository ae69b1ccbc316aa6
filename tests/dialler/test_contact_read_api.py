"""GET /dialler/contacts/{id} reads a plain row outside any session: it must answer exactly
what the reads through a session answer, value for value and type for type."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import TokenFactory
from tests.dialler.test_results_api import fetch, import_contact, record


def by_user_data(client: TestClient, auth: TokenFactory, user_data: str) -> dict[str, Any]:
    response = client.get(
        "/dialler/contacts/contact", params={"userData": user_data}, headers=auth()
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["records"][0]
    return found


def test_the_read_by_id_answers_as_the_session_reads_do(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(
        client,
        auth,
        campaign_id,
        UserData="same-read",
        PhoneNumber1="+13125550100",
        Amount=211,  # a whole amount: still a float on the wire
    )
    record(client, auth, contact["ID"], CauseCodesID=17)  # times and counters set

    plain = fetch(client, auth, contact["ID"])
    through_session = by_user_data(client, auth, "same-read")
    assert plain == through_session
    assert [type(value) for value in plain.values()] == [
        type(value) for value in through_session.values()
    ]
    assert isinstance(plain["Amount"], float)
    assert isinstance(plain["dtLastTry"], str)


def test_the_read_by_id_is_scoped_to_the_callers_tenant(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    other = client.get(f"/dialler/contacts/{contact['ID']}", headers=auth(tenant=315))
    assert other.status_code == 404
    assert other.json() == {"status": 404, "message": f"dialler contact {contact['ID']} not found"}
