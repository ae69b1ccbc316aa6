"""Each call recorded through the dialler leaves a CDR that GET /call-reports answers."""

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import TokenFactory


def _contact(client: TestClient, auth: TokenFactory, campaign: dict[str, Any]) -> int:
    body = {
        "DiallerCampaignsID": campaign["DiallerCampaignsID"],
        "Name": "Hudson",
        "PhoneNumber1": "(303) 696-3303",
    }
    response = client.post("/dialler/contacts/import", json=body, headers=auth())
    assert response.status_code == 200, response.text
    contact_id: int = response.json()["records"][0]["ID"]
    return contact_id


def _report(client: TestClient, auth: TokenFactory) -> list[dict[str, Any]]:
    response = client.get(
        "/call-reports",
        params={
            "tenantId": 314,
            "start": "2022-10-11 00:00:00",
            "end": "2022-10-11 23:59:59",
            "timezone": "UTC",
        },
        headers=auth(),
    )
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()
    return records


def test_connected_call_becomes_an_answered_outbound_cdr(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact_id = _contact(client, auth, campaign)
    result = {
        "PhoneNumberOffset": 1,
        "dtCallStart": "2022-10-11T15:00:00Z",
        "dtCallConnect": "2022-10-11T15:00:12Z",
        "dtCallEnd": "2022-10-11T15:02:00Z",
        "CauseCodesID": 16,
        "ANumber": "3125550100",
    }
    posted = client.post(
        f"/dialler/contacts/contact/{contact_id}/results", json=result, headers=auth()
    )
    assert posted.status_code == 200, posted.text
    history_id = posted.json()["records"][0]["DiallerContactsHistoryID"]

    [cdr] = _report(client, auth)
    assert cdr["time"] == "10/11/22 15:00:00"
    assert cdr["direction"] == "OUT"
    assert cdr["disposition"] == "ANSWERED"
    assert cdr["callerIdNumber"] == "3125550100"
    assert cdr["dialedNum"] == "(303) 696-3303"
    assert cdr["duration"] == 120
    assert cdr["afterAnswerDuration"] == 108
    assert cdr["presented"] == 1
    assert cdr["uniqueId"] == f"opendialer-history-{history_id}"


def test_busy_and_unanswered_calls_keep_their_dispositions(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact_id = _contact(client, auth, campaign)
    for minute, cause in ((1, 17), (2, 19), (3, 1)):
        result = {
            "PhoneNumberOffset": 1,
            "dtCallStart": f"2022-10-11T16:0{minute}:00Z",
            "dtCallEnd": f"2022-10-11T16:0{minute}:20Z",
            "CauseCodesID": cause,
        }
        response = client.post(
            f"/dialler/contacts/contact/{contact_id}/results", json=result, headers=auth()
        )
        assert response.status_code == 200, response.text

    dispositions = [(r["time"], r["disposition"], r["presented"]) for r in _report(client, auth)]
    assert dispositions == [
        ("10/11/22 16:03:00", "FAILED", 0),
        ("10/11/22 16:02:00", "NO ANSWER", 0),
        ("10/11/22 16:01:00", "BUSY", 0),
    ]


def test_another_tenant_never_sees_the_dialler_cdrs(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact_id = _contact(client, auth, campaign)
    result = {"PhoneNumberOffset": 1, "dtCallStart": "2022-10-11T15:00:00Z", "CauseCodesID": 19}
    client.post(f"/dialler/contacts/contact/{contact_id}/results", json=result, headers=auth())
    response = client.get(
        "/call-reports",
        params={"tenantId": 315, "start": "2022-10-11 00:00:00", "end": "2022-10-11 23:59:59"},
        headers=auth(tenant=315),
    )
    assert response.status_code == 200
    assert response.json() == []


def test_a_client_record_under_the_dialler_key_is_kept_and_the_call_still_records(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact_id = _contact(client, auth, campaign)
    first = {"PhoneNumberOffset": 1, "dtCallStart": "2022-10-11T15:00:00Z", "CauseCodesID": 19}
    posted = client.post(
        f"/dialler/contacts/contact/{contact_id}/results", json=first, headers=auth()
    )
    next_key = f"opendialer-history-{posted.json()['records'][0]['DiallerContactsHistoryID'] + 1}"
    loaded = client.post(
        "/call-reports",
        json=[
            {
                "time": "2022-10-11T09:00:00Z",
                "uniqueId": next_key,
                "direction": "IN",
                "disposition": "ANSWERED",
            }
        ],
        headers=auth(),
    )
    assert loaded.status_code == 201, loaded.text

    second = {**first, "dtCallStart": "2022-10-11T16:00:00Z"}
    response = client.post(
        f"/dialler/contacts/contact/{contact_id}/results", json=second, headers=auth()
    )
    assert response.status_code == 200, response.text
    keyed = [r for r in _report(client, auth) if r["uniqueId"] == next_key]
    assert [r["direction"] for r in keyed] == ["IN"]
