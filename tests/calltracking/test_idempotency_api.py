"""Retrying POST /calltracking/calls with an Idempotency-Key records nothing twice."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opendialer.daily import forget_expired_keys
from opendialer.db.session import Database
from opendialer.idempotency.models import IdempotentRequest
from opendialer.idempotency.repository import IdempotencyRepository
from tests.calltracking.conftest import CALLS, GATEWAY_CALLS, LoanFactory, call, scoped
from tests.conftest import TokenFactory


def count(client: TestClient, headers: dict[str, str]) -> int:
    response = client.get(CALLS, params={"limit": 1000}, headers=headers)
    assert response.status_code == 200
    return len(response.json()["data"])


def test_a_retry_with_the_same_key_records_nothing_and_answers_the_same(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    headers = {**scoped(auth), "Idempotency-Key": "batch-2024-03-01-0001"}
    batch = [call(loan), call(loan, callStatus="Contacted")]
    first = client.post(CALLS, json=batch, headers=headers)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    again = client.post(CALLS, json=batch, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert count(client, scoped(auth)) == 2


def test_the_same_json_spaced_or_ordered_otherwise_is_the_same_request(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    headers = {**scoped(auth), "Idempotency-Key": "k-1", "Content-Type": "application/json"}
    record = call(loan)
    first = client.post(CALLS, content=json.dumps([record]), headers=headers)
    reordered = dict(reversed(list(record.items())))
    again = client.post(CALLS, content=json.dumps([reordered], indent=2), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert count(client, scoped(auth)) == 1


def test_a_retry_by_the_other_path_is_the_same_request(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    headers = {**scoped(auth), "Idempotency-Key": "k-2"}
    first = client.post(CALLS, json=call(loan), headers=headers)
    again = client.post(GATEWAY_CALLS, json=call(loan), headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert count(client, scoped(auth)) == 1


def test_the_same_key_with_another_body_is_409(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    headers = {**scoped(auth), "Idempotency-Key": "k-3"}
    assert client.post(CALLS, json=call(loan), headers=headers).status_code == 201
    other = client.post(CALLS, json=call(loan, callStatus="Contacted"), headers=headers)
    assert other.status_code == 409
    assert set(other.json()) == {"status", "error", "message"}
    assert "Idempotency-Key" in other.json()["message"]
    assert count(client, scoped(auth)) == 1


def test_a_refused_request_keeps_no_key(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    """A 400 is not stored: the corrected request may be sent with the same key."""
    headers = {**scoped(auth), "Idempotency-Key": "k-4"}
    bad = client.post(CALLS, json=[call(loan), call(loan, callStatus="?")], headers=headers)
    assert bad.status_code == 400
    fixed = client.post(CALLS, json=[call(loan), call(loan)], headers=headers)
    assert fixed.status_code == 201
    assert count(client, scoped(auth)) == 2


def test_keys_are_per_tenant(client: TestClient, auth: TokenFactory, new_loan: LoanFactory) -> None:
    ours, theirs = new_loan(), new_loan(tenant=315, servicer=7)
    key = {"Idempotency-Key": "shared-key"}
    ours_answer = client.post(CALLS, json=call(ours), headers={**scoped(auth), **key})
    their_headers = scoped(auth, tenant=315, servicer=7)
    theirs_answer = client.post(CALLS, json=call(theirs), headers={**their_headers, **key})
    assert (ours_answer.status_code, theirs_answer.status_code) == (201, 201)
    assert count(client, scoped(auth)) == 1
    assert count(client, their_headers) == 1


def test_another_servicer_resending_a_key_and_body_is_not_given_the_stored_answer(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any], west: int
) -> None:
    """Keys are the caller's within its tenant and servicer: servicer 3 replaying servicer 2's
    key and body is a request of its own (for a loan it does not hold), not a replay of 2's
    answer with 2's call ids."""
    key = {"Idempotency-Key": "servicer-2-batch"}
    first = client.post(CALLS, json=call(loan), headers={**scoped(auth), **key})
    assert first.status_code == 201

    replay = client.post(CALLS, json=call(loan), headers={**scoped(auth, servicer=west), **key})

    assert "Idempotent-Replayed" not in replay.headers
    assert replay.status_code == 400, replay.text
    assert first.json()["data"][0]["callId"] not in replay.text
    assert count(client, scoped(auth)) == 1


def test_one_key_of_two_servicers_names_two_requests(
    client: TestClient, auth: TokenFactory, new_loan: LoanFactory, west: int
) -> None:
    east_loan, west_loan = new_loan(), new_loan(servicer=west)
    key = {"Idempotency-Key": "daily-batch"}
    east = client.post(CALLS, json=call(east_loan), headers={**scoped(auth), **key})
    west_answer = client.post(
        CALLS, json=call(west_loan), headers={**scoped(auth, servicer=west), **key}
    )
    assert (east.status_code, west_answer.status_code) == (201, 201), west_answer.text
    assert "Idempotent-Replayed" not in west_answer.headers
    assert count(client, scoped(auth)) == 1
    assert count(client, scoped(auth, servicer=west)) == 1


def test_without_a_key_a_retry_records_again(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    for _ in range(2):
        assert client.post(CALLS, json=call(loan), headers=scoped(auth)).status_code == 201
    assert count(client, scoped(auth)) == 2


def test_a_key_too_long_or_with_control_characters_is_refused(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    for key in ("k" * 256, "tab\there"):
        response = client.post(
            CALLS, json=call(loan), headers={**scoped(auth), "Idempotency-Key": key}
        )
        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()["message"]
    assert count(client, scoped(auth)) == 0


def test_a_request_that_loses_the_race_for_its_key_is_answered_as_the_winner(
    client: TestClient,
    auth: TokenFactory,
    loan: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two requests with one key at once: the second finds the key taken only when it stores
    its answer, and then replays the first's answer instead of recording anything."""
    headers = {**scoped(auth), "Idempotency-Key": "k-race"}
    first = client.post(CALLS, json=call(loan), headers=headers)
    real_get = IdempotencyRepository.get
    looks = iter([None])

    def racing_get(self: IdempotencyRepository, key: str) -> IdempotentRequest | None:
        return next(looks, real_get(self, key))

    monkeypatch.setattr(IdempotencyRepository, "get", racing_get)
    again = client.post(CALLS, json=call(loan), headers=headers)
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = client.post(CALLS, json=call(loan, callStatus="Contacted"), headers=headers)
    assert other.status_code == 409
    assert count(client, scoped(auth)) == 1


def _age_keys(database: Database, hours: float) -> None:
    """Move every stored request `hours` into the past."""
    with database.transaction() as session:
        for stored in session.query(IdempotentRequest):
            stored.created_at = stored.created_at - timedelta(hours=hours)


def _claimed_a_day_ago(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any], database: Database, key: str
) -> dict[str, str]:
    """Headers with `key`, which a call was recorded under 25 hours ago."""
    headers = {**scoped(auth), "Idempotency-Key": key}
    assert client.post(CALLS, json=call(loan), headers=headers).status_code == 201
    _age_keys(database, 25)
    return headers


def test_a_key_older_than_a_day_has_expired_and_records_anew(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any], database: Database
) -> None:
    headers = {**scoped(auth), "Idempotency-Key": "k-expiring"}
    first = client.post(CALLS, json=call(loan), headers=headers)
    assert first.status_code == 201
    _age_keys(database, 23.9)
    assert (
        client.post(CALLS, json=call(loan), headers=headers).headers.get("Idempotent-Replayed")
        == "true"
    )
    _age_keys(database, 0.2)

    again = client.post(CALLS, json=call(loan), headers=headers)

    assert again.status_code == 201, again.text
    assert "Idempotent-Replayed" not in again.headers
    assert again.json()["data"][0]["callId"] != first.json()["data"][0]["callId"]
    assert count(client, scoped(auth)) == 2
    # The key now holds the new answer: a retry replays it.
    replayed = client.post(CALLS, json=call(loan), headers=headers)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == again.json()


def test_an_expired_key_may_name_a_different_request(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any], database: Database
) -> None:
    headers = _claimed_a_day_ago(client, auth, loan, database, "k-reused")

    other = client.post(CALLS, json=call(loan, callStatus="Contacted"), headers=headers)

    assert other.status_code == 201, other.text
    assert count(client, scoped(auth)) == 2


def test_the_daily_job_drops_expired_keys_and_keeps_the_others(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any], database: Database
) -> None:
    _claimed_a_day_ago(client, auth, loan, database, "k-old")
    fresh = {**scoped(auth), "Idempotency-Key": "k-fresh"}
    assert client.post(CALLS, json=call(loan), headers=fresh).status_code == 201

    assert forget_expired_keys(database) == 1

    with database.transaction(write=False) as session:
        keys = {stored.key for stored in session.query(IdempotentRequest)}
    assert keys == {"k-fresh"}
