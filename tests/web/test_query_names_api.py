"""Query parameter names are matched without regard to case on every face, as clients written
against the seeds spell them every which way."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.callreports.conftest import admin, cdr, load, partner
from tests.conftest import TokenFactory
from tests.loans.conftest import book as book
from tests.loans.conftest import headers as headers
from tests.loans.helpers import Book, assert_error, data

DAY = "start=2024-03-01 00:00:00&end=2024-03-01 23:59:59&timezone=UTC"


def new_campaign(client: TestClient, auth: TokenFactory, name: str) -> int:
    response = client.post("/dialler/campaigns", json={"Name": name}, headers=auth())
    assert response.status_code == 200, response.text
    campaign_id: int = response.json()["records"][0]["DiallerCampaignsID"]
    return campaign_id


def import_contact(
    client: TestClient, auth: TokenFactory, campaign_id: int, user_data: str
) -> dict[str, Any]:
    body = {
        "DiallerCampaignsID": campaign_id,
        "Name": "Doe",
        "UserData": user_data,
        "PhoneNumber1": "(312) 555-0142",
    }
    response = client.post("/dialler/contacts/import", json=body, headers=auth())
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


@pytest.mark.parametrize("name", ["DiallerCampaignsID", "DIALLERCAMPAIGNSID", "diallercampaignsid"])
def test_the_dialler_list_is_filtered_by_campaign_whatever_the_case(
    client: TestClient, auth: TokenFactory, name: str
) -> None:
    early, late = new_campaign(client, auth, "Early"), new_campaign(client, auth, "Late")
    mine = import_contact(client, auth, early, "acct-1")
    import_contact(client, auth, late, "acct-2")

    response = client.get(f"/dialler/contacts?{name}={early}", headers=auth())

    assert response.status_code == 200, response.text
    assert [record["ID"] for record in response.json()["records"]] == [mine["ID"]]


def test_user_data_in_capitals_finds_the_contact_and_its_value_is_kept_as_sent(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact = import_contact(client, auth, campaign["DiallerCampaignsID"], "acct 1&2+3")

    response = client.get("/dialler/contacts/contact?USERDATA=acct+1%262%2B3", headers=auth())

    assert response.status_code == 200, response.text
    assert [record["ID"] for record in response.json()["records"]] == [contact["ID"]]


def test_a_partner_names_its_tenant_with_any_case_of_tenantid(
    client: TestClient, auth: TokenFactory
) -> None:
    theirs = client.post(
        "/dialler/campaigns?TenantID=315", json={"Name": "Theirs"}, headers=partner(auth)
    )
    assert theirs.status_code == 200, theirs.text

    response = client.get("/dialler/campaigns?TENANTID=315", headers=partner(auth))

    assert response.status_code == 200, response.text
    assert [c["Name"] for c in response.json()["records"]] == ["Theirs"]


def test_the_dialer_call_list_is_filtered_by_loanid_in_capitals(book: Book) -> None:
    book.bucket("DD-001", 60, 74)
    first, _ = book.loan("2020-06-02"), book.loan("2020-06-02")
    book.build("2020-08-03")

    listed = data(book.client.get(f"/dialer/calls?LOANID={first['loanId']}", headers=book.headers))

    assert [record["loanId"] for record in listed] == [first["loanId"]]


def test_call_tracking_is_filtered_by_loan_id_and_its_links_keep_the_declared_spelling(
    book: Book,
) -> None:
    first, second = book.loan("2020-06-02"), book.loan("2020-06-02")
    for loan in (first, first, second):
        call = {
            "loanId": loan["loanId"],
            "phoneNumber": "(312) 555-0100",
            "callStatus": "Attempted",
            "callTimestamp": "2024-03-01T15:00:00.000Z",
        }
        book.client.post("/calltracking/calls", json=call, headers=book.headers)

    response = book.client.get(
        f"/calltrackingapi/calltracking/calls?LoanId={first['loanId']}&Limit=1",
        headers=book.headers,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [record["loanId"] for record in body["data"]] == [first["loanId"]]
    assert body["paging"]["links"]["next"] == (f"/calls?loanid={first['loanId']}&offset=1&limit=1")


def test_call_reports_read_tenantid_in_capitals(client: TestClient, auth: TokenFactory) -> None:
    load(client, admin(auth), [cdr("caps", "2024-03-01T12:00:00Z")])

    response = client.get(f"/call-reports?TENANTID=314&{DAY}", headers=admin(auth))

    assert response.status_code == 200, response.text
    assert [record["uniqueId"] for record in response.json()] == ["caps"]


def test_a_name_sent_in_two_spellings_is_refused_naming_it(
    client: TestClient, auth: TokenFactory, book: Book
) -> None:
    dialler = client.get(
        "/dialler/contacts?diallerCampaignsID=1&DiallerCampaignsID=2", headers=auth()
    )
    velocity = book.get(loanid="a", LOANID="b")

    assert dialler.status_code == 400, dialler.text
    assert dialler.json() == {
        "status": 400,
        "message": "the query parameter diallerCampaignsID is sent twice, as "
        "diallerCampaignsID and DiallerCampaignsID; send it once",
    }
    assert_error(velocity, 400, "loanid is sent twice", "LOANID")
