"""Call detail records loaded over HTTP as a client would, and reading them back."""

from __future__ import annotations

import copy
from typing import Any

import httpx2
from fastapi.testclient import TestClient

from tests.conftest import TokenFactory

PATH = "/call-reports"

# The seed's two example records exactly as GET answers them in America/Chicago, and the UTC
# instants their `time` values stand for.
SEED_RECORDS: list[dict[str, Any]] = [
    {
        "id": "2d275d62-706c-42d2-a4d4-e4ef53d83974",
        "time": "10/10/22 23:07:20",
        "callerIdNumber": "5555555555",
        "callerIdName": "BILL CLINTON",
        "dialedNum": "5555555555",
        "direction": "IN",
        "disposition": "ANSWERED",
        "duration": 4,
        "percentJitter": 0,
        "packetLoss": 0,
        "qos": 0,
        "uniqueId": "atl-ast2-1665457640.1430167",
        "prevUniqueId": "",
        "whoAnswered": "",
        "recorded": 0,
        "queueCall": 0,
        "ocn": "8911",
        "ani": "5555555555",
        "lata": "826",
        "city": "KINGSTON",
        "rateCenter": "KINGSTON",
        "state": "JM",
        "jurisdiction": "INTERSTATE",
        "local": 0,
        "lec": "JAMAICA TELEPHONE CO.",
        "lecType": "CLEC",
        "spid": None,
        "isTollFree": None,
        "nextUniqueId": "",
        "isInternational": None,
        "presented": 1,
        "mos": 0,
        "callOutcome": "",
        "afterAnswerDuration": 4,
        "outgoingCidNum": None,
        "billingId": None,
        "partnerId": None,
        "geolocation": None,
    },
    {
        "id": "ae8a5f62-7bd3-46a0-84d6-a3d46b35c886",
        "time": "10/10/22 19:49:16",
        "callerIdNumber": "5555555555",
        "callerIdName": "FRED DURST",
        "dialedNum": "5555555555",
        "direction": "IN",
        "disposition": "NO ANSWER",
        "duration": 3,
        "percentJitter": 0,
        "packetLoss": 0,
        "qos": 1,
        "uniqueId": "atl-ast2-1665445756.1422469",
        "prevUniqueId": "",
        "whoAnswered": "",
        "recorded": 0,
        "queueCall": 0,
        "ocn": None,
        "ani": None,
        "lata": None,
        "city": None,
        "rateCenter": None,
        "state": None,
        "jurisdiction": None,
        "local": None,
        "lec": None,
        "lecType": None,
        "spid": None,
        "isTollFree": None,
        "nextUniqueId": "",
        "isInternational": None,
        "presented": 0,
        "mos": 4.4,
        "callOutcome": "",
        "afterAnswerDuration": 0,
        "outgoingCidNum": None,
        "billingId": None,
        "partnerId": None,
        "geolocation": None,
    },
]
SEED_INSTANTS = ["2022-10-11T04:07:20Z", "2022-10-11T00:49:16Z"]
SEED_DAY = {"start": "2022-10-10 00:00:00", "end": "2022-10-10 23:59:59"}


def seed_input() -> list[dict[str, Any]]:
    """The seed's records as a client posts them: `time` as an ISO 8601 instant."""
    records = copy.deepcopy(SEED_RECORDS)
    for record, instant in zip(records, SEED_INSTANTS, strict=True):
        record["time"] = instant
    return records


def cdr(unique_id: str, time: str, **fields: Any) -> dict[str, Any]:
    """The least a record needs: uniqueId, time, direction and disposition."""
    return {
        "uniqueId": unique_id,
        "time": time,
        "direction": "OUT",
        "disposition": "ANSWERED",
        **fields,
    }


def load(
    client: TestClient, headers: dict[str, str], records: list[dict[str, Any]]
) -> dict[str, Any]:
    """POST a batch that must be accepted; the answer's counts."""
    response = client.post(PATH, json=records, headers=headers)
    assert response.status_code == 201, response.text
    counts: dict[str, Any] = response.json()
    return counts


def report(client: TestClient, headers: dict[str, str], **params: str) -> httpx2.Response:
    return client.get(PATH, params=params, headers=headers)


def records(client: TestClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    """GET a report that must succeed; its records."""
    response = report(client, headers, **params)
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


def unique_ids(client: TestClient, headers: dict[str, str], **params: str) -> list[str]:
    return [r["uniqueId"] for r in records(client, headers, **params)]


def error(response: httpx2.Response, status: int) -> str:
    """The message of an error answer, after checking its status and its envelope."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and set(body) == {"status", "message"}
    message: str = body["message"]
    return message


def admin(auth: TokenFactory, tenant: int = 314) -> dict[str, str]:
    return auth(role="account_admin", tenant=tenant)


def partner(auth: TokenFactory, partner_id: int = 90) -> dict[str, str]:
    return auth(role="partner_admin", partner=partner_id)
