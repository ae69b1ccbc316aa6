"""`opendialer import contacts` against a database of its own (SQLite, or a schema of the
PostgreSQL test database), a few rows a chunk so that files of a dozen rows cross chunks: each
bad row named by its line, and duplicates counted and stored as one import of the whole file
would, within the file and against the database, in this process or with a second one reading
the file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from typer.testing import Result

from opendialer.auth.principal import Principal, Role
from opendialer.auth.tokens import issue_token
from opendialer.dialler import importer
from opendialer.dialler.schemas import ContactImport
from opendialer.kit.apimodel import describe_validation_errors
from tests.conftest import TEST_KEY, Run, command_line, service_over

CHUNK = 3


@pytest.fixture
def opendialer(monkeypatch: pytest.MonkeyPatch, cli_database_url: str) -> Run:
    """Runs the command against its database, CHUNK rows a chunk; tenant 314 exists."""
    monkeypatch.setattr(importer, "IMPORT_CHUNK", CHUNK)
    run = command_line(monkeypatch, cli_database_url)
    run("tenant", "create", 314, "--name", "Acme Servicing")
    return run


@pytest.fixture
def api(opendialer: Run, cli_database_url: str) -> Iterator[TestClient]:
    """The API over the command's database, as a separate service would run it."""
    with service_over(cli_database_url) as client:
        yield client


HEADERS = {
    "Authorization": "Bearer "
    + issue_token(Principal("test", Role.ACCOUNT_ADMIN, 314), TEST_KEY, 3600)
}


@pytest.fixture
def campaign_id(api: TestClient) -> int:
    response = api.post("/dialler/campaigns", json={"Name": "Early Stage"}, headers=HEADERS)
    assert response.status_code == 200, response.text
    value: int = response.json()["records"][0]["DiallerCampaignsID"]
    return value


def post_contact(api: TestClient, campaign_id: int, **fields: Any) -> dict[str, Any]:
    body = {"DiallerCampaignsID": campaign_id, "PhoneNumber1": "3125550100", **fields}
    response = api.post("/dialler/contacts/import", json=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


def contacts(api: TestClient, campaign_id: int) -> list[dict[str, Any]]:
    response = api.get(
        "/dialler/contacts", params={"diallerCampaignsID": campaign_id}, headers=HEADERS
    )
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


def write_csv(tmp_path: Path, text_: str) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(text_, encoding="utf-8")
    return path


def problem_lines(result: Result) -> list[str]:
    """The command's messages about rows, one a line, its line wrapping undone."""
    lines: list[str] = []
    for line in result.stderr.splitlines():
        if line.startswith("line "):
            lines.append(line)
        elif lines and line.strip():
            lines[-1] += " " + line
    return [" ".join(line.split()) for line in lines]


def model_problem(**fields: Any) -> str:
    """What ContactImport, the HTTP import's body, finds wrong with `fields`."""
    with pytest.raises(ValidationError) as caught:
        ContactImport.model_validate({"DiallerCampaignsID": 1, **fields})
    return " ".join(describe_validation_errors(caught.value.errors()).split())


PROCESSES = pytest.mark.parametrize("reader", ["--no-second-process", "--second-process"])

# A column naming the campaign is ignored (the import names it), and so is one of a record's
# read-only fields, as the API ignores them.
HEADER = (
    "Name,PhoneNumber1,UserData,Amount,dtBeginDate,Comment,DiallerCampaignsName,"
    "nTriesPhoneNumber1\n"
)


@PROCESSES
def test_each_bad_row_is_named_by_its_line_in_the_files_order(
    opendialer: Run, api: TestClient, campaign_id: int, tmp_path: Path, reader: str
) -> None:
    path = write_csv(
        tmp_path,
        HEADER
        + "Rivera,(312) 555-0142,R-1,125.50,2024-05-01T00:00:00,,Elsewhere,7\n"  # 2
        + "Okafor,312-555-0144,R-2,abc,,,,\n"  # 3
        + "Nowak,,R-3,10,,,,\n"  # 4
        + 'Chen,312-555-0143,R-4,80,,"two\nlines",,\n'  # 5-6
        + "   ,,R-5,,,,,\n"  # 7
        + "Silva,312-555-0145,R-6,,not-a-date,,,\n"  # 8
        + "\n"  # 9: a blank line is no row
        + "Berg,312-555-0146,R-7,1e400,,,,\n"  # 10
        + "Ortiz,312-555-0147,R-8,,,,,\n",  # 11
    )

    result = opendialer(
        "import", "contacts", path, "--tenant", 314, "--campaign-id", campaign_id, reader
    )

    assert result.stdout.strip() == "imported: 3, overwritten: 0, rejected: 5"
    problems = problem_lines(result)
    assert problems == [
        f"line 3: {model_problem(Name='Okafor', Amount='abc')}",
        "line 4: missing mandatory field(s): at least one of PhoneNumber1..PhoneNumber6",
        "line 7: missing mandatory field(s): Name, at least one of PhoneNumber1..PhoneNumber6",
        f"line 8: {model_problem(Name='Silva', dtBeginDate='not-a-date')}",
        f"line 10: {model_problem(Name='Berg', Amount='1e400')}",
    ]
    assert problems[0].startswith("line 3: Amount: Input should be a valid number")
    assert problems[4].startswith("line 10: Amount: Input should be a finite number")
    stored = {record["UserData"]: record for record in contacts(api, campaign_id)}
    assert sorted(stored) == ["R-1", "R-4", "R-8"]
    rivera = stored["R-1"]
    assert (rivera["Amount"], rivera["dtBeginDate"]) == (125.5, "2024-05-01T00:00:00.000")
    assert (rivera["PhoneNumber1E164"], rivera["nTriesPhoneNumber1"]) == ("+13125550142", 0)
    assert rivera["DiallerCampaignsID"] == campaign_id
    assert stored["R-4"]["Comment"] == "two\nlines"


def overwrite_file(tmp_path: Path) -> Path:
    """Rows crossing chunks of CHUNK: UserData `dup` held by two stored contacts, `x` and `y`
    repeated within a chunk and across chunks, two rows without UserData, one bad row."""
    return write_csv(
        tmp_path,
        "Name,PhoneNumber1,UserData,Email,Amount\n"
        + "New1,3125550101,dup,new1@example.com,\n"  # 2: chunk 1
        + "Fresh1,3125550102,x,,\n"  # 3
        + "Fresh1b,3125550103,x,,\n"  # 4
        + "Fresh1c,3125550104,x,,\n"  # 5: chunk 2
        + "NoKey,3125550105,,,\n"  # 6
        + "NoKey2,3125550106,,,\n"  # 7
        + "New2,3125550107,dup,,\n"  # 8: chunk 3
        + "Bad,3125550108,z,,abc\n"  # 9
        + "Y1,3125550109,y,y1@example.com,\n"  # 10
        + "Y2,3125550110,y,,\n",  # 11: chunk 4
    )


@PROCESSES
def test_overwriting_counts_and_stores_duplicates_as_one_import_of_the_whole_file(
    opendialer: Run, api: TestClient, campaign_id: int, tmp_path: Path, reader: str
) -> None:
    oldest = post_contact(api, campaign_id, Name="Old1", UserData="dup", Company="Acme")
    newer = post_contact(api, campaign_id, Name="Old2", UserData="dup")
    kept = post_contact(api, campaign_id, Name="Kept", UserData="keep")
    path = overwrite_file(tmp_path)
    args = ("import", "contacts", path, "--tenant", 314, "--campaign-id", campaign_id, reader)

    result = opendialer(*args, "--overwrite-duplicates")

    assert result.stdout.strip() == "imported: 4, overwritten: 5, rejected: 1"
    assert [line.split(":")[0] for line in problem_lines(result)] == ["line 9"]
    stored = contacts(api, campaign_id)
    assert len(stored) == 3 + 4
    by_id = {record["ID"]: record for record in stored}
    # The oldest contact with the UserData is overwritten, by the file's last row naming it;
    # what that row does not send is cleared.
    assert (by_id[oldest["ID"]]["Name"], by_id[oldest["ID"]]["PhoneNumber1"]) == (
        "New2",
        "3125550107",
    )
    assert (by_id[oldest["ID"]]["Email"], by_id[oldest["ID"]]["Company"]) == (None, None)
    assert by_id[newer["ID"]]["Name"] == "Old2"
    assert by_id[kept["ID"]]["Name"] == "Kept"
    by_user_data: dict[Any, list[dict[str, Any]]] = {}
    for record in stored:
        by_user_data.setdefault(record["UserData"], []).append(record)
    assert [record["Name"] for record in by_user_data["x"]] == ["Fresh1c"]
    [y] = by_user_data["y"]
    assert (y["Name"], y["Email"], y["PhoneNumber1E164"]) == ("Y2", None, "+13125550110")
    assert sorted(record["Name"] for record in by_user_data[None]) == ["NoKey", "NoKey2"]
    assert "z" not in by_user_data

    again = opendialer(*args, "--overwrite-duplicates")

    assert again.stdout.strip() == "imported: 2, overwritten: 7, rejected: 1"
    assert len(contacts(api, campaign_id)) == 3 + 4 + 2


@PROCESSES
def test_without_overwriting_every_good_row_is_a_new_contact(
    opendialer: Run, api: TestClient, campaign_id: int, tmp_path: Path, reader: str
) -> None:
    post_contact(api, campaign_id, Name="Old1", UserData="dup")
    path = overwrite_file(tmp_path)

    result = opendialer(
        "import", "contacts", path, "--tenant", 314, "--campaign-id", campaign_id, reader
    )

    assert result.stdout.strip() == "imported: 9, overwritten: 0, rejected: 1"
    stored = contacts(api, campaign_id)
    assert len(stored) == 1 + 9
    assert sorted(r["Name"] for r in stored if r["UserData"] == "x") == [
        "Fresh1",
        "Fresh1b",
        "Fresh1c",
    ]


@PROCESSES
def test_a_strict_import_with_a_bad_row_in_a_later_chunk_imports_nothing(
    opendialer: Run, api: TestClient, campaign_id: int, tmp_path: Path, reader: str
) -> None:
    path = overwrite_file(tmp_path)
    args = ("import", "contacts", path, "--tenant", 314, "--campaign-id", campaign_id, reader)

    result = opendialer(*args, "--strict", code=1)

    assert [line.split(":")[0] for line in problem_lines(result)] == ["line 9"]
    assert "1 bad row(s); --strict: nothing imported" in " ".join(result.stderr.split())
    assert result.stdout == ""
    assert contacts(api, campaign_id) == []


@PROCESSES
def test_an_unknown_loan_imports_nothing_and_every_bad_row_is_still_named(
    opendialer: Run, api: TestClient, campaign_id: int, tmp_path: Path, reader: str
) -> None:
    path = write_csv(
        tmp_path,
        "Name,PhoneNumber1,LoanID,Amount\n"
        + "Ames,3125550101,,\n"  # 2: chunk 1, stored before the unknown loans are found
        + "Bell,3125550102,LN-ZZZ,\n"  # 3
        + "Cole,3125550103,,\n"  # 4
        + "Dunn,3125550104,LN-AAA,\n"  # 5: chunk 2
        + "Eve,3125550105,,abc\n",  # 6
    )

    result = opendialer(
        "import", "contacts", path, "--tenant", 314, "--campaign-id", campaign_id, reader, code=1
    )

    assert [line.split(":")[0] for line in problem_lines(result)] == ["line 6"]
    assert "LoanID LN-AAA does not exist; nothing imported" in " ".join(result.stderr.split())
    assert result.stdout == ""
    assert contacts(api, campaign_id) == []


def test_a_file_that_stops_being_utf8_after_a_chunk_imports_nothing(
    opendialer: Run, api: TestClient, campaign_id: int, tmp_path: Path
) -> None:
    path = tmp_path / "contacts.csv"
    rows = "".join(f"Name{n},312555010{n}\n" for n in range(2 * CHUNK))
    path.write_bytes(f"Name,PhoneNumber1\n{rows}".encode() + b"M\xfcller,3125550199\n")

    result = opendialer(
        "import", "contacts", path, "--tenant", 314, "--campaign-id", campaign_id, code=1
    )

    assert "is not a CSV file in UTF-8" in " ".join(result.stderr.split())
    assert "nothing imported" in " ".join(result.stderr.split())
    assert contacts(api, campaign_id) == []
