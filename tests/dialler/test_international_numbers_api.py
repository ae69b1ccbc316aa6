"""Numbers written in digits alone with their country code first, as the seed's contact history
shows them (49894614950703), read as international numbers in a campaign of another region."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import TokenFactory

SEED_A_NUMBER = "49894614950703"
SEED_B_NUMBER = "49894614950665"


def import_contact(
    client: TestClient, auth: TokenFactory, campaign_id: int, **numbers: str
) -> dict[str, Any]:
    body = {"DiallerCampaignsID": campaign_id, "Name": "Mustermann", "UserData": "Contact10"}
    response = client.post("/dialler/contacts/import", json={**body, **numbers}, headers=auth())
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


def test_the_seeds_history_numbers_come_out_as_german(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact = import_contact(
        client, auth, campaign["DiallerCampaignsID"], PhoneNumber1=SEED_B_NUMBER
    )
    result = {
        "PhoneNumberOffset": 1,
        "dtCallStart": "2020-11-11T15:31:41.649",
        "dtCallAlert": "2020-11-11T15:31:43.190",
        "dtCallConnect": "2020-11-11T15:31:44.117",
        "dtCallEnd": "2020-11-11T15:31:47.070",
        "CauseCodesID": 31,
        "ANumber": SEED_A_NUMBER,
        "BNumber": SEED_B_NUMBER,
    }

    response = client.post(
        f"/dialler/contacts/contact/{contact['ID']}/results", json=result, headers=auth()
    )
    assert response.status_code == 200, response.text
    history = client.get(f"/dialler/contacts/contact/{contact['ID']}/history", headers=auth())

    (entry,) = history.json()["records"]
    assert entry["ANumber"] == SEED_A_NUMBER and entry["BNumber"] == SEED_B_NUMBER
    assert entry["ANumber_CountryCodesID"] == 49
    assert entry["BNumber_CountryCodesID"] == 49
    assert response.json()["records"][0] == entry


def test_a_contacts_international_numbers_without_plus_get_their_e164(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact = import_contact(
        client,
        auth,
        campaign["DiallerCampaignsID"],
        PhoneNumber1=SEED_A_NUMBER,
        PhoneNumber2="0049 89 4614950703",
        PhoneNumber3="49 (89) 4614-950703",
        PhoneNumber4="(312) 555-0142",
    )

    assert [contact[f"PhoneNumber{n}E164"] for n in range(1, 5)] == [
        "+49894614950703",
        "+49894614950703",
        "+49894614950703",
        "+13125550142",
    ]
