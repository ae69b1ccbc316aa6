"""Calls placed through the dialler are tracked against the loan their contact is linked to."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.calltracking.conftest import CALLS, LoanFactory, scoped
from tests.conftest import TokenFactory

CONNECTED = {
    "dtCallStart": "2024-05-01T10:00:00.250Z",
    "dtCallConnect": "2024-05-01T10:00:09Z",
    "dtCallEnd": "2024-05-01T10:03:00Z",
    "CauseCodesID": 16,
}
BUSY = {"dtCallStart": "2024-05-01T11:00:00Z", "CauseCodesID": 17}
MAILBOX = {**CONNECTED, "bMailbox": True}


def import_contact(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], **fields: Any
) -> tuple[int, dict[str, Any]]:
    body = {
        "DiallerCampaignsID": campaign["DiallerCampaignsID"],
        "Name": "Jane Doe",
        "PhoneNumber1": "(773) 555-0142",
        "PhoneNumber2": "312 555 0199",
        **fields,
    }
    response = client.post("/dialler/contacts/import", json=body, headers=auth())
    return response.status_code, response.json()


def linked_contact(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    status, body = import_contact(client, auth, campaign, **fields)
    assert status == 200, body
    record: dict[str, Any] = body["records"][0]
    return record


def post_result(
    client: TestClient, auth: TokenFactory, contact_id: int, offset: int = 1, **fields: Any
) -> None:
    response = client.post(
        f"/dialler/contacts/contact/{contact_id}/results",
        json={"PhoneNumberOffset": offset, **fields},
        headers=auth(),
    )
    assert response.status_code == 200, response.text


def tracked(client: TestClient, auth: TokenFactory, **params: Any) -> list[dict[str, Any]]:
    response = client.get(CALLS, params=params, headers=scoped(auth, servicer=None))
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def test_a_connected_call_to_a_contact_whose_user_data_is_a_loan_id_is_contacted(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], loan: dict[str, Any]
) -> None:
    contact = linked_contact(client, auth, campaign, UserData=loan["loanId"])
    post_result(client, auth, contact["ID"], **CONNECTED)

    calls = tracked(client, auth, loanid=loan["loanId"])
    assert len(calls) == 1
    record = calls[0]
    assert record["callStatus"] == "Contacted"
    assert record["callTimestamp"] == "2024-05-01T10:00:00.250Z"
    assert record["phoneNumber"] == "(773) 555-0142"
    assert record["borrowerId"] == loan["borrowerId"]
    assert record["servicerId"] == "2"
    assert record["createdBy"] == {"system": "dialler"}
    assert len(tracked(client, auth, phonenumber="7735550142")) == 1


@pytest.mark.parametrize("result", [BUSY, MAILBOX], ids=["busy", "mailbox"])
def test_a_call_that_reached_no_person_is_attempted(
    client: TestClient,
    auth: TokenFactory,
    campaign: dict[str, Any],
    loan: dict[str, Any],
    result: dict[str, Any],
) -> None:
    contact = linked_contact(client, auth, campaign, UserData=loan["loanId"])
    post_result(client, auth, contact["ID"], offset=2, **result)
    calls = tracked(client, auth, loanid=loan["loanId"])
    assert [c["callStatus"] for c in calls] == ["Attempted"]
    assert calls[0]["phoneNumber"] == "312 555 0199"


def test_an_explicit_loan_id_links_the_contact(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], new_loan: LoanFactory
) -> None:
    loan, decoy = new_loan(), new_loan()
    # LoanID wins over a UserData that happens to be another loan's id.
    contact = linked_contact(
        client, auth, campaign, LoanID=loan["loanId"], UserData=decoy["loanId"]
    )
    assert contact["LoanID"] == loan["loanId"]
    post_result(client, auth, contact["ID"], **BUSY)
    post_result(client, auth, contact["ID"], **CONNECTED)
    calls = tracked(client, auth, loanid=loan["loanId"])
    assert [c["callStatus"] for c in calls] == ["Attempted", "Contacted"]
    assert tracked(client, auth, loanid=decoy["loanId"]) == []


def test_a_contact_linked_to_no_loan_tracks_nothing(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], loan: dict[str, Any]
) -> None:
    contact = linked_contact(client, auth, campaign, UserData="CUST-0042")
    assert contact["LoanID"] is None
    post_result(client, auth, contact["ID"], **CONNECTED)
    assert tracked(client, auth) == []


def test_a_loan_of_another_servicer_is_tracked_under_that_servicer(
    client: TestClient,
    auth: TokenFactory,
    campaign: dict[str, Any],
    new_loan: LoanFactory,
    west: int,
) -> None:
    loan = new_loan(servicer=west)
    contact = linked_contact(client, auth, campaign, UserData=loan["loanId"])
    post_result(client, auth, contact["ID"], **CONNECTED)
    assert [c["servicerId"] for c in tracked(client, auth)] == ["3"]
    main_only = client.get(CALLS, headers=scoped(auth, servicer=2)).json()
    assert main_only["data"] == []


def test_a_user_data_naming_another_tenants_loan_tracks_nothing(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], new_loan: LoanFactory
) -> None:
    theirs = new_loan(tenant=315, servicer=7)
    contact = linked_contact(client, auth, campaign, UserData=theirs["loanId"])
    post_result(client, auth, contact["ID"], **CONNECTED)
    assert tracked(client, auth) == []
    their_calls = client.get(CALLS, headers=scoped(auth, tenant=315, servicer=7)).json()
    assert their_calls["data"] == []


def test_an_unknown_or_foreign_loan_id_is_refused(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], new_loan: LoanFactory
) -> None:
    theirs = new_loan(tenant=315, servicer=7)
    for loan_id in ("no-such-loan", theirs["loanId"]):
        status, body = import_contact(client, auth, campaign, LoanID=loan_id)
        assert status == 400
        assert body["message"] == f"LoanID {loan_id} does not exist"
    listed = client.get("/dialler/contacts", headers=auth()).json()
    assert listed["count"] == 0


def test_the_link_can_be_set_changed_and_cleared_by_update(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], loan: dict[str, Any]
) -> None:
    contact = linked_contact(client, auth, campaign)

    def update(**fields: Any) -> tuple[int, dict[str, Any]]:
        response = client.post(
            "/dialler/contacts/update", json={"ID": contact["ID"], **fields}, headers=auth()
        )
        return response.status_code, response.json()

    status, body = update(LoanID="no-such-loan")
    assert (status, body["message"]) == (400, "LoanID no-such-loan does not exist")
    status, body = update(LoanID=loan["loanId"])
    assert status == 200
    assert body["records"][0]["LoanID"] == loan["loanId"]
    post_result(client, auth, contact["ID"], **CONNECTED)
    status, body = update(LoanID=None)
    assert body["records"][0]["LoanID"] is None
    post_result(client, auth, contact["ID"], **BUSY)
    assert [c["callStatus"] for c in tracked(client, auth, loanid=loan["loanId"])] == ["Contacted"]
