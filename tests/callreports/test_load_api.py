"""POST /call-reports: loading a batch of call legs into the caller's tenant."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from opendialer.db.session import Database
from tests.callreports.conftest import (
    PATH,
    SEED_DAY,
    SEED_RECORDS,
    admin,
    cdr,
    load,
    partner,
    records,
    seed_input,
    unique_ids,
)
from tests.conftest import TokenFactory

DAY = {"start": "2024-03-01 00:00:00", "end": "2024-03-01 23:59:59", "timezone": "UTC"}
MEASUREMENTS = ("percentJitter", "packetLoss", "qos", "mos")


def test_the_seeds_records_come_back_exactly_as_the_seed_shows_them(
    client: TestClient, auth: TokenFactory
) -> None:
    assert load(client, admin(auth), seed_input()) == {"created": 2, "duplicates": 0}

    response = client.get(PATH, params={"tenantId": "314", **SEED_DAY}, headers=admin(auth))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    # Same fields, same order, same values (null, ""); a measurement is always a decimal
    # number, which the seed writes as 0 when it is whole.
    body = response.json()
    assert [list(record) for record in body] == [list(record) for record in SEED_RECORDS]
    assert body == SEED_RECORDS
    assert all(type(record[name]) is float for record in body for name in MEASUREMENTS)


def test_every_field_takes_its_json_type(client: TestClient, auth: TokenFactory) -> None:
    load(client, admin(auth), seed_input())

    first, second = records(client, admin(auth), tenantId="314", **SEED_DAY)

    for name in ("duration", "recorded", "presented", "queueCall", "afterAnswerDuration"):
        assert type(first[name]) is int, name
    for name in MEASUREMENTS:
        assert type(first[name]) is float and type(second[name]) is float, name
    assert (first["mos"], second["mos"]) == (0.0, 4.4)
    assert first["ocn"] == "8911" and first["lata"] == "826"
    assert first["spid"] is None and second["local"] is None
    assert first["prevUniqueId"] == ""


def test_a_measurement_is_a_decimal_number_whole_or_not(
    client: TestClient, auth: TokenFactory
) -> None:
    load(
        client,
        admin(auth),
        [cdr("m-1", "2024-03-01T12:00:00Z", percentJitter=2.5, packetLoss=3.0, qos=1, mos=4.0)],
    )

    (record,) = records(client, admin(auth), tenantId="314", **DAY)

    assert json.dumps([record[k] for k in ("percentJitter", "packetLoss", "qos", "mos")]) == (
        "[2.5, 3.0, 1.0, 4.0]"
    )


def test_an_id_is_assigned_as_a_uuid_when_none_is_sent(
    client: TestClient, auth: TokenFactory
) -> None:
    load(client, admin(auth), [cdr("no-id", "2024-03-01T12:00:00Z")])

    (record,) = records(client, admin(auth), tenantId="314", **DAY)

    assert str(UUID(record["id"])) == record["id"]


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "12345", "2d275d62-706c-42d2-a4d4"])
def test_an_id_that_is_not_a_uuid_is_refused(
    client: TestClient, auth: TokenFactory, bad_id: str
) -> None:
    response = client.post(
        PATH, json=[cdr("bad-id", "2024-03-01T12:00:00Z", id=bad_id)], headers=admin(auth)
    )

    assert response.status_code == 400, response.text
    assert "[0].id" in response.json()["message"]


def test_an_id_another_tenant_holds_answers_as_a_fresh_one_would(
    client: TestClient, auth: TokenFactory
) -> None:
    taken = SEED_RECORDS[0]["id"]
    fresh = "0b0b0b0b-0000-4000-8000-000000000002"
    load(client, admin(auth, 315), [cdr("theirs", "2024-03-01T12:00:00Z", id=taken)])

    on_taken = client.post(
        PATH, json=[cdr("mine", "2024-03-01T13:00:00Z", id=taken)], headers=admin(auth)
    )
    on_fresh = client.post(
        PATH, json=[cdr("also-mine", "2024-03-01T14:00:00Z", id=fresh)], headers=admin(auth)
    )

    assert (on_taken.status_code, on_taken.json()) == (on_fresh.status_code, on_fresh.json())
    assert on_taken.status_code == 201
    mine = records(client, admin(auth), tenantId="314", **DAY)
    theirs = records(client, admin(auth, 315), tenantId="315", **DAY)
    assert [(r["id"], r["uniqueId"]) for r in mine] == [(fresh, "also-mine"), (taken, "mine")]
    assert [(r["id"], r["uniqueId"]) for r in theirs] == [(taken, "theirs")]


def test_an_id_the_tenant_already_holds_is_a_conflict_not_a_server_error(
    client: TestClient, auth: TokenFactory
) -> None:
    taken = SEED_RECORDS[0]["id"]
    load(client, admin(auth), [cdr("first", "2024-03-01T12:00:00Z", id=taken)])

    response = client.post(
        PATH,
        json=[cdr("ok", "2024-03-01T12:00:00Z"), cdr("second", "2024-03-01T13:00:00Z", id=taken)],
        headers=admin(auth),
    )

    assert response.status_code == 409, response.text
    assert "[1].id" in response.json()["message"]
    assert unique_ids(client, admin(auth), tenantId="314", **DAY) == ["first"]


def test_a_partners_report_sends_every_tenants_record_sharing_a_time_and_an_id(
    client: TestClient, auth: TokenFactory
) -> None:
    # A report is read in batches of 2000, each resuming after its last record's time and
    # id; two tenants' records sharing both straddle the end of the first batch here.
    shared = {"id": "0b0b0b0b-0000-4000-8000-000000000003"}
    later = [cdr(f"later-{n}", f"2024-03-01T13:{n // 60:02d}:{n % 60:02d}Z") for n in range(1999)]
    load(client, admin(auth, 314), [*later, cdr("of-314", "2024-03-01T12:00:00Z", **shared)])
    load(client, admin(auth, 315), [cdr("of-315", "2024-03-01T12:00:00Z", **shared)])

    got = records(client, partner(auth), **DAY)

    assert len(got) == 2001
    assert sorted(r["uniqueId"] for r in got[-2:]) == ["of-314", "of-315"]


def test_one_id_twice_in_a_batch_is_a_conflict(client: TestClient, auth: TokenFactory) -> None:
    same = "0b0b0b0b-0000-4000-8000-000000000001"
    response = client.post(
        PATH,
        json=[
            cdr("one", "2024-03-01T12:00:00Z", id=same),
            cdr("two", "2024-03-01T13:00:00Z", id=same),
        ],
        headers=admin(auth),
    )

    assert response.status_code == 409, response.text
    assert "[1].id" in response.json()["message"]


def test_time_is_stored_in_utc_whatever_offset_it_was_sent_with(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    load(
        client,
        admin(auth),
        [
            cdr("offset", "2024-03-01T06:30:00-06:00"),
            cdr("zulu", "2024-03-01T12:31:00Z"),
            cdr("naive", "2024-03-01T12:32:00"),
        ],
    )

    got = records(client, admin(auth), tenantId="314", **DAY)

    assert [(r["uniqueId"], r["time"]) for r in got] == [
        ("naive", "03/01/24 12:32:00"),
        ("zulu", "03/01/24 12:31:00"),
        ("offset", "03/01/24 12:30:00"),
    ]
    with database.transaction() as session:
        stored = session.execute(
            text("SELECT time FROM call_detail_records WHERE unique_id = 'offset'")
        ).scalar_one()
    if isinstance(stored, str):  # SQLite keeps the UTC wall clock as text
        assert stored.startswith("2024-03-01 12:30:00")
    else:
        assert stored.tzinfo is not None
        assert stored.astimezone(UTC).replace(tzinfo=None) == datetime(2024, 3, 1, 12, 30)


def test_loading_the_same_batch_twice_stores_it_once(
    client: TestClient, auth: TokenFactory
) -> None:
    assert load(client, admin(auth), seed_input()) == {"created": 2, "duplicates": 0}
    assert load(client, admin(auth), seed_input()) == {"created": 0, "duplicates": 2}

    extra = cdr("atl-ast2-new", "2022-10-10T15:00:00Z")
    assert load(client, admin(auth), [*seed_input(), extra]) == {"created": 1, "duplicates": 2}

    assert len(records(client, admin(auth), tenantId="314", **SEED_DAY)) == 3


def test_a_unique_id_repeated_inside_one_batch_is_stored_once(
    client: TestClient, auth: TokenFactory
) -> None:
    batch = [cdr("twice", "2024-03-01T12:00:00Z"), cdr("twice", "2024-03-01T12:05:00Z")]

    assert load(client, admin(auth), batch) == {"created": 1, "duplicates": 1}
    assert unique_ids(client, admin(auth), tenantId="314", **DAY) == ["twice"]


def test_unique_id_is_unique_per_tenant_not_across_tenants(
    client: TestClient, auth: TokenFactory
) -> None:
    batch = [cdr("shared-id", "2024-03-01T12:00:00Z")]

    assert load(client, admin(auth, 314), batch) == {"created": 1, "duplicates": 0}
    assert load(client, admin(auth, 315), batch) == {"created": 1, "duplicates": 0}

    assert unique_ids(client, admin(auth, 315), tenantId="315", **DAY) == ["shared-id"]


def test_records_belong_to_the_tenant_that_loaded_them(
    client: TestClient, auth: TokenFactory
) -> None:
    load(client, admin(auth, 314), [cdr("of-314", "2024-03-01T12:00:00Z")])
    load(client, admin(auth, 315), [cdr("of-315", "2024-03-01T12:00:00Z")])

    assert unique_ids(client, admin(auth, 314), tenantId="314", **DAY) == ["of-314"]
    assert unique_ids(client, admin(auth, 315), tenantId="315", **DAY) == ["of-315"]


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"direction": "SIDEWAYS"}, "[2].direction", "'IN' or 'OUT'"),
        ({"disposition": "CONGESTION"}, "[2].disposition", "ANSWERED"),
        ({"uniqueId": ""}, "[2].uniqueId", "at least 1"),
        ({"time": "yesterday"}, "[2].time", "ISO 8601"),
        ({"duration": -1}, "[2].duration", "greater than or equal to 0"),
        ({"mos": "high"}, "[2].mos", "number"),
        ({"ocn": 8911}, "[2].ocn", "string"),
        ({"callerIdName": "x" * 81}, "[2].callerIdName", "80"),
        ({"colour": "red"}, "[2].colour", "not a known field"),
        ({"time": 0}, "[2].time", "ISO 8601"),
        ({"time": "1709294520"}, "[2].time", "ISO 8601"),
        ({"callerIdName": "Bob\u200b"}, "[2].callerIdName", "U+200B"),
        ({"uniqueId": "bad-2\n"}, "[2].uniqueId", "U+000A"),
    ],
)
def test_a_bad_record_rejects_the_whole_batch_naming_its_index_and_field(
    client: TestClient, auth: TokenFactory, bad: dict[str, object], field: str, words: str
) -> None:
    batch = [
        cdr("good-0", "2024-03-01T12:00:00Z"),
        cdr("good-1", "2024-03-01T12:01:00Z"),
        {**cdr("bad-2", "2024-03-01T12:02:00Z"), **bad},
    ]

    response = client.post(PATH, json=batch, headers=admin(auth))

    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"status", "message"} and body["status"] == 400
    assert field in body["message"] and words in body["message"]
    assert unique_ids(client, admin(auth), tenantId="314", **DAY) == []


def test_a_missing_mandatory_field_is_named(client: TestClient, auth: TokenFactory) -> None:
    record = cdr("no-direction", "2024-03-01T12:00:00Z")
    del record["direction"], record["uniqueId"]

    response = client.post(
        PATH, json=[cdr("ok", "2024-03-01T12:00:00Z"), record], headers=admin(auth)
    )

    assert response.status_code == 400
    message = response.json()["message"]
    assert "[1].direction is required" in message and "[1].uniqueId is required" in message


@pytest.mark.parametrize("body", [{"uniqueId": "x"}, "text", None])
def test_a_body_that_is_not_a_list_of_records_is_refused(
    client: TestClient, auth: TokenFactory, body: object
) -> None:
    response = client.post(PATH, json=body, headers=admin(auth))

    assert response.status_code == 400, response.text
    assert response.json()["status"] == 400


def test_an_empty_batch_creates_nothing(client: TestClient, auth: TokenFactory) -> None:
    assert load(client, admin(auth), []) == {"created": 0, "duplicates": 0}


def test_a_partner_admin_loads_into_the_tenant_it_names(
    client: TestClient, auth: TokenFactory
) -> None:
    batch = [cdr("via-partner", "2024-03-01T12:00:00Z")]

    assert load(client, {**partner(auth), "tenantid": "315"}, batch)["created"] == 1

    assert unique_ids(client, admin(auth, 315), tenantId="315", **DAY) == ["via-partner"]
    assert unique_ids(client, admin(auth, 314), tenantId="314", **DAY) == []


def test_a_partner_admin_must_name_a_tenant_of_its_own(
    client: TestClient, auth: TokenFactory
) -> None:
    batch = [cdr("nowhere", "2024-03-01T12:00:00Z")]

    unnamed = client.post(PATH, json=batch, headers=partner(auth))
    foreign = client.post(PATH, json=batch, headers={**partner(auth), "tenantid": "316"})

    assert unnamed.status_code == 400 and "tenantid" in unnamed.json()["message"]
    assert foreign.status_code == 404


@pytest.mark.parametrize("role", ["reports_admin", "agent"])
def test_roles_that_only_read_cannot_load(
    client: TestClient, auth: TokenFactory, role: str
) -> None:
    response = client.post(
        PATH, json=[cdr("x", "2024-03-01T12:00:00Z")], headers=auth(role=role, tenant=314)
    )

    assert response.status_code == 403
    assert unique_ids(client, admin(auth), tenantId="314", **DAY) == []


def test_loading_needs_a_token(client: TestClient, tenants: list[int]) -> None:
    response = client.post(PATH, json=[cdr("x", "2024-03-01T12:00:00Z")])

    assert response.status_code == 401
