"""Many writers at once against one server process: they queue, none fails with 500, and
readers keep answering. On SQLite one write at a time takes the database's lock; before
writers waited their turn on the event loop, 17 of them froze the process until SQLite's busy
timeout ran out."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2

from tests.live.conftest import Server

WRITERS = 48


def campaign_of(server: Server) -> int:
    with server.client() as client:
        response = client.post(
            "/dialler/campaigns", json={"Name": "Load"}, headers=server.headers()
        )
    assert response.status_code == 200, response.text
    campaign: int = response.json()["records"][0]["DiallerCampaignsID"]
    return campaign


def import_one(server: Server, campaign: int, n: int) -> httpx2.Response:
    body = {"DiallerCampaignsID": campaign, "Name": f"Writer {n}", "PhoneNumber1": "3125550100"}
    with server.client() as client:
        return client.post("/dialler/contacts/import", json=body, headers=server.headers())


def test_concurrent_writers_queue_and_all_succeed(server: Server) -> None:
    campaign = campaign_of(server)

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = list(pool.map(lambda n: import_one(server, campaign, n), range(WRITERS)))

    assert [a.status_code for a in answers] == [200] * WRITERS, {a.text for a in answers}
    with server.client() as client:
        listed = client.get(
            "/dialler/contacts",
            params={"limitPageSize": 100},
            headers=server.headers(),
        )
    assert listed.json()["count"] == WRITERS


def test_a_flood_of_bad_credentials_leaves_other_requests_answering(server: Server) -> None:
    def guess(n: int) -> int:
        form = {
            "grant_type": "client_credentials",
            "client_id": server.api_client.client_id if n % 2 else f"odc_unknown{n}",
            "client_secret": f"wrong-{n}",
        }
        with server.client() as client:
            return client.post("/auth/token", data=form).status_code

    with ThreadPoolExecutor(64) as pool:
        flood = [pool.submit(guess, n) for n in range(64)]
        # Asked while the flood is being answered; before, it waited 59 s.
        with server.client(timeout=5) as client:
            meanwhile = client.get("/dialler/campaigns", headers=server.headers())
        statuses = [f.result() for f in flood]

    assert meanwhile.status_code == 200, meanwhile.text
    assert set(statuses) <= {401, 429}, statuses
    assert 401 in statuses and 429 in statuses


def loan_row(n: int) -> dict[str, Any]:
    return {
        "lenderName": "Example Lender",
        "loanNumber": f"{672182867000 + n}",
        "loanExternalReferenceId": f"LN-{n}",
        "loanStatus": "repayment",
        "loanPaidToDate": "2020-06-02",
        "borrowerExternalReferenceId": f"BR-{n}",
        "borrowerFirstName": "Henry",
        "borrowerLastName": "Hudson",
        "borrowerPhoneNumber": f"(303) 696-{3300 + n}",
    }


def at_once(send: Callable[[int], httpx2.Response], times: int = 16) -> list[httpx2.Response]:
    start = threading.Barrier(times)

    def sent(n: int) -> httpx2.Response:
        start.wait()
        return send(n)

    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(sent, range(times)))


def test_the_same_loan_feed_sent_at_once_is_written_once_and_never_fails(server: Server) -> None:
    feed = [loan_row(n) for n in range(50)]
    headers = {**server.headers(), "servicerid": "2"}

    def post(_: int) -> httpx2.Response:
        with server.client() as client:
            return client.post("/loans/bulk", json=feed, headers=headers)

    answers = at_once(post)

    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 409}, {a.text for a in answers}
    assert 200 in statuses
    for conflict in (a for a in answers if a.status_code == 409):
        assert "retry" in conflict.text
    with server.client() as client:
        loans = client.get("/loans", params={"limit": 1000}, headers=headers).json()["data"]
    assert len(loans) == 50


def test_the_same_call_records_sent_at_once_are_stored_once_and_never_fail(
    server: Server,
) -> None:
    batch = [
        {
            "uniqueId": f"race-{n}",
            "time": "2024-05-01T10:00:00Z",
            "direction": "OUT",
            "disposition": "ANSWERED",
        }
        for n in range(50)
    ]

    def post(_: int) -> httpx2.Response:
        with server.client() as client:
            return client.post("/call-reports", json=batch, headers=server.headers())

    answers = at_once(post)

    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {201, 409}, {a.text for a in answers}
    assert 201 in statuses
