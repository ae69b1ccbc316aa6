"""The dialler contact functions of the seed, called over HTTP as a client would."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from opendialer.db.session import Database
from opendialer.dialler.models import ContactHistory
from opendialer.dialler.schemas import ContactImport
from opendialer.dialler.service import LIST_BATCH, ContactService
from tests.conftest import TokenFactory

LIST_KEYS = {
    "filter",
    "limitStart",
    "limitPageSize",
    "records",
    "count",
    "orderBy",
    "ascending",
    "status",
}
RECORDS_KEYS = {"records", "count", "status"}

# Every contact field the seed's examples show (the agent end reasons spelt "Acd").
SEED_CONTACT_FIELDS = {
    "RandomSortOrder",
    "UserData",
    "Client",
    "Service",
    "ReferenceNumber",
    "Name",
    "FirstName",
    "Salutation",
    "Title",
    "Company",
    "Address",
    "PostalCode",
    "City",
    "Country",
    "AccountOwner",
    "AccountBank",
    "AccountNationalBankCode",
    "AccountBIC",
    "AccountNumber",
    "AccountIBAN",
    "Amount",
    *(f"PhoneNumber{n}" for n in range(1, 7)),
    "FaxNumber",
    "Email",
    "Website",
    "Comment",
    "ReservedUsersUID",
    "FollowUpUsersUID",
    "FollowUpDateTime",
    "dtBeginDate",
    "dtEndDate",
    "Manufacturer",
    "Model",
    "Tag",
    "ExternalSystemLink",
    "bLastResultMailbox",
    "LastAcdAgentEndReasonsID",
    "dtNextTry",
    *(f"bPhoneNumber{n}Invalid" for n in range(1, 7)),
    *(f"nTriesPhoneNumber{n}" for n in range(1, 7)),
    *(f"nPhoneNumber{n}LastCause" for n in range(1, 7)),
    *(f"PhoneNumber{n}LastAcdAgentEndReasonsID" for n in range(1, 7)),
}

SEED_HISTORY_FIELDS = {
    "bOutbound",
    "dtCallEnd",
    "UserData",
    "ServiceNumbersID",
    "DiallerCampaignsID",
    "ANumber_CountryCodesID",
    "BNumber_CountryCodesID",
    "DiallerContactsID",
    "ANumber_AreaCodesID",
    "CONNRES",
    "BNumber_AreaCodesID",
    "bCallerHangup",
    "ANumber",
    "dtCallConnect",
    "dtCreatedDiallerContactsHistory",
    "CauseCodesID",
    "dtCallAlert",
    "PhoneNumberOffset",
    "DiallerCampaignsResultCodesID",
    "StatisticsPartAID",
    "UsersID",
    "BNumber",
    "UserData2",
    "ClientsID",
    "UserData3",
    "dtCallStart",
    "bTestCall",
    "PhoneNumber",
    "DiallerContactsHistoryID",
    "DiallerResultCodesTypesID",
}

# The seed's "all fields" import example, as written but for the campaign's ID.
SEED_IMPORT_EXAMPLE: dict[str, Any] = {
    "DiallerCampaignsID": 538,
    "RandomSortOrder": None,
    "UserData": "testUserData",
    "Client": "Client",
    "Service": "Service",
    "ReferenceNumber": "ReferenceNumber",
    "Name": "Name",
    "FirstName": "FirstName",
    "Salutation": "Salutation",
    "Title": "Title",
    "Company": "Company",
    "Address": "Address",
    "PostalCode": "PostalCode",
    "City": "City",
    "Country": "Country",
    "AccountOwner": "AccountOwner",
    "AccountBank": "AccountBank",
    "AccountNationalBankCode": "AccountNationalBankCode",
    "AccountBIC": "AccountBIC",
    "AccountNumber": "AccountNumber",
    "AccountIBAN": "AccountIBAN",
    "Amount": 0.0,
    "PhoneNumber1": "PhoneNumber1",
    "PhoneNumber2": "PhoneNumber2",
    "PhoneNumber3": "PhoneNumber3",
    "PhoneNumber4": "PhoneNumber4",
    "PhoneNumber5": "PhoneNumber5",
    "PhoneNumber6": "PhoneNumber6",
    "FaxNumber": "FaxNumber",
    "Email": "Email",
    "Website": "Website",
    "Comment": "Comment",
    "ReservedUsersUID": "ReservedUsersUID",
    "FollowUpUsersUID": "FollowUpUsersUID",
    "FollowUpDateTime": None,
    "dtBeginDate": "2020-01-01T00:00:00",
    "dtEndDate": "2020-03-01T00:00:00",
    "Manufacturer": "Manufacturer",
    "Model": "Model",
    "Tag": "Tag",
    "ExternalSystemLink": "http://test.external.link/",
}

# The seed's "all fields which can be updated" example, as written but for the ID.
SEED_UPDATE_EXAMPLE: dict[str, Any] = {
    "ID": 123456,
    "UserData": "newUserData",
    "UserData2": "newUserData2",
    "UserData3": "newUserData3",
    "Client": "NewClient",
    "Service": "NewService",
    "ReferenceNumber": "NewReferenceNumber",
    "Name": "NewName",
    "FirstName": "NewFirstName",
    "Salutation": "NewSalutation",
    "Title": "NewTitle",
    "Company": "NewCompany",
    "Address": "NewAddress",
    "PostalCode": "NewPostCode",
    "City": "NewCity",
    "Country": "NewCountry",
    "AccountOwner": "NewAccountOwner",
    "AccountBank": "NewAccountBank",
    "AccountNationalBankCode": "NewAccountNationalBankCode",
    "AccountBIC": "NewAccountBIC",
    "AccountNumber": "NewAccountNumber",
    "AccountIBAN": "NewAccountIBAN",
    "Amount": 999.99,
    "PhoneNumber1": "NewPhoneNumber1",
    "PhoneNumber2": "NewPhoneNumber2",
    "PhoneNumber3": "NewPhoneNumber3",
    "PhoneNumber4": "NewPhoneNumber4",
    "PhoneNumber5": "NewPhoneNumber5",
    "PhoneNumber6": "NewPhoneNumber6",
    "FaxNumber": "NewFaxNumber",
    "Email": "NewEmail",
    "Website": "NewWebsite",
    "Comment": "NewComment",
    "Region": "NewRegion",
    "dtBeginDate": "2030-01-01T00:00:00",
    "dtEndDate": "2030-03-01T00:00:00",
    "Manufacturer": "NewManufacturer",
    "Model": "NewModel",
    "Tag": "NewTag",
    "ExternalSystemLink": "http://test.external.link/NewURL",
}

DATE_FIELDS = {"dtBeginDate", "dtEndDate", "FollowUpDateTime"}


def as_returned(field: str, value: Any) -> Any:
    """How the API writes back a value that was sent: dates gain milliseconds."""
    if field in DATE_FIELDS and value is not None:
        return f"{value}.000"
    return value


def assert_error(response: Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "message"}
    assert body["status"] == status
    for word in words:
        assert word in body["message"]


def assert_status_only(response: Response) -> None:
    assert response.status_code == 200, response.text
    assert response.json() == {"status": 200}


def new_campaign(client: TestClient, auth: TokenFactory, name: str, **fields: Any) -> int:
    response = client.post("/dialler/campaigns", json={"Name": name, **fields}, headers=auth())
    assert response.status_code == 200, response.text
    campaign_id: int = response.json()["records"][0]["DiallerCampaignsID"]
    return campaign_id


def import_contact(
    client: TestClient, auth: TokenFactory, campaign_id: int, **fields: Any
) -> dict[str, Any]:
    body = {
        "DiallerCampaignsID": campaign_id,
        "Name": "Doe",
        "PhoneNumber1": "+1 312 555 0100",
        **fields,
    }
    response = client.post("/dialler/contacts/import", json=body, headers=auth())
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


def fetch(client: TestClient, auth: TokenFactory, contact_id: int) -> dict[str, Any]:
    response = client.get(f"/dialler/contacts/{contact_id}", headers=auth())
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


def listed(client: TestClient, auth: TokenFactory, **params: Any) -> dict[str, Any]:
    response = client.get("/dialler/contacts", params=params, headers=auth())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def record_call(
    client: TestClient, auth: TokenFactory, contact_id: int, **fields: Any
) -> dict[str, Any]:
    body = {
        "PhoneNumberOffset": 1,
        "dtCallStart": "2024-05-01T10:00:00",
        "dtCallEnd": "2024-05-01T10:00:30",
        "CauseCodesID": 17,
        **fields,
    }
    response = client.post(
        f"/dialler/contacts/contact/{contact_id}/results", json=body, headers=auth()
    )
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


def history(client: TestClient, auth: TokenFactory, contact_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/dialler/contacts/contact/{contact_id}/history", headers=auth())
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


@pytest.fixture
def campaign_id(campaign: dict[str, Any]) -> int:
    value: int = campaign["DiallerCampaignsID"]
    return value


# -- retrieve all ----------------------------------------------------------------------------


def test_list_answers_the_seed_envelope(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    ids = [import_contact(client, auth, campaign_id, Name=f"Name{i}")["ID"] for i in range(3)]

    response = client.get("/dialler/contacts", headers=auth())

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == LIST_KEYS
    assert body["filter"] == ""
    assert body["limitStart"] == 0
    assert body["limitPageSize"] == -1
    assert body["orderBy"] == "Name"
    assert body["ascending"] is True
    assert body["status"] == 200
    assert body["count"] == 3
    assert [r["ID"] for r in body["records"]] == ids
    assert set(body["records"][0]) >= SEED_CONTACT_FIELDS


def test_list_with_no_contacts_is_empty(client: TestClient, auth: TokenFactory) -> None:
    body = listed(client, auth)

    assert body["records"] == []
    assert body["count"] == 0
    assert body["status"] == 200


def test_list_records_match_the_single_contact_records(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(
        client, auth, campaign_id, **SEED_IMPORT_EXAMPLE | {"DiallerCampaignsID": campaign_id}
    )
    record_call(client, auth, contact["ID"], CauseCodesID=1)

    (from_list,) = listed(client, auth)["records"]

    assert from_list == fetch(client, auth, contact["ID"])


def test_list_by_campaign_returns_only_that_campaign(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    other = new_campaign(client, auth, "Late Stage")
    mine = {import_contact(client, auth, campaign_id, Name=n)["ID"] for n in ("Ames", "Bell")}
    theirs = {import_contact(client, auth, other, Name=n)["ID"] for n in ("Cole", "Dunn", "Eve")}

    by_mine = listed(client, auth, diallerCampaignsID=campaign_id)
    by_theirs = listed(client, auth, diallerCampaignsID=other)
    everything = listed(client, auth)

    assert {r["ID"] for r in by_mine["records"]} == mine
    assert by_mine["count"] == 2
    assert {r["DiallerCampaignsID"] for r in by_mine["records"]} == {campaign_id}
    assert {r["ID"] for r in by_theirs["records"]} == theirs
    assert by_theirs["count"] == 3
    assert {r["ID"] for r in everything["records"]} == mine | theirs
    assert everything["count"] == 5


def test_list_of_an_empty_campaign_is_empty(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    empty = new_campaign(client, auth, "Empty")
    import_contact(client, auth, campaign_id)

    body = listed(client, auth, diallerCampaignsID=empty)

    assert body["records"] == []
    assert body["count"] == 0


def test_list_of_an_unknown_campaign_is_404(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    response = client.get(
        "/dialler/contacts", params={"diallerCampaignsID": campaign_id + 1000}, headers=auth()
    )

    assert_error(response, 404, str(campaign_id + 1000))


def test_list_of_another_tenants_campaign_is_404(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    import_contact(client, auth, campaign_id)

    response = client.get(
        "/dialler/contacts",
        params={"diallerCampaignsID": campaign_id},
        headers=auth(tenant=315),
    )

    assert_error(response, 404)


def test_list_never_shows_another_tenants_contacts(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    import_contact(client, auth, campaign_id)

    response = client.get("/dialler/contacts", headers=auth(tenant=315))

    assert response.json()["count"] == 0
    assert response.json()["records"] == []


def test_list_is_ordered_by_name_then_id(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    names = ["Miller", "Adams", "Miller", "Baker", "Adams", "Zimmer", "Baker"]
    imported = [import_contact(client, auth, campaign_id, Name=n) for n in names]
    expected = [c["ID"] for c in sorted(imported, key=lambda c: (c["Name"], c["ID"]))]

    body = listed(client, auth)

    assert [r["ID"] for r in body["records"]] == expected
    assert [r["Name"] for r in body["records"]] == sorted(names)


@pytest.mark.parametrize(
    ("start", "size"),
    [(0, -1), (0, 3), (2, 3), (5, -1), (6, 10), (7, 1), (100, -1), (3, 0)],
)
def test_list_pages_with_limit_start_and_page_size(
    client: TestClient, auth: TokenFactory, campaign_id: int, start: int, size: int
) -> None:
    for name in ["Fox", "Cole", "Ames", "Dunn", "Bell", "Eve", "Gray"]:
        import_contact(client, auth, campaign_id, Name=name)
    full = [r["ID"] for r in listed(client, auth)["records"]]

    body = listed(client, auth, limitStart=start, limitPageSize=size)

    expected = full[start:] if size == -1 else full[start : start + size]
    assert [r["ID"] for r in body["records"]] == expected
    assert body["count"] == len(expected)
    assert body["limitStart"] == start
    assert body["limitPageSize"] == size


@pytest.mark.parametrize(
    "params",
    [
        {"limitStart": -1},
        {"limitPageSize": -2},
        {"limitStart": "first"},
        {"diallerCampaignsID": "abc"},
    ],
)
def test_list_refuses_bad_paging_and_campaign_parameters(
    client: TestClient, auth: TokenFactory, params: dict[str, Any]
) -> None:
    response = client.get("/dialler/contacts", params=params, headers=auth())

    assert_error(response, 400, next(iter(params)))


def bulk_import(database: Database, campaign_id: int, names: list[str]) -> None:
    with database.transaction() as session:
        service = ContactService(session, 314)
        campaign = service.campaigns.get(campaign_id)
        bodies = (
            ContactImport.model_validate(
                {
                    "DiallerCampaignsID": campaign_id,
                    "Name": name,
                    "UserData": f"bulk-{i}",
                    "PhoneNumber1": f"+1312555{i:04d}",
                }
            )
            for i, name in enumerate(names)
        )
        counts = service.import_many(campaign, bodies, overwrite=False)
    assert counts.imported == len(names)


def test_list_streams_every_contact_across_batches_in_order(
    client: TestClient, auth: TokenFactory, database: Database, campaign_id: int
) -> None:
    # Few distinct names, so that batch boundaries fall inside runs of equal names.
    total = 2 * LIST_BATCH + 345
    bulk_import(database, campaign_id, [f"Name{i % 7}" for i in range(total)])
    other = new_campaign(client, auth, "Other")
    import_contact(client, auth, other, Name="Name3")

    body = listed(client, auth, diallerCampaignsID=campaign_id)

    records = body["records"]
    assert body["count"] == total
    assert len(records) == total
    keys = [(r["Name"], r["ID"]) for r in records]
    assert keys == sorted(keys)
    assert len({r["ID"] for r in records}) == total
    assert {r["UserData"] for r in records} == {f"bulk-{i}" for i in range(total)}
    assert records[0]["PhoneNumber1E164"] is not None

    everything = listed(client, auth)
    assert everything["count"] == total + 1


def test_list_pages_across_batches(
    client: TestClient, auth: TokenFactory, database: Database, campaign_id: int
) -> None:
    total = LIST_BATCH + 700
    bulk_import(database, campaign_id, [f"Name{i % 3}" for i in range(total)])
    full = [r["ID"] for r in listed(client, auth)["records"]]
    assert len(full) == total

    windows = [
        (LIST_BATCH - 10, LIST_BATCH + 20),
        (0, LIST_BATCH),
        (0, LIST_BATCH + 1),
        (1, -1),
        (LIST_BATCH + 5, -1),
        (total - 3, 10),
    ]
    for start, size in windows:
        body = listed(client, auth, limitStart=start, limitPageSize=size)
        expected = full[start:] if size == -1 else full[start : start + size]
        assert [r["ID"] for r in body["records"]] == expected, (start, size)
        assert body["count"] == len(expected)


# -- retrieve by ID --------------------------------------------------------------------------


def test_get_by_id_returns_one_contact_in_the_records_envelope(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(
        client, auth, campaign_id, Name="Mustermann", Company="Musterfirma GmbH"
    )

    response = client.get(f"/dialler/contacts/{contact['ID']}", headers=auth())

    assert response.status_code == 200
    body = response.json()
    assert set(body) == RECORDS_KEYS
    assert body["count"] == 1
    assert body["status"] == 200
    (record,) = body["records"]
    assert set(record) >= SEED_CONTACT_FIELDS
    assert record["ID"] == contact["ID"]
    assert record["DiallerCampaignsID"] == campaign_id
    assert record["ClientsID"] == 314
    assert record["Name"] == "Mustermann"
    assert record["Company"] == "Musterfirma GmbH"
    assert record["bLocked"] is False
    assert [record[f"nTriesPhoneNumber{n}"] for n in range(1, 7)] == [0] * 6
    assert record["dtNextTry"] is None
    assert record["bLastResultMailbox"] is None


def test_get_unknown_contact_is_404(client: TestClient, auth: TokenFactory) -> None:
    assert_error(client.get("/dialler/contacts/987654", headers=auth()), 404, "987654")


def test_get_another_tenants_contact_is_404(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(client, auth, campaign_id)

    response = client.get(f"/dialler/contacts/{contact['ID']}", headers=auth(tenant=315))

    assert_error(response, 404)


def test_get_with_a_non_numeric_id_is_400(client: TestClient, auth: TokenFactory) -> None:
    assert_error(client.get("/dialler/contacts/abc", headers=auth()), 400, "diallerContactsID")


def test_contacts_need_a_token(client: TestClient) -> None:
    assert_error(client.get("/dialler/contacts"), 401)
    assert_error(client.get("/dialler/contacts/1"), 401)


# -- retrieve by UserData --------------------------------------------------------------------


def test_get_by_user_data_returns_every_match(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    other = new_campaign(client, auth, "Late Stage")
    first = import_contact(client, auth, campaign_id, UserData="acct-1", Name="Zed")
    import_contact(client, auth, campaign_id, UserData="acct-2")
    second = import_contact(client, auth, other, UserData="acct-1", Name="Abe")
    third = import_contact(client, auth, campaign_id, UserData="acct-1")

    response = client.get(
        "/dialler/contacts/contact", params={"userData": "acct-1"}, headers=auth()
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == RECORDS_KEYS
    assert body["status"] == 200
    assert body["count"] == 3
    assert [r["ID"] for r in body["records"]] == [first["ID"], second["ID"], third["ID"]]
    assert {r["UserData"] for r in body["records"]} == {"acct-1"}


def test_get_by_user_data_is_exact_and_tenant_scoped(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    import_contact(client, auth, campaign_id, UserData="acct-10")
    import_contact(client, auth, campaign_id, UserData="ACCT-1")

    mine = client.get("/dialler/contacts/contact", params={"userData": "acct-1"}, headers=auth())
    theirs = client.get(
        "/dialler/contacts/contact", params={"userData": "acct-10"}, headers=auth(tenant=315)
    )

    assert mine.status_code == 200
    assert mine.json() == {"records": [], "count": 0, "status": 200}
    assert theirs.json() == {"records": [], "count": 0, "status": 200}


def test_get_by_user_data_needs_user_data(client: TestClient, auth: TokenFactory) -> None:
    assert_error(client.get("/dialler/contacts/contact", headers=auth()), 400, "userData")


# -- import ----------------------------------------------------------------------------------


def test_import_by_campaign_id_creates_and_returns_the_contact(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    body = {
        "DiallerCampaignsID": campaign_id,
        "Name": "Doe",
        "FirstName": "Jane",
        "UserData": "acct-1",
        "PhoneNumber2": "(312) 555-0199",
    }

    response = client.post("/dialler/contacts/import", json=body, headers=auth())

    assert response.status_code == 200, response.text
    payload = response.json()
    assert set(payload) == RECORDS_KEYS
    assert payload["count"] == 1
    assert payload["status"] == 200
    (record,) = payload["records"]
    assert record["DiallerCampaignsID"] == campaign_id
    assert record["Name"] == "Doe"
    assert record["FirstName"] == "Jane"
    assert record["PhoneNumber1"] is None
    assert record["PhoneNumber2"] == "(312) 555-0199"
    assert record["PhoneNumber2E164"] == "+13125550199"
    assert fetch(client, auth, record["ID"]) == record


def test_import_by_campaign_name(client: TestClient, auth: TokenFactory, campaign_id: int) -> None:
    other = new_campaign(client, auth, "My Campaign")

    response = client.post(
        "/dialler/contacts/import",
        json={
            "DiallerCampaignsName": "My Campaign",
            "Name": "Doe",
            "PhoneNumber1": "3125550100",
        },
        headers=auth(),
    )

    assert response.status_code == 200, response.text
    record = response.json()["records"][0]
    assert record["DiallerCampaignsID"] == other
    assert [r["ID"] for r in listed(client, auth, diallerCampaignsID=other)["records"]] == [
        record["ID"]
    ]
    assert listed(client, auth, diallerCampaignsID=campaign_id)["count"] == 0


def test_import_accepts_the_seeds_full_example(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    body = SEED_IMPORT_EXAMPLE | {"DiallerCampaignsID": campaign_id}

    response = client.post("/dialler/contacts/import", json=body, headers=auth())

    assert response.status_code == 200, response.text
    record = response.json()["records"][0]
    for field, value in body.items():
        assert record[field] == as_returned(field, value), field
    assert record["dtBeginDate"] == "2020-01-01T00:00:00.000"
    # "PhoneNumber1" is no phone number: kept as sent, with no E.164 form.
    assert record["PhoneNumber1E164"] is None
    assert fetch(client, auth, record["ID"]) == record


def test_import_accepts_the_seeds_example_by_campaign_name(
    client: TestClient, auth: TokenFactory
) -> None:
    campaign = new_campaign(client, auth, "My Campaign")
    body = {
        "DiallerCampaignsName": "My Campaign",
        "RandomSortOrder": None,
        "UserData": "testUserData",
        "Client": "Client",
        "Service": "Service",
        "ReferenceNumber": "ReferenceNumber",
        "Name": "Name",
        "PhoneNumber1": "+49 89 4614950703",
        "ExternalSystemLink": "http://test.external.link/",
    }

    response = client.post("/dialler/contacts/import", json=body, headers=auth())

    assert response.status_code == 200, response.text
    record = response.json()["records"][0]
    assert record["DiallerCampaignsID"] == campaign
    assert record["ExternalSystemLink"] == "http://test.external.link/"
    assert record["PhoneNumber1E164"] == "+49894614950703"


@pytest.mark.parametrize(
    ("drop", "extra", "named"),
    [
        (["Name"], {}, ["Name"]),
        ([], {"Name": "   "}, ["Name"]),
        (["DiallerCampaignsID"], {}, ["DiallerCampaignsID or DiallerCampaignsName"]),
        (["PhoneNumber1"], {}, ["PhoneNumber1..PhoneNumber6"]),
        ([], {"PhoneNumber1": ""}, ["PhoneNumber1..PhoneNumber6"]),
        ([], {"PhoneNumber1": None}, ["PhoneNumber1..PhoneNumber6"]),
        (
            ["Name", "DiallerCampaignsID", "PhoneNumber1"],
            {},
            ["Name", "DiallerCampaignsID or DiallerCampaignsName", "PhoneNumber1..PhoneNumber6"],
        ),
    ],
)
def test_import_names_each_missing_mandatory_field(
    client: TestClient,
    auth: TokenFactory,
    campaign_id: int,
    drop: list[str],
    extra: dict[str, Any],
    named: list[str],
) -> None:
    body: dict[str, Any] = {
        "DiallerCampaignsID": campaign_id,
        "Name": "Doe",
        "PhoneNumber1": "3125550100",
        "Company": "Acme",
    }
    body = {k: v for k, v in body.items() if k not in drop} | extra

    response = client.post("/dialler/contacts/import", json=body, headers=auth())

    assert_error(response, 400, "mandatory", *named)
    assert listed(client, auth)["count"] == 0


@pytest.mark.parametrize("offset", range(1, 7))
def test_import_takes_any_one_phone_number(
    client: TestClient, auth: TokenFactory, campaign_id: int, offset: int
) -> None:
    body = {"DiallerCampaignsID": campaign_id, "Name": "Doe", f"PhoneNumber{offset}": "3125550100"}

    response = client.post("/dialler/contacts/import", json=body, headers=auth())

    assert response.status_code == 200, response.text
    assert response.json()["records"][0][f"PhoneNumber{offset}E164"] == "+13125550100"


@pytest.mark.parametrize(
    ("field", "value"),
    [("DiallerCampaignsID", 999999), ("DiallerCampaignsName", "No Such Campaign")],
)
def test_import_into_an_unknown_campaign_is_400(
    client: TestClient, auth: TokenFactory, field: str, value: Any
) -> None:
    body = {field: value, "Name": "Doe", "PhoneNumber1": "3125550100"}

    response = client.post("/dialler/contacts/import", json=body, headers=auth())

    assert_error(response, 400, field, "does not exist")


def test_import_into_another_tenants_campaign_is_400(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    body = {"DiallerCampaignsID": campaign_id, "Name": "Doe", "PhoneNumber1": "3125550100"}

    response = client.post("/dialler/contacts/import", json=body, headers=auth(tenant=315))

    assert_error(response, 400, "does not exist")
    assert listed(client, auth)["count"] == 0


def test_import_refuses_unknown_fields_and_wrong_types(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    base = {"DiallerCampaignsID": campaign_id, "Name": "Doe", "PhoneNumber1": "3125550100"}

    misspelt = client.post("/dialler/contacts/import", json=base | {"Nmae": "x"}, headers=auth())
    wrong_type = client.post(
        "/dialler/contacts/import", json=base | {"Amount": "lots"}, headers=auth()
    )
    too_long = client.post(
        "/dialler/contacts/import", json=base | {"UserData": "u" * 256}, headers=auth()
    )

    assert_error(misspelt, 400, "Nmae", "not a known field")
    assert_error(wrong_type, 400, "Amount")
    assert_error(too_long, 400, "UserData")
    assert listed(client, auth)["count"] == 0


def test_import_accepts_a_record_read_back_from_the_api(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    original = import_contact(client, auth, campaign_id, UserData="acct-1", Company="Acme")
    record_call(client, auth, original["ID"])
    read_back = fetch(client, auth, original["ID"])

    response = client.post("/dialler/contacts/import", json=read_back, headers=auth())

    assert response.status_code == 200, response.text
    copy = response.json()["records"][0]
    assert copy["ID"] != original["ID"]
    assert copy["Company"] == "Acme"
    # The dialing state is the dialler's own: a new contact starts fresh.
    assert copy["nTriesPhoneNumber1"] == 0
    assert copy["dtNextTry"] is None
    assert fetch(client, auth, original["ID"])["nTriesPhoneNumber1"] == 1


def test_import_with_overwrite_replaces_the_same_user_data_contact_in_the_campaign(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    original = import_contact(
        client, auth, campaign_id, UserData="acct-1", Name="Old", Company="Old Co", City="Paris"
    )
    record_call(client, auth, original["ID"], CauseCodesID=17)

    response = client.post(
        "/dialler/contacts/import",
        params={"overwriteDuplicates": "true"},
        json={
            "DiallerCampaignsID": campaign_id,
            "UserData": "acct-1",
            "Name": "New",
            "Company": "New Co",
            "PhoneNumber1": "(312) 555-0177",
        },
        headers=auth(),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == 1
    record = body["records"][0]
    assert record["ID"] == original["ID"]
    assert record["Name"] == "New"
    assert record["Company"] == "New Co"
    assert record["City"] is None
    assert record["PhoneNumber1E164"] == "+13125550177"
    # The contact's dialing state and history survive the overwrite.
    assert record["nTriesPhoneNumber1"] == 1
    assert len(history(client, auth, original["ID"])) == 1
    assert listed(client, auth)["count"] == 1
    assert fetch(client, auth, original["ID"]) == record


def test_import_with_overwrite_and_several_matches_overwrites_the_oldest(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    oldest = import_contact(client, auth, campaign_id, UserData="acct-1", Name="First")
    newer = import_contact(client, auth, campaign_id, UserData="acct-1", Name="Second")

    record = client.post(
        "/dialler/contacts/import?overwriteDuplicates=true",
        json={
            "DiallerCampaignsID": campaign_id,
            "UserData": "acct-1",
            "Name": "Third",
            "PhoneNumber1": "3125550100",
        },
        headers=auth(),
    ).json()["records"][0]

    assert record["ID"] == oldest["ID"]
    assert fetch(client, auth, oldest["ID"])["Name"] == "Third"
    assert fetch(client, auth, newer["ID"])["Name"] == "Second"
    assert listed(client, auth)["count"] == 2


def test_import_with_overwrite_only_matches_within_the_campaign(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    other = new_campaign(client, auth, "Late Stage")
    original = import_contact(client, auth, campaign_id, UserData="acct-1", Name="Old")

    response = client.post(
        "/dialler/contacts/import?overwriteDuplicates=true",
        json={
            "DiallerCampaignsID": other,
            "UserData": "acct-1",
            "Name": "New",
            "PhoneNumber1": "3125550100",
        },
        headers=auth(),
    )

    record = response.json()["records"][0]
    assert record["ID"] != original["ID"]
    assert record["DiallerCampaignsID"] == other
    assert fetch(client, auth, original["ID"])["Name"] == "Old"
    assert listed(client, auth)["count"] == 2


def test_import_with_overwrite_and_no_match_creates(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    import_contact(client, auth, campaign_id, UserData="acct-1")

    response = client.post(
        "/dialler/contacts/import?overwriteDuplicates=true",
        json={
            "DiallerCampaignsID": campaign_id,
            "UserData": "acct-2",
            "Name": "New",
            "PhoneNumber1": "3125550100",
        },
        headers=auth(),
    )

    assert response.status_code == 200
    assert response.json()["records"][0]["UserData"] == "acct-2"
    assert listed(client, auth)["count"] == 2


@pytest.mark.parametrize("query", ["?overwriteDuplicates=false", ""])
def test_import_without_overwrite_always_creates(
    client: TestClient, auth: TokenFactory, campaign_id: int, query: str
) -> None:
    body = {
        "DiallerCampaignsID": campaign_id,
        "UserData": "acct-1",
        "Name": "Doe",
        "PhoneNumber1": "3125550100",
    }

    ids = [
        client.post(f"/dialler/contacts/import{query}", json=body, headers=auth()).json()[
            "records"
        ][0]["ID"]
        for _ in range(3)
    ]

    assert len(set(ids)) == 3
    by_user_data = client.get(
        "/dialler/contacts/contact", params={"userData": "acct-1"}, headers=auth()
    ).json()
    assert by_user_data["count"] == 3
    assert [r["ID"] for r in by_user_data["records"]] == ids


def test_import_refuses_a_non_boolean_overwrite_flag(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    response = client.post(
        "/dialler/contacts/import?overwriteDuplicates=perhaps",
        json={"DiallerCampaignsID": campaign_id, "Name": "Doe", "PhoneNumber1": "3125550100"},
        headers=auth(),
    )

    assert_error(response, 400, "overwriteDuplicates")


# -- phone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "3125550100",
        "(312) 555-0100",
        "312-555-0100",
        "312.555.0100",
        "312 555 0100",
        "1 (312) 555-0100",
        "1-312-555-0100",
        "+1 312 555 0100",
        "+1 (312) 555-0100",
        "+13125550100",
        "011 1 312 555 0100",
    ],
)
def test_phone_numbers_are_normalised_to_e164(
    client: TestClient, auth: TokenFactory, campaign_id: int, spelling: str
) -> None:
    fields = {f"PhoneNumber{n}": spelling for n in range(1, 7)}

    record = import_contact(client, auth, campaign_id, **fields)

    for n in range(1, 7):
        assert record[f"PhoneNumber{n}"] == spelling
        assert record[f"PhoneNumber{n}E164"] == "+13125550100"


def test_phone_numbers_use_the_campaigns_region(client: TestClient, auth: TokenFactory) -> None:
    german = new_campaign(client, auth, "Munich", Region="DE", TimeZone="Europe/Berlin")

    record = import_contact(
        client,
        auth,
        german,
        PhoneNumber1="089 4614950703",
        PhoneNumber2="+49 (0)89 4614950703",
        PhoneNumber3="+1 312 555 0100",
        PhoneNumber4="0049 89 4614950703",
    )

    assert record["PhoneNumber1E164"] == "+49894614950703"
    assert record["PhoneNumber2E164"] == "+49894614950703"
    assert record["PhoneNumber3E164"] == "+13125550100"
    assert record["PhoneNumber4E164"] == "+49894614950703"


def test_impossible_phone_numbers_are_kept_without_e164(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    record = import_contact(
        client, auth, campaign_id, PhoneNumber1="call me", PhoneNumber2="12", PhoneNumber3=None
    )

    assert record["PhoneNumber1"] == "call me"
    assert record["PhoneNumber1E164"] is None
    assert record["PhoneNumber2E164"] is None
    assert record["PhoneNumber3"] is None
    assert record["PhoneNumber3E164"] is None


# -- update ----------------------------------------------------------------------------------


def update(client: TestClient, auth: TokenFactory, body: dict[str, Any]) -> Response:
    return client.post("/dialler/contacts/update", json=body, headers=auth())


def test_update_by_id_accepts_the_seeds_full_example(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(
        client, auth, campaign_id, **SEED_IMPORT_EXAMPLE | {"DiallerCampaignsID": campaign_id}
    )
    body = SEED_UPDATE_EXAMPLE | {"ID": contact["ID"]}

    response = update(client, auth, body)

    assert response.status_code == 200, response.text
    payload = response.json()
    assert set(payload) == RECORDS_KEYS
    assert payload["count"] == 1
    assert payload["status"] == 200
    record = payload["records"][0]
    for field, value in body.items():
        assert record[field] == as_returned(field, value), field
    assert record["DiallerCampaignsID"] == campaign_id
    assert fetch(client, auth, contact["ID"]) == record


def test_update_by_id_changes_user_data(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(client, auth, campaign_id, UserData="old-key", Company="Acme")

    response = update(client, auth, {"ID": contact["ID"], "UserData": "new-key"})

    assert response.status_code == 200, response.text
    record = response.json()["records"][0]
    assert record["ID"] == contact["ID"]
    assert record["UserData"] == "new-key"
    assert record["Company"] == "Acme"
    old = client.get("/dialler/contacts/contact", params={"userData": "old-key"}, headers=auth())
    new = client.get("/dialler/contacts/contact", params={"userData": "new-key"}, headers=auth())
    assert old.json()["count"] == 0
    assert [r["ID"] for r in new.json()["records"]] == [contact["ID"]]


def test_update_by_id_wins_over_user_data(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    target = import_contact(client, auth, campaign_id, UserData="a", Name="Target")
    bystander = import_contact(client, auth, campaign_id, UserData="b", Name="Bystander")

    response = update(client, auth, {"ID": target["ID"], "UserData": "b", "Name": "Renamed"})

    assert response.json()["records"][0]["ID"] == target["ID"]
    assert fetch(client, auth, target["ID"])["Name"] == "Renamed"
    assert fetch(client, auth, target["ID"])["UserData"] == "b"
    assert fetch(client, auth, bystander["ID"])["Name"] == "Bystander"


def test_update_by_user_data_changes_only_the_fields_sent(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(
        client,
        auth,
        campaign_id,
        UserData="MyUserData",
        Name="Mustermann",
        FirstName="Max",
        Company="Musterfirma GmbH",
        City="Munich",
        PhoneNumber2="(312) 555-0101",
        dtBeginDate="2020-01-01T00:00:00",
    )
    record_call(client, auth, contact["ID"], CauseCodesID=17)
    before = fetch(client, auth, contact["ID"])

    response = update(
        client,
        auth,
        {"UserData": "MyUserData", "Name": "CorrectedName", "FirstName": "CorrectedFirstName"},
    )

    assert response.status_code == 200, response.text
    after = response.json()["records"][0]
    assert after["ID"] == contact["ID"]
    assert after["Name"] == "CorrectedName"
    assert after["FirstName"] == "CorrectedFirstName"
    unchanged = {k for k in before if k not in {"Name", "FirstName", "dtUpdated"}}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert after["Company"] == "Musterfirma GmbH"
    assert after["nTriesPhoneNumber1"] == 1


def test_update_by_user_data_changes_the_oldest_match_only(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    oldest = import_contact(client, auth, campaign_id, UserData="dup", Name="First")
    newer = import_contact(client, auth, campaign_id, UserData="dup", Name="Second")

    response = update(client, auth, {"UserData": "dup", "Company": "Changed"})

    assert response.json()["records"][0]["ID"] == oldest["ID"]
    assert fetch(client, auth, oldest["ID"])["Company"] == "Changed"
    assert fetch(client, auth, newer["ID"])["Company"] is None


def test_update_recomputes_the_e164_numbers(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(client, auth, campaign_id, PhoneNumber1="3125550100")

    record = update(
        client,
        auth,
        {"ID": contact["ID"], "PhoneNumber1": "(773) 555-0142", "PhoneNumber5": "312.555.0199"},
    ).json()["records"][0]

    assert record["PhoneNumber1"] == "(773) 555-0142"
    assert record["PhoneNumber1E164"] == "+17735550142"
    assert record["PhoneNumber5E164"] == "+13125550199"
    assert fetch(client, auth, contact["ID"])["PhoneNumber1E164"] == "+17735550142"


def test_update_may_clear_a_number_while_another_is_kept(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(
        client, auth, campaign_id, PhoneNumber1="3125550100", PhoneNumber2="3125550101"
    )

    response = update(client, auth, {"ID": contact["ID"], "PhoneNumber1": None})

    assert response.status_code == 200, response.text
    record = response.json()["records"][0]
    assert record["PhoneNumber1"] is None
    assert record["PhoneNumber1E164"] is None
    assert record["PhoneNumber2E164"] == "+13125550101"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"PhoneNumber1": None}, ["PhoneNumber1..PhoneNumber6"]),
        ({"Name": ""}, ["Name"]),
        ({"Name": None}, ["Name"]),
        ({"Amount": "a lot"}, ["Amount"]),
        ({"Colour": "red"}, ["Colour", "not a known field"]),
    ],
)
def test_update_refuses_invalid_changes_and_changes_nothing(
    client: TestClient,
    auth: TokenFactory,
    campaign_id: int,
    change: dict[str, Any],
    words: list[str],
) -> None:
    contact = import_contact(client, auth, campaign_id, Name="Doe", PhoneNumber1="3125550100")

    response = update(client, auth, {"ID": contact["ID"], "Company": "Changed", **change})

    assert_error(response, 400, *words)
    assert fetch(client, auth, contact["ID"]) == contact


@pytest.mark.parametrize("body", [{"Name": "Doe"}, {"UserData": "", "Name": "Doe"}, {}])
def test_update_without_id_or_user_data_is_400(
    client: TestClient, auth: TokenFactory, campaign_id: int, body: dict[str, Any]
) -> None:
    contact = import_contact(client, auth, campaign_id, Name="Original", UserData="")

    response = update(client, auth, body)

    assert_error(response, 400, "ID", "UserData")
    assert fetch(client, auth, contact["ID"])["Name"] == "Original"


@pytest.mark.parametrize("key", ["ID", "UserData"])
def test_update_with_no_matching_contact_is_404(
    client: TestClient, auth: TokenFactory, campaign_id: int, key: str
) -> None:
    import_contact(client, auth, campaign_id, UserData="present")
    body = {"ID": 987654} if key == "ID" else {"UserData": "absent"}

    response = update(client, auth, body | {"Name": "Nobody"})

    assert_error(response, 404)
    assert [r["Name"] for r in listed(client, auth)["records"]] == ["Doe"]


def test_update_of_another_tenants_contact_is_404(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(client, auth, campaign_id, UserData="mine", Name="Doe")

    by_id = client.post(
        "/dialler/contacts/update",
        json={"ID": contact["ID"], "Name": "Hijacked"},
        headers=auth(tenant=315),
    )
    by_user_data = client.post(
        "/dialler/contacts/update",
        json={"UserData": "mine", "Name": "Hijacked"},
        headers=auth(tenant=315),
    )

    assert_error(by_id, 404)
    assert_error(by_user_data, 404)
    assert fetch(client, auth, contact["ID"])["Name"] == "Doe"


# -- delete, lock, unlock, reset -------------------------------------------------------------


def history_rows(database: Database, contact_id: int) -> int:
    with database.transaction(write=False) as session:
        query = select(func.count()).where(ContactHistory.contact_id == contact_id)
        return int(session.scalar(query) or 0)


def test_delete_by_id_removes_the_contact_and_its_history(
    client: TestClient, auth: TokenFactory, database: Database, campaign_id: int
) -> None:
    contact = import_contact(client, auth, campaign_id, UserData="gone")
    kept = import_contact(client, auth, campaign_id, UserData="kept")
    record_call(client, auth, contact["ID"])
    record_call(client, auth, kept["ID"])
    assert history_rows(database, contact["ID"]) == 1

    response = client.delete(f"/dialler/contacts/contact/{contact['ID']}", headers=auth())

    assert_status_only(response)
    assert_error(client.get(f"/dialler/contacts/{contact['ID']}", headers=auth()), 404)
    assert_error(
        client.get(f"/dialler/contacts/contact/{contact['ID']}/history", headers=auth()), 404
    )
    assert history_rows(database, contact["ID"]) == 0
    assert [r["ID"] for r in listed(client, auth)["records"]] == [kept["ID"]]
    assert len(history(client, auth, kept["ID"])) == 1


def test_delete_by_user_data_removes_the_oldest_match_and_its_history(
    client: TestClient, auth: TokenFactory, database: Database, campaign_id: int
) -> None:
    oldest = import_contact(client, auth, campaign_id, UserData="dup")
    newer = import_contact(client, auth, campaign_id, UserData="dup")
    record_call(client, auth, oldest["ID"])

    response = client.delete(
        "/dialler/contacts/contact", params={"userData": "dup"}, headers=auth()
    )

    assert_status_only(response)
    assert_error(client.get(f"/dialler/contacts/{oldest['ID']}", headers=auth()), 404)
    assert history_rows(database, oldest["ID"]) == 0
    assert [r["ID"] for r in listed(client, auth)["records"]] == [newer["ID"]]


def test_delete_twice_is_404_the_second_time(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(client, auth, campaign_id, UserData="once")

    assert_status_only(client.delete(f"/dialler/contacts/contact/{contact['ID']}", headers=auth()))
    assert_error(client.delete(f"/dialler/contacts/contact/{contact['ID']}", headers=auth()), 404)
    assert_error(
        client.delete("/dialler/contacts/contact", params={"userData": "once"}, headers=auth()),
        404,
    )


ACTIONS = ["lock", "unlock", "reset"]


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_by_id_on_an_unknown_contact_are_404(
    client: TestClient, auth: TokenFactory, campaign_id: int, action: str
) -> None:
    import_contact(client, auth, campaign_id)

    response = client.patch(f"/dialler/contacts/contact/987654/{action}", headers=auth())

    assert_error(response, 404, "987654")


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_by_user_data_on_an_unknown_contact_are_404(
    client: TestClient, auth: TokenFactory, campaign_id: int, action: str
) -> None:
    import_contact(client, auth, campaign_id, UserData="present")

    response = client.patch(
        f"/dialler/contacts/contact/{action}", params={"userData": "absent"}, headers=auth()
    )

    assert_error(response, 404, "absent")


def test_delete_of_an_unknown_contact_is_404(client: TestClient, auth: TokenFactory) -> None:
    assert_error(client.delete("/dialler/contacts/contact/987654", headers=auth()), 404)
    assert_error(
        client.delete("/dialler/contacts/contact", params={"userData": "absent"}, headers=auth()),
        404,
    )


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_on_another_tenants_contact_are_404_and_change_nothing(
    client: TestClient, auth: TokenFactory, campaign_id: int, action: str
) -> None:
    contact = import_contact(client, auth, campaign_id, UserData="mine")
    record_call(client, auth, contact["ID"])
    before = fetch(client, auth, contact["ID"])
    other = auth(tenant=315)

    by_id = client.patch(f"/dialler/contacts/contact/{contact['ID']}/{action}", headers=other)
    by_user_data = client.patch(
        f"/dialler/contacts/contact/{action}", params={"userData": "mine"}, headers=other
    )
    deleted = client.delete(f"/dialler/contacts/contact/{contact['ID']}", headers=other)

    assert_error(by_id, 404)
    assert_error(by_user_data, 404)
    assert_error(deleted, 404)
    assert fetch(client, auth, contact["ID"]) == before


def test_lock_and_unlock_by_id(client: TestClient, auth: TokenFactory, campaign_id: int) -> None:
    contact = import_contact(client, auth, campaign_id)
    path = f"/dialler/contacts/contact/{contact['ID']}"

    assert_status_only(client.patch(f"{path}/lock", headers=auth()))
    assert fetch(client, auth, contact["ID"])["bLocked"] is True
    assert_status_only(client.patch(f"{path}/lock", headers=auth()))
    assert fetch(client, auth, contact["ID"])["bLocked"] is True
    assert_status_only(client.patch(f"{path}/unlock", headers=auth()))
    assert fetch(client, auth, contact["ID"])["bLocked"] is False
    assert_status_only(client.patch(f"{path}/unlock", headers=auth()))
    assert fetch(client, auth, contact["ID"])["bLocked"] is False


def test_lock_and_unlock_by_user_data_touch_the_oldest_match(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    oldest = import_contact(client, auth, campaign_id, UserData="dup")
    newer = import_contact(client, auth, campaign_id, UserData="dup")
    other = import_contact(client, auth, campaign_id, UserData="other")

    locked = client.patch(
        "/dialler/contacts/contact/lock", params={"userData": "dup"}, headers=auth()
    )

    assert_status_only(locked)
    states = {r["ID"]: r["bLocked"] for r in listed(client, auth)["records"]}
    assert states == {oldest["ID"]: True, newer["ID"]: False, other["ID"]: False}

    unlocked = client.patch(
        "/dialler/contacts/contact/unlock", params={"userData": "dup"}, headers=auth()
    )

    assert_status_only(unlocked)
    assert fetch(client, auth, oldest["ID"])["bLocked"] is False


def test_agents_may_lock_but_not_delete_or_reset(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(client, auth, campaign_id)
    path = f"/dialler/contacts/contact/{contact['ID']}"
    agent = auth(role="agent")
    reader = auth(role="reports_admin")

    assert_status_only(client.patch(f"{path}/lock", headers=agent))
    assert_error(client.patch(f"{path}/unlock", headers=reader), 403)
    assert_error(client.patch(f"{path}/reset", headers=agent), 403)
    assert_error(client.delete(path, headers=agent), 403)
    assert fetch(client, auth, contact["ID"])["bLocked"] is True


def dial_every_kind_of_outcome(client: TestClient, auth: TokenFactory, contact_id: int) -> None:
    record_call(client, auth, contact_id, PhoneNumberOffset=1, CauseCodesID=17)
    record_call(client, auth, contact_id, PhoneNumberOffset=2, CauseCodesID=1)
    record_call(
        client,
        auth,
        contact_id,
        PhoneNumberOffset=3,
        CauseCodesID=16,
        dtCallConnect="2024-05-01T10:00:10",
        bMailbox=True,
        AcdAgentEndReasonsID=4,
    )


def test_reset_by_id_restores_the_imported_state_and_keeps_history(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    numbers = {f"PhoneNumber{n}": f"312555010{n}" for n in range(1, 4)}
    contact = import_contact(client, auth, campaign_id, UserData="acct", **numbers)
    dial_every_kind_of_outcome(client, auth, contact["ID"])
    dialed = fetch(client, auth, contact["ID"])
    assert dialed["nTriesPhoneNumber3"] == 1
    assert dialed["bPhoneNumber2Invalid"] is True
    assert dialed["bLastResultMailbox"] is True
    assert dialed["dtNextTry"] is not None

    response = client.patch(f"/dialler/contacts/contact/{contact['ID']}/reset", headers=auth())

    assert_status_only(response)
    after = fetch(client, auth, contact["ID"])
    for n in range(1, 7):
        assert after[f"nTriesPhoneNumber{n}"] == 0
        assert after[f"nPhoneNumber{n}LastCause"] is None
        assert after[f"bPhoneNumber{n}Invalid"] is None
        assert after[f"PhoneNumber{n}LastAcdAgentEndReasonsID"] is None
    assert after["LastAcdAgentEndReasonsID"] is None
    assert after["bLastResultMailbox"] is None
    assert after["dtNextTry"] is None
    assert after["dtLastTry"] is None
    for field in ("Name", "UserData", "PhoneNumber1", "PhoneNumber3E164", "DiallerCampaignsID"):
        assert after[field] == contact[field]
    assert len(history(client, auth, contact["ID"])) == 3


def test_reset_by_user_data_resets_the_oldest_match(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    oldest = import_contact(client, auth, campaign_id, UserData="dup")
    newer = import_contact(client, auth, campaign_id, UserData="dup")
    for contact in (oldest, newer):
        record_call(client, auth, contact["ID"], CauseCodesID=19)

    response = client.patch(
        "/dialler/contacts/contact/reset", params={"userData": "dup"}, headers=auth()
    )

    assert_status_only(response)
    assert fetch(client, auth, oldest["ID"])["nTriesPhoneNumber1"] == 0
    assert fetch(client, auth, oldest["ID"])["dtNextTry"] is None
    assert fetch(client, auth, oldest["ID"])["nPhoneNumber1LastCause"] is None
    assert fetch(client, auth, newer["ID"])["nTriesPhoneNumber1"] == 1
    assert len(history(client, auth, oldest["ID"])) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/dialler/contacts/contact"),
        ("PATCH", "/dialler/contacts/contact/lock"),
        ("PATCH", "/dialler/contacts/contact/unlock"),
        ("PATCH", "/dialler/contacts/contact/reset"),
        ("GET", "/dialler/contacts/contact/history"),
    ],
)
def test_user_data_functions_need_user_data(
    client: TestClient, auth: TokenFactory, method: str, path: str
) -> None:
    assert_error(client.request(method, path, headers=auth()), 400, "userData")


# -- history ---------------------------------------------------------------------------------


def test_history_by_id_lists_the_contacts_calls_with_the_seeds_fields(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(
        client, auth, campaign_id, UserData="Contact10", UserData2="u2", PhoneNumber2="3125550177"
    )
    other = import_contact(client, auth, campaign_id, UserData="Contact11")
    record_call(
        client,
        auth,
        contact["ID"],
        PhoneNumberOffset=2,
        dtCallStart="2024-05-02T09:00:00",
        dtCallEnd="2024-05-02T09:00:20",
        CauseCodesID=19,
    )
    record_call(
        client,
        auth,
        contact["ID"],
        dtCallStart="2024-05-01T10:00:00",
        dtCallAlert="2024-05-01T10:00:02",
        dtCallConnect="2024-05-01T10:00:05",
        dtCallEnd="2024-05-01T10:01:00",
        CauseCodesID=16,
        ANumber="+13125559999",
        DiallerCampaignsResultCodesID=2811,
        DiallerResultCodesTypesID=3,
        UsersID=3,
        ServiceNumbersID=99,
        bCallerHangup=True,
    )
    record_call(client, auth, other["ID"])

    response = client.get(f"/dialler/contacts/contact/{contact['ID']}/history", headers=auth())

    assert response.status_code == 200
    body = response.json()
    assert set(body) == RECORDS_KEYS
    assert body["status"] == 200
    assert body["count"] == 2
    connected, no_answer = body["records"]  # ordered by call start
    assert set(connected) >= SEED_HISTORY_FIELDS
    assert connected["DiallerContactsID"] == contact["ID"]
    assert connected["DiallerCampaignsID"] == campaign_id
    assert connected["ClientsID"] == 314
    assert connected["UserData"] == "Contact10"
    assert connected["UserData2"] == "u2"
    assert connected["PhoneNumberOffset"] == 1
    assert connected["PhoneNumber"] == "+1 312 555 0100"
    assert connected["CauseCodesID"] == 16
    assert connected["CONNRES"] == 1
    assert connected["dtCallStart"] == "2024-05-01T10:00:00.000"
    assert connected["dtCallAlert"] == "2024-05-01T10:00:02.000"
    assert connected["dtCallConnect"] == "2024-05-01T10:00:05.000"
    assert connected["dtCallEnd"] == "2024-05-01T10:01:00.000"
    assert connected["ANumber"] == "+13125559999"
    assert connected["ANumber_CountryCodesID"] == 1
    assert connected["BNumber_CountryCodesID"] == 1
    assert connected["DiallerCampaignsResultCodesID"] == 2811
    assert connected["DiallerResultCodesTypesID"] == 3
    assert connected["UsersID"] == 3
    assert connected["ServiceNumbersID"] == 99
    assert connected["bCallerHangup"] is True
    assert connected["bOutbound"] is True
    assert connected["bTestCall"] is False
    assert no_answer["PhoneNumberOffset"] == 2
    assert no_answer["PhoneNumber"] == "3125550177"
    assert no_answer["CauseCodesID"] == 19
    assert no_answer["CONNRES"] == 0
    assert connected["DiallerContactsHistoryID"] != no_answer["DiallerContactsHistoryID"]


def test_history_of_a_contact_never_called_is_empty(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(client, auth, campaign_id, UserData="fresh")

    by_id = client.get(f"/dialler/contacts/contact/{contact['ID']}/history", headers=auth())
    by_user_data = client.get(
        "/dialler/contacts/contact/history", params={"userData": "fresh"}, headers=auth()
    )

    assert by_id.json() == {"records": [], "count": 0, "status": 200}
    assert by_user_data.json() == {"records": [], "count": 0, "status": 200}


def test_history_by_id_of_an_unknown_contact_is_404(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(client, auth, campaign_id)
    record_call(client, auth, contact["ID"])

    unknown = client.get("/dialler/contacts/contact/987654/history", headers=auth())
    foreign = client.get(
        f"/dialler/contacts/contact/{contact['ID']}/history", headers=auth(tenant=315)
    )

    assert_error(unknown, 404, "987654")
    assert_error(foreign, 404)


def test_history_by_user_data_covers_every_contact_with_it(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    other_campaign = new_campaign(client, auth, "Late Stage")
    first = import_contact(client, auth, campaign_id, UserData="acct")
    second = import_contact(client, auth, other_campaign, UserData="acct")
    stranger = import_contact(client, auth, campaign_id, UserData="stranger")
    record_call(client, auth, first["ID"], dtCallStart="2024-05-01T08:00:00")
    record_call(client, auth, second["ID"], dtCallStart="2024-05-01T09:00:00")
    record_call(client, auth, first["ID"], dtCallStart="2024-05-01T10:00:00")
    record_call(client, auth, stranger["ID"], dtCallStart="2024-05-01T10:00:00")

    response = client.get(
        "/dialler/contacts/contact/history", params={"userData": "acct"}, headers=auth()
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == RECORDS_KEYS
    assert body["count"] == 3
    assert [r["DiallerContactsID"] for r in body["records"]] == [
        first["ID"],
        second["ID"],
        first["ID"],
    ]
    assert {r["UserData"] for r in body["records"]} == {"acct"}
    assert set(body["records"][0]) >= SEED_HISTORY_FIELDS


def test_history_by_unknown_user_data_is_404(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(client, auth, campaign_id, UserData="acct")
    record_call(client, auth, contact["ID"])

    unknown = client.get(
        "/dialler/contacts/contact/history", params={"userData": "absent"}, headers=auth()
    )
    foreign = client.get(
        "/dialler/contacts/contact/history", params={"userData": "acct"}, headers=auth(tenant=315)
    )

    assert_error(unknown, 404, "absent")
    assert_error(foreign, 404)


def test_reports_admins_may_read_everything_but_change_nothing(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(client, auth, campaign_id, UserData="acct")
    reader = auth(role="reports_admin")

    assert client.get("/dialler/contacts", headers=reader).json()["count"] == 1
    assert client.get(f"/dialler/contacts/{contact['ID']}", headers=reader).status_code == 200
    assert (
        client.get("/dialler/contacts/contact/history?userData=acct", headers=reader).status_code
        == 200
    )
    assert_error(
        client.post(
            "/dialler/contacts/update", json={"ID": contact["ID"], "Name": "X"}, headers=reader
        ),
        403,
    )
    assert_error(
        client.post(
            "/dialler/contacts/import",
            json={"DiallerCampaignsID": campaign_id, "Name": "X", "PhoneNumber1": "3125550100"},
            headers=reader,
        ),
        403,
    )
    assert listed(client, auth)["count"] == 1
    assert fetch(client, auth, contact["ID"])["Name"] == "Doe"


def test_a_record_read_from_the_api_can_be_sent_back_to_update(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    body = {
        "DiallerCampaignsID": campaign["DiallerCampaignsID"],
        "Name": "Roundtrip",
        "PhoneNumber1": "(312) 555-0188",
    }
    record = client.post("/dialler/contacts/import", json=body, headers=auth()).json()["records"][0]
    record["Comment"] = "sent back whole"
    response = client.post("/dialler/contacts/update", json=record, headers=auth())
    assert response.status_code == 200, response.text
    assert response.json()["records"][0]["Comment"] == "sent back whole"

    record["DiallerCampaignsID"] = campaign["DiallerCampaignsID"] + 1000
    moved = client.post("/dialler/contacts/update", json=record, headers=auth())
    assert moved.status_code == 400
    assert "DiallerCampaignsID" in moved.json()["message"]
