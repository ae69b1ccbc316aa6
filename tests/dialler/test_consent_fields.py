"""Each number's line type and consent to automated calls (`PhoneNumberNLineType`,
`PhoneNumberNConsent`, `PhoneNumberNConsentDate`, `PhoneNumberNConsentSource`) as a client of
the dialler sets and reads them: by import, update, overwrite and `opendialer import contacts`,
with their defaults, their refusals and a consent revoked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opendialer.auth.principal import Principal, Role
from opendialer.auth.tokens import issue_token
from opendialer.db.session import Database
from opendialer.dialler import importer
from opendialer.dialler.models import Contact
from tests.conftest import TEST_KEY, Run, TokenFactory, command_line, service_over
from tests.dialler.test_contacts_api import assert_error, fetch, import_contact, listed, update
from tests.dialler.test_import_cli import problem_lines, write_csv

OFFSETS = range(1, 7)
CONSENT_FIELDS = ("LineType", "Consent", "ConsentDate", "ConsentSource")
DEFAULTS = {"LineType": "unknown", "Consent": False, "ConsentDate": None, "ConsentSource": None}
GIVEN = {
    "PhoneNumber1LineType": "cell",
    "PhoneNumber1Consent": True,
    "PhoneNumber1ConsentDate": "2024-03-01T15:30:00",
    "PhoneNumber1ConsentSource": "web form, account opening",
}
GIVEN_ANSWERED = {**GIVEN, "PhoneNumber1ConsentDate": "2024-03-01T15:30:00.000"}
REVOKED = {
    "PhoneNumber1Consent": False,
    "PhoneNumber1ConsentDate": "2024-06-10T18:05:00",
    "PhoneNumber1ConsentSource": "call recording: consumer said stop",
}
REVOKED_ANSWERED = {**REVOKED, "PhoneNumber1ConsentDate": "2024-06-10T18:05:00.000"}


def consent_of(record: dict[str, Any], offsets: range = OFFSETS) -> dict[str, Any]:
    """The record's consent and line-type fields of numbers `offsets`."""
    return {
        f"PhoneNumber{n}{part}": record[f"PhoneNumber{n}{part}"]
        for n in offsets
        for part in CONSENT_FIELDS
    }


def defaults(offsets: range | list[int] = OFFSETS) -> dict[str, Any]:
    return {f"PhoneNumber{n}{part}": DEFAULTS[part] for n in offsets for part in CONSENT_FIELDS}


def every_read(client: TestClient, auth: TokenFactory, record: dict[str, Any]) -> list[Any]:
    """The contact as each read answers it: by ID, by UserData, and in the campaign's list."""
    by_id = fetch(client, auth, record["ID"])
    response = client.get(
        "/dialler/contacts/contact", params={"userData": record["UserData"]}, headers=auth()
    )
    assert response.status_code == 200, response.text
    (by_user_data,) = response.json()["records"]
    campaign = record["DiallerCampaignsID"]
    (in_list,) = listed(client, auth, diallerCampaignsID=campaign)["records"]
    return [by_id, by_user_data, in_list]


def test_a_new_contact_has_unknown_line_types_and_no_consent(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    record = import_contact(client, auth, campaign["DiallerCampaignsID"], UserData="A-1")

    assert consent_of(record) == defaults()
    for read in every_read(client, auth, record):
        assert consent_of(read) == defaults()


def test_import_sets_each_numbers_line_type_and_consent(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], database: Database
) -> None:
    record = import_contact(
        client,
        auth,
        campaign["DiallerCampaignsID"],
        UserData="A-1",
        PhoneNumber2="(312) 555-0101",
        PhoneNumber2LineType="landline",
        PhoneNumber3LineType="unknown",
        **GIVEN,
    )

    expected = {
        **GIVEN_ANSWERED,
        **defaults([2, 3, 4, 5, 6]),
        "PhoneNumber2LineType": "landline",
    }
    assert consent_of(record) == expected
    for read in every_read(client, auth, record):
        assert consent_of(read) == expected
    with database.transaction() as session:
        stored = session.get(Contact, record["ID"])
        assert stored is not None
        assert (stored.phone_number1_line_type, stored.phone_number1_consent) == ("cell", True)
        # Not sent is stored as no value, which the records answer as the default.
        assert (stored.phone_number4_line_type, stored.phone_number4_consent) == (None, None)


@pytest.mark.parametrize(
    "sent, answered",
    [
        ("2024-03-01T15:30:00", "2024-03-01T15:30:00.000"),
        ("2024-03-01T15:30:00.250", "2024-03-01T15:30:00.250"),
        ("2024-03-01T15:30:00Z", "2024-03-01T15:30:00.000"),
        ("2024-03-01T09:30:00-06:00", "2024-03-01T15:30:00.000"),
        ("2024-03-02T00:30:00+09:00", "2024-03-01T15:30:00.000"),
        # A date alone is its first moment, in UTC.
        ("2024-03-01", "2024-03-01T00:00:00.000"),
    ],
)
def test_a_consent_date_is_a_moment_answered_in_utc(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], sent: str, answered: str
) -> None:
    record = import_contact(
        client, auth, campaign["DiallerCampaignsID"], PhoneNumber3ConsentDate=sent
    )

    assert record["PhoneNumber3ConsentDate"] == answered
    assert fetch(client, auth, record["ID"])["PhoneNumber3ConsentDate"] == answered


@pytest.mark.parametrize("sent", [0, 1709307000, "1709307000", "2024-02-30T10:00:00", "yesterday"])
def test_a_consent_date_not_in_a_documented_format_is_400(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], sent: Any
) -> None:
    body = {
        "DiallerCampaignsID": campaign["DiallerCampaignsID"],
        "Name": "Doe",
        "PhoneNumber1": "3125550100",
        "PhoneNumber1ConsentDate": sent,
    }

    response = client.post("/dialler/contacts/import", json=body, headers=auth())

    assert_error(response, 400, "PhoneNumber1ConsentDate")
    assert listed(client, auth)["count"] == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("PhoneNumber2LineType", "mobile"),
        ("PhoneNumber1LineType", "Cell"),
        ("PhoneNumber6LineType", ""),
        ("PhoneNumber1Consent", "maybe"),
        ("PhoneNumber1ConsentSource", "x" * 101),
    ],
)
def test_a_bad_value_is_400_naming_the_field_on_import_and_update(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], field: str, value: Any
) -> None:
    campaign_id = campaign["DiallerCampaignsID"]
    body = {"DiallerCampaignsID": campaign_id, "Name": "Doe", "PhoneNumber1": "3125550100"}

    refused = client.post("/dialler/contacts/import", json={**body, field: value}, headers=auth())

    assert_error(refused, 400, field)
    assert listed(client, auth)["count"] == 0
    record = import_contact(client, auth, campaign_id, **GIVEN)
    assert_error(update(client, auth, {"ID": record["ID"], field: value}), 400, field)
    assert consent_of(fetch(client, auth, record["ID"]), range(1, 3)) == {
        **GIVEN_ANSWERED,
        **defaults([2]),
    }


def test_a_line_types_message_names_the_words_it_takes(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    body = {
        "DiallerCampaignsID": campaign["DiallerCampaignsID"],
        "Name": "Doe",
        "PhoneNumber1": "3125550100",
        "PhoneNumber1LineType": "mobile",
    }

    response = client.post("/dialler/contacts/import", json=body, headers=auth())

    assert response.json() == {
        "status": 400,
        "message": "PhoneNumber1LineType: Input should be 'cell', 'landline' or 'unknown'",
    }


def test_update_sets_what_it_sends_and_null_gives_back_the_default(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    record = import_contact(client, auth, campaign["DiallerCampaignsID"], UserData="A-1")

    response = update(
        client, auth, {"UserData": "A-1", **GIVEN, "PhoneNumber5LineType": "landline"}
    )
    assert response.status_code == 200, response.text
    assert consent_of(response.json()["records"][0], range(1, 2)) == GIVEN_ANSWERED
    # Only what is sent changes.
    response = update(client, auth, {"ID": record["ID"], "PhoneNumber1ConsentSource": "IVR"})
    assert response.status_code == 200, response.text
    after = fetch(client, auth, record["ID"])
    assert consent_of(after, range(1, 2)) == {
        **GIVEN_ANSWERED,
        "PhoneNumber1ConsentSource": "IVR",
    }
    assert after["PhoneNumber5LineType"] == "landline"

    nulls = {f"PhoneNumber1{part}": None for part in CONSENT_FIELDS}
    response = update(client, auth, {"ID": record["ID"], **nulls, "PhoneNumber5LineType": None})

    assert response.status_code == 200, response.text
    for read in [response.json()["records"][0], *every_read(client, auth, record)]:
        assert consent_of(read) == defaults()


def test_a_revoked_consent_is_stored_and_answered_with_its_date_and_source(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], database: Database
) -> None:
    record = import_contact(client, auth, campaign["DiallerCampaignsID"], UserData="A-1", **GIVEN)

    response = update(client, auth, {"ID": record["ID"], **REVOKED})

    assert response.status_code == 200, response.text
    revoked = {**GIVEN_ANSWERED, **REVOKED_ANSWERED}
    assert consent_of(response.json()["records"][0], range(1, 2)) == revoked
    for read in every_read(client, auth, record):
        assert consent_of(read, range(1, 2)) == revoked
    with database.transaction() as session:
        stored = session.get(Contact, record["ID"])
        assert stored is not None
        # False, not "no value": the consumer's revocation is itself recorded.
        assert stored.phone_number1_consent is False
        assert stored.phone_number1_consent_source == REVOKED["PhoneNumber1ConsentSource"]


def test_an_overwriting_import_replaces_the_consent_fields_as_it_does_every_field(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    campaign_id = campaign["DiallerCampaignsID"]
    first = import_contact(client, auth, campaign_id, UserData="A-1", **GIVEN)
    body = {"DiallerCampaignsID": campaign_id, "Name": "Doe", "PhoneNumber1": "3125550100"}

    revoking = client.post(
        "/dialler/contacts/import",
        params={"overwriteDuplicates": "true"},
        json={**body, "UserData": "A-1", **REVOKED},
        headers=auth(),
    )
    assert revoking.status_code == 200, revoking.text
    assert revoking.json()["records"][0]["ID"] == first["ID"]
    assert consent_of(fetch(client, auth, first["ID"]), range(1, 2)) == {
        **REVOKED_ANSWERED,
        "PhoneNumber1LineType": "unknown",
    }

    # Fields not sent become no value, which answers as the default: no consent.
    blank = client.post(
        "/dialler/contacts/import",
        params={"overwriteDuplicates": "true"},
        json={**body, "UserData": "A-1"},
        headers=auth(),
    )
    assert blank.status_code == 200, blank.text
    assert consent_of(fetch(client, auth, first["ID"])) == defaults()


# -- opendialer import contacts --------------------------------------------------------------

HEADERS = {
    "Authorization": "Bearer "
    + issue_token(Principal("test", Role.ACCOUNT_ADMIN, 314), TEST_KEY, 3600)
}
HEADER = (
    "Name,UserData,PhoneNumber1,PhoneNumber1LineType,PhoneNumber1Consent,"
    "PhoneNumber1ConsentDate,PhoneNumber1ConsentSource,PhoneNumber2,PhoneNumber2LineType\n"
)


@pytest.fixture
def opendialer(monkeypatch: pytest.MonkeyPatch, cli_database_url: str) -> Run:
    """Runs the command against its own database, 2 rows a chunk; tenant 314 exists."""
    monkeypatch.setattr(importer, "IMPORT_CHUNK", 2)
    run = command_line(monkeypatch, cli_database_url)
    run("tenant", "create", 314, "--name", "Acme Servicing")
    return run


@pytest.fixture
def api(opendialer: Run, cli_database_url: str) -> Iterator[TestClient]:
    """The API over the command's database."""
    with service_over(cli_database_url) as client:
        yield client


@pytest.fixture
def file_campaign(api: TestClient) -> int:
    response = api.post("/dialler/campaigns", json={"Name": "Early Stage"}, headers=HEADERS)
    assert response.status_code == 200, response.text
    value: int = response.json()["records"][0]["DiallerCampaignsID"]
    return value


def stored_by_user_data(api: TestClient, campaign_id: int) -> dict[str, dict[str, Any]]:
    response = api.get(
        "/dialler/contacts", params={"diallerCampaignsID": campaign_id}, headers=HEADERS
    )
    assert response.status_code == 200, response.text
    return {record["UserData"]: record for record in response.json()["records"]}


@pytest.mark.parametrize("reader", ["--no-second-process", "--second-process"])
def test_a_file_sets_line_types_and_consent_by_the_apis_names(
    opendialer: Run, api: TestClient, file_campaign: int, tmp_path: Path, reader: str
) -> None:
    path = write_csv(
        tmp_path,
        HEADER
        + "Rivera,R-1,3125550142,cell,true,2024-03-01T15:30:00,web form,3125550143,landline\n"
        + "Okafor,R-2,3125550144,landline,false,,,,\n"  # 3
        + "Nowak,R-3,3125550145,mobile,true,,,,\n"  # 4
        + "Chen,R-4,3125550146,,,,,,\n"  # 5
        + "Silva,R-5,3125550147,cell,yes please,,,,\n"  # 6
        + "Berg,R-6,3125550148,cell,true,2024-03-01T09:30:00-06:00,IVR,,\n"  # 7
        + "Ortiz,R-7,3125550149,cell,true,1709307000,IVR,,\n",  # 8
    )

    result = opendialer(
        "import", "contacts", path, "--tenant", 314, "--campaign-id", file_campaign, reader
    )

    assert result.stdout.strip() == "imported: 4, overwritten: 0, rejected: 3"
    problems = problem_lines(result)
    assert [problem.split(":")[0] for problem in problems] == ["line 4", "line 6", "line 8"]
    assert problems[0] == (
        "line 4: PhoneNumber1LineType: Input should be 'cell', 'landline' or 'unknown'"
    )
    assert problems[1].startswith("line 6: PhoneNumber1Consent: Input should be a valid boolean")
    assert problems[2].startswith("line 8: PhoneNumber1ConsentDate:")
    stored = stored_by_user_data(api, file_campaign)
    assert sorted(stored) == ["R-1", "R-2", "R-4", "R-6"]
    assert consent_of(stored["R-1"], range(1, 3)) == {
        "PhoneNumber1LineType": "cell",
        "PhoneNumber1Consent": True,
        "PhoneNumber1ConsentDate": "2024-03-01T15:30:00.000",
        "PhoneNumber1ConsentSource": "web form",
        **defaults([2]),
        "PhoneNumber2LineType": "landline",
    }
    assert consent_of(stored["R-2"], range(1, 2)) == {
        **defaults([1]),
        "PhoneNumber1LineType": "landline",
    }
    # Empty cells are fields not sent: the defaults.
    assert consent_of(stored["R-4"]) == defaults()
    assert stored["R-6"]["PhoneNumber1ConsentDate"] == "2024-03-01T15:30:00.000"


def test_a_file_overwriting_contacts_revokes_their_consent(
    opendialer: Run, api: TestClient, file_campaign: int, tmp_path: Path
) -> None:
    args = ("import", "contacts", "--tenant", 314, "--campaign-id", file_campaign)
    given = write_csv(
        tmp_path,
        HEADER
        + "Rivera,R-1,3125550142,cell,true,2024-03-01T15:30:00,web form,,\n"
        + "Okafor,R-2,3125550144,cell,true,2024-03-02T15:30:00,web form,,\n"
        + "Chen,R-3,3125550146,cell,true,2024-03-03T15:30:00,web form,,\n",
    )
    opendialer(*args[:2], given, *args[2:])
    revoked = tmp_path / "revoked.csv"
    revoked.write_text(
        HEADER
        + "Rivera,R-1,3125550142,cell,false,2024-06-10T18:05:00,letter,,\n"
        + "Chen,R-3,3125550146,cell,false,2024-06-11T18:05:00,STOP reply,,\n",
        encoding="utf-8",
    )

    result = opendialer(*args[:2], revoked, *args[2:], "--overwrite-duplicates")

    assert result.stdout.strip() == "imported: 0, overwritten: 2, rejected: 0"
    stored = stored_by_user_data(api, file_campaign)
    assert consent_of(stored["R-1"], range(1, 2)) == {
        "PhoneNumber1LineType": "cell",
        "PhoneNumber1Consent": False,
        "PhoneNumber1ConsentDate": "2024-06-10T18:05:00.000",
        "PhoneNumber1ConsentSource": "letter",
    }
    assert (stored["R-3"]["PhoneNumber1Consent"], stored["R-3"]["PhoneNumber1ConsentSource"]) == (
        False,
        "STOP reply",
    )
    assert stored["R-2"]["PhoneNumber1Consent"] is True
