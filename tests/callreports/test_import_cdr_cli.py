"""`opendialer import cdr`: an Asterisk cdr_csv Master.csv file loaded into a tenant, read back
over HTTP, and loaded again without duplicates."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from opendialer.app import create_app
from opendialer.auth.principal import Principal, Role
from opendialer.auth.tokens import issue_token
from opendialer.cli import app as cli_app
from opendialer.config import Settings
from tests.callreports.conftest import SEED_RECORDS
from tests.conftest import TEST_KEY

MASTER_CSV = Path(__file__).parents[1] / "fixtures" / "Master.csv"
# The fixture's four calls, in Chicago: 10/10 23:07:20 and 19:49:16, 10/11 09:00:05 and 09:02:00.
WINDOW = {"start": "2022-10-10 00:00:00", "end": "2022-10-11 23:59:59"}
FIRST_LINE = MASTER_CSV.read_text().splitlines()[0]


@pytest.fixture
def opendialer(monkeypatch: pytest.MonkeyPatch, cli_database_url: str) -> Any:
    """Runs the `opendialer` command against the command's database; tenant 314 exists."""
    monkeypatch.setenv("OPENDIALER_DATABASE_URL", cli_database_url)
    monkeypatch.setenv("OPENDIALER_SECRET_KEY", TEST_KEY)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli_app, list(args))

    created = run("tenant", "create", "314", "--name", "Acme Servicing")
    assert created.exit_code == 0, created.output
    return run


@pytest.fixture
def api(cli_database_url: str) -> Iterator[TestClient]:
    """The API over the command's database, as a separate service would run it."""
    settings = Settings(database_url=cli_database_url, secret_key=TEST_KEY, daily_call_list=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def read_back(api: TestClient, tenant: int = 314, **params: str) -> list[dict[str, Any]]:
    token = issue_token(Principal("test", Role.ACCOUNT_ADMIN, tenant), TEST_KEY, 3600)
    response = api.get(
        "/call-reports",
        params={"tenantId": str(tenant), **WINDOW, **params},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


BOX_BORDERS = str.maketrans(dict.fromkeys("│╭╮╰╯─", " "))


def messages(result: Result) -> str:
    """What the command printed, with the terminal's line wrapping and the error box's borders
    undone."""
    return " ".join(result.output.translate(BOX_BORDERS).split())


def write(tmp_path: Path, name: str, *lines: str) -> str:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


def test_loading_the_same_file_twice_stores_each_call_once(
    opendialer: Any, api: TestClient
) -> None:
    first = opendialer("import", "cdr", str(MASTER_CSV), "--tenant", "314")
    second = opendialer("import", "cdr", str(MASTER_CSV), "--tenant", "314")

    assert first.exit_code == 0, first.output
    assert "created: 4, duplicates: 0" in first.stdout
    assert second.exit_code == 0, second.output
    assert "created: 0, duplicates: 4" in second.stdout
    assert len(read_back(api)) == 4


def test_the_asterisk_columns_map_to_the_seeds_fields(opendialer: Any, api: TestClient) -> None:
    opendialer("import", "cdr", str(MASTER_CSV), "--tenant", "314")

    got = read_back(api)

    assert [list(record) for record in got] == [list(SEED_RECORDS[0])] * 4
    by_id = {record["uniqueId"]: record for record in got}
    assert list(by_id) == [
        "atl-ast2-1665496920.1431002",
        "atl-ast2-1665496805.1431001",
        "atl-ast2-1665457640.1430167",
        "atl-ast2-1665445756.1422469",
    ]
    answered = by_id["atl-ast2-1665457640.1430167"]
    seed = SEED_RECORDS[0]
    for name in ("time", "callerIdNumber", "callerIdName", "direction", "duration", "uniqueId"):
        assert answered[name] == seed[name], name
    assert str(uuid.UUID(answered["id"])) == answered["id"]
    assert answered | {"id": None} == {
        **{name: None for name in seed},
        "time": "10/10/22 23:07:20",
        "callerIdNumber": "5555555555",
        "callerIdName": "BILL CLINTON",
        "dialedNum": "6125550142",
        "direction": "IN",
        "disposition": "ANSWERED",
        "duration": 4,
        "uniqueId": "atl-ast2-1665457640.1430167",
        "prevUniqueId": "",
        "nextUniqueId": "",
        "whoAnswered": "SIP/201-00000a1c",
        "recorded": 0,
        "queueCall": 0,
        "presented": 1,
        "afterAnswerDuration": 2,
        "callOutcome": "",
    }

    queued = by_id["atl-ast2-1665445756.1422469"]
    assert (queued["time"], queued["callerIdName"], queued["disposition"]) == (
        "10/10/22 19:49:16",
        "FRED DURST",
        "NO ANSWER",
    )
    assert (queued["queueCall"], queued["presented"], queued["whoAnswered"]) == (1, 0, "")
    assert queued["afterAnswerDuration"] == 0

    busy = by_id["atl-ast2-1665496805.1431001"]
    assert (busy["direction"], busy["disposition"], busy["billingId"]) == ("OUT", "BUSY", "acct42")
    assert (busy["callerIdName"], busy["callerIdNumber"], busy["dialedNum"]) == (
        "Collections",
        "3125550100",
        "13035550199",
    )
    assert busy["whoAnswered"] == ""  # a channel was dialled, but nobody answered

    congested = by_id["atl-ast2-1665496920.1431002"]
    assert (congested["disposition"], congested["time"]) == ("FAILED", "10/11/22 09:02:00")


def test_times_are_read_in_the_zone_given(opendialer: Any, api: TestClient) -> None:
    result = opendialer(
        "import", "cdr", str(MASTER_CSV), "--tenant", "314", "--timezone", "America/Chicago"
    )

    assert result.exit_code == 0, result.output
    window = {"start": "2022-10-11 00:00:00", "end": "2022-10-11 23:59:59"}
    times = [record["time"] for record in read_back(api, **window)]
    assert times == [
        "10/11/22 14:02:00",
        "10/11/22 14:00:05",
        "10/11/22 04:07:20",
        "10/11/22 00:49:16",
    ]


def test_direction_can_be_set_for_the_whole_file(opendialer: Any, api: TestClient) -> None:
    opendialer("import", "cdr", str(MASTER_CSV), "--tenant", "314", "--direction", "OUT")

    assert {record["direction"] for record in read_back(api)} == {"OUT"}


@pytest.mark.parametrize(
    ("context", "direction"),
    [
        ("from-trunk", "IN"),
        ("from-pstn", "IN"),
        ("from-did-direct", "IN"),
        ("inbound-calls", "IN"),
        ("ext-did", "IN"),
        ("from-internal", "OUT"),
        ("outbound-allroutes", "OUT"),
        ("default", "OUT"),
    ],
)
def test_direction_follows_the_dialplan_context(
    opendialer: Any, api: TestClient, tmp_path: Path, context: str, direction: str
) -> None:
    line = FIRST_LINE.replace('"from-trunk"', f'"{context}"')
    opendialer("import", "cdr", write(tmp_path, "Master.csv", line), "--tenant", "314")

    assert [record["direction"] for record in read_back(api)] == [direction]


def test_a_file_without_uniqueid_is_still_loaded_once(
    opendialer: Any, api: TestClient, tmp_path: Path
) -> None:
    # cdr_csv with loguniqueid and loguserfield off writes the 16 standard columns only.
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows(
        fields[:16] for fields in csv.reader(io.StringIO(MASTER_CSV.read_text()))
    )
    path = write(tmp_path, "Master.csv", *buffer.getvalue().splitlines())

    first = opendialer("import", "cdr", path, "--tenant", "314")
    second = opendialer("import", "cdr", path, "--tenant", "314")

    assert "created: 4, duplicates: 0" in first.stdout, first.output
    assert "created: 0, duplicates: 4" in second.stdout, second.output
    assert all(record["uniqueId"] for record in read_back(api))


def test_newcdrcolumns_give_sequence_and_linkedid(
    opendialer: Any, api: TestClient, tmp_path: Path
) -> None:
    # With newcdrcolumns on, peeraccount, linkedid and sequence follow userfield; one call
    # can write several legs with one uniqueid and different sequence numbers.
    first_leg = FIRST_LINE + ',"","atl-ast2-1665457640.1430160","12"'
    second_leg = FIRST_LINE + ',"","atl-ast2-1665457640.1430160","13"'
    path = write(tmp_path, "Master.csv", first_leg, second_leg)

    result = opendialer("import", "cdr", path, "--tenant", "314")

    assert "created: 2, duplicates: 0" in result.stdout, result.output
    legs = sorted((r["uniqueId"], r["prevUniqueId"]) for r in read_back(api))
    assert legs == [
        ("atl-ast2-1665457640.1430167-12", "atl-ast2-1665457640.1430160"),
        ("atl-ast2-1665457640.1430167-13", "atl-ast2-1665457640.1430160"),
    ]


@pytest.mark.parametrize(
    ("bad_line", "words"),
    [
        ('"acct","123","456"', "line 3: 3 columns"),
        (FIRST_LINE.replace("2022-10-11 04:07:20", "2022-10-32 04:07:20"), "line 3: start"),
        (FIRST_LINE.replace(",4,2,", ",four,2,"), "line 3: duration"),
        (FIRST_LINE.replace(",4,2,", ",4,-2,"), "line 3: billsec -2 is negative"),
    ],
)
def test_a_bad_line_fails_the_file_with_a_message_naming_it(
    opendialer: Any, api: TestClient, tmp_path: Path, bad_line: str, words: str
) -> None:
    lines = MASTER_CSV.read_text().splitlines()
    path = write(tmp_path, "Master.csv", lines[0], lines[1], bad_line, lines[2])

    result = opendialer("import", "cdr", path, "--tenant", "314")

    assert result.exit_code == 1
    assert words in messages(result)
    assert read_back(api) == []


def test_a_file_that_is_not_utf8_is_refused_whole(
    opendialer: Any, api: TestClient, tmp_path: Path
) -> None:
    lines = MASTER_CSV.read_text().splitlines()
    latin1 = lines[1].replace('"6125550143"', '"Jos\u00e9"')
    path = tmp_path / "Master.csv"
    path.write_bytes("\n".join([lines[0], latin1, lines[2]]).encode("latin-1") + b"\n")

    result = opendialer("import", "cdr", str(path), "--tenant", "314")

    assert result.exit_code == 1
    assert "not UTF-8" in messages(result) and "nothing imported" in messages(result)
    assert read_back(api) == []


def test_a_line_with_a_value_too_long_is_rejected_and_the_rest_loaded(
    opendialer: Any, api: TestClient, tmp_path: Path
) -> None:
    lines = MASTER_CSV.read_text().splitlines()
    too_long = lines[1].replace('"6125550143"', '"' + "6" * 81 + '"')
    path = write(tmp_path, "Master.csv", lines[0], too_long, lines[2])

    result = opendialer("import", "cdr", path, "--tenant", "314")

    assert result.exit_code == 0, result.output
    assert "created: 2, duplicates: 0, rejected: 1" in result.stdout
    assert "line 2" in messages(result) and "dialedNum" in messages(result)
    assert len(read_back(api)) == 2


def test_an_unknown_tenant_is_refused(opendialer: Any, api: TestClient) -> None:
    result = opendialer("import", "cdr", str(MASTER_CSV), "--tenant", "999")

    assert result.exit_code == 1
    assert "999" in messages(result)


@pytest.mark.parametrize(
    "option", [("--timezone", "Mars/Olympus_Mons"), ("--direction", "SIDEWAYS")]
)
def test_a_bad_option_is_refused(opendialer: Any, option: tuple[str, str]) -> None:
    result = opendialer("import", "cdr", str(MASTER_CSV), "--tenant", "314", *option)

    assert result.exit_code == 2
    assert option[1] in messages(result) or "direction" in messages(result)


def test_a_missing_file_is_refused(opendialer: Any, tmp_path: Path) -> None:
    result = opendialer("import", "cdr", str(tmp_path / "nope.csv"), "--tenant", "314")

    assert result.exit_code == 2
    assert "does not exist" in messages(result)
