"""The ACD end-reason fields in both of the seed's spellings: the earlier version's `Acd` and the
newer one's `Acid`, read and written by a client of either."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TokenFactory
from tests.dialler.test_results_api import assert_error, post_result

SPELLINGS = ("Acd", "Acid")


def contact_fields(client: TestClient, auth: TokenFactory, contact_id: int) -> dict[str, Any]:
    response = client.get(f"/dialler/contacts/{contact_id}", headers=auth())
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_result_in_either_spelling_shows_in_both(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any], spelling: str
) -> None:
    fields = {"dtCallConnect": "2024-05-01T10:00:05", f"{spelling}AgentEndReasonsID": 7}
    response = post_result(client, auth, contact["ID"], **fields)

    assert response.status_code == 200, response.text
    [history] = response.json()["records"]
    assert history["AcdAgentEndReasonsID"] == history["AcidAgentEndReasonsID"] == 7
    record = contact_fields(client, auth, contact["ID"])
    for name in ("LastAcdAgentEndReasonsID", "LastAcidAgentEndReasonsID"):
        assert record[name] == 7, name
    for name in ("PhoneNumber1LastAcdAgentEndReasonsID", "PhoneNumber1LastAcidAgentEndReasonsID"):
        assert record[name] == 7, name


def test_every_contact_record_carries_both_spellings_side_by_side(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    names = list(contact_fields(client, auth, contact["ID"]))
    for n in range(1, 7):
        acd = names.index(f"PhoneNumber{n}LastAcdAgentEndReasonsID")
        assert names[acd + 1] == f"PhoneNumber{n}LastAcidAgentEndReasonsID"
    assert names.index("LastAcidAgentEndReasonsID") == names.index("LastAcdAgentEndReasonsID") + 1


def test_a_result_sending_both_spellings_with_different_values_is_refused(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    response = post_result(
        client, auth, contact["ID"], AcdAgentEndReasonsID=7, AcidAgentEndReasonsID=8
    )
    assert_error(response, 400, "AcdAgentEndReasonsID", "AcidAgentEndReasonsID")
    assert contact_fields(client, auth, contact["ID"])["nTriesPhoneNumber1"] == 0


def test_a_result_sending_both_spellings_alike_is_taken(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    response = post_result(
        client, auth, contact["ID"], AcdAgentEndReasonsID=7, AcidAgentEndReasonsID=7
    )
    assert response.status_code == 200, response.text
    assert response.json()["records"][0]["AcdAgentEndReasonsID"] == 7


@pytest.mark.parametrize("path", ["/dialler/contacts/update", "/dialler/contacts/import"])
def test_a_record_read_in_either_version_may_be_sent_back(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any], path: str
) -> None:
    record = contact_fields(client, auth, contact["ID"])
    for spelling in SPELLINGS:
        # A client of one version knows only its own spelling.
        other = "Acid" if spelling == "Acd" else "Acd"
        sent = {k: v for k, v in record.items() if f"{other}AgentEndReasonsID" not in k}
        if path.endswith("import"):
            sent = {k: v for k, v in sent.items() if k != "ID"}
        response = client.post(path, json={**sent, "Name": "Roe"}, headers=auth())
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/dialler/contacts/update", "/dialler/contacts/import"])
def test_a_body_with_both_spellings_different_is_refused(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any], path: str
) -> None:
    body = {
        "ID": contact["ID"],
        "DiallerCampaignsID": contact["DiallerCampaignsID"],
        "Name": "Roe",
        "PhoneNumber1": "(312) 555-0101",
        "LastAcdAgentEndReasonsID": 3,
        "LastAcidAgentEndReasonsID": 4,
    }
    response = client.post(path, json=body, headers=auth())
    assert_error(response, 400, "LastAcdAgentEndReasonsID", "LastAcidAgentEndReasonsID")
    assert contact_fields(client, auth, contact["ID"])["Name"] == contact["Name"]
