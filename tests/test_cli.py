"""The opendialer command, run against a database file of its own, checked through the API."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from opendialer.app import create_app
from opendialer.cli import app as cli
from opendialer.config import Settings

CLI_KEY = "cli-test-signing-key-not-for-production-use"
JWT = re.compile(r"[\w-]+\.[\w-]+\.[\w-]+")
DEMO_CAMPAIGN = "Early Stage Collections"
# The demo loads 40 contacts, and 8 more where it is daytime.

Run = Callable[..., Result]


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite file that the CLI and the API below both use, and nothing else."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("OPENDIALER_DATABASE_URL", url)
    monkeypatch.setenv("OPENDIALER_SECRET_KEY", CLI_KEY)
    monkeypatch.setenv("OPENDIALER_DAILY_CALL_LIST", "false")
    return url


@pytest.fixture
def run(database_file: str) -> Run:
    """Runs the command; unless `code` says otherwise, it must succeed."""

    def invoke(*args: Any, code: int = 0) -> Result:
        result = CliRunner().invoke(cli, [str(a) for a in args])
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        if code == 0:
            assert result.exception is None
        return result

    return invoke


@pytest.fixture
def api(run: Run, database_file: str) -> Iterator[TestClient]:
    """The API serving the CLI's database file."""
    run("db", "upgrade")
    app = create_app(Settings(database_url=database_file, secret_key=CLI_KEY))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def demo_token(run: Run, api: TestClient) -> str:
    return token_line(run("demo"))


def token_line(result: Result) -> str:
    """The token a command printed, checking it is all the command printed on stdout."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert JWT.fullmatch(lines[0]), lines[0]
    return lines[0]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def one_line(text: str) -> str:
    """Console output with line wrapping undone."""
    return " ".join(text.split())


def contact_count(api: TestClient, token: str) -> int:
    response = api.get("/dialler/contacts", headers=bearer(token))
    assert response.status_code == 200, response.text
    count: int = response.json()["count"]
    return count


def write_csv(tmp_path: Path, text: str, name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- database and demo -----------------------------------------------------------------------


def test_db_upgrade_builds_the_schema_and_can_run_again(run: Run, database_file: str) -> None:
    first = run("db", "upgrade")
    assert "up to date" in one_line(first.stderr)
    run("db", "upgrade")
    engine = create_engine(database_file)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"alembic_version", "tenants", "api_clients", "dialler_contacts"} <= tables


def test_demo_prints_a_working_token_alone_and_can_run_twice(run: Run, api: TestClient) -> None:
    first = run("demo")
    token = token_line(first)
    assert "demo data ready" in one_line(first.stderr)
    assert contact_count(api, token) == 48

    second = token_line(run("demo"))
    assert contact_count(api, second) == 48
    campaigns = api.get("/dialler/campaigns", headers=bearer(second)).json()
    assert [c["Name"] for c in campaigns["records"]] == [DEMO_CAMPAIGN]
    (campaign,) = campaigns["records"]
    assert (campaign["DialingMode"], campaign["DialingState"]) == ("agentless", "running")
    claims = jwt.decode(second, CLI_KEY, algorithms=["HS256"])
    assert (claims["role"], claims["tenant"]) == ("account_admin", 314)


# -- tenants, servicers, clients and tokens --------------------------------------------------


def test_created_client_credentials_work_at_the_token_endpoint(run: Run, api: TestClient) -> None:
    assert "tenant 500 created" in run("tenant", "create", 500, "--name", "Northwind").stdout
    created = run("servicer", "create", 500, 3, "--name", "Northwind Main")
    assert "servicer 3 of tenant 500 created" in created.stdout
    result = run("client", "create", "--role", "account_admin", "--tenant", 500, "--servicer", 3)
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("client_id=") and lines[1].startswith("client_secret=")
    client_id, secret = lines[0].split("=", 1)[1], lines[1].split("=", 1)[1]

    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    issued = api.post("/auth/token", data=form)
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    claims = jwt.decode(token, CLI_KEY, algorithms=["HS256"])
    assert (claims["tenant"], claims["servicer"], claims["role"]) == (500, 3, "account_admin")

    made = api.post("/dialler/campaigns", json={"Name": "Northwind"}, headers=bearer(token))
    assert made.status_code == 200, made.text
    assert made.json()["records"][0]["ClientsID"] == 500

    wrong = api.post("/auth/token", data={**form, "client_secret": secret + "x"})
    assert wrong.status_code == 401


def test_a_partner_client_acts_on_its_tenants(run: Run, api: TestClient) -> None:
    run("tenant", "create", 501, "--name", "Reseller One", "--partner", 9, "--billing-code", "R1")
    run("tenant", "create", 502, "--name", "Direct")
    lines = run("client", "create", "--role", "partner_admin", "--partner", 9).stdout.splitlines()
    credentials = dict(line.split("=", 1) for line in lines)
    issued = api.post("/auth/token", data={"grant_type": "client_credentials", **credentials})
    assert issued.status_code == 200, issued.text
    headers = bearer(issued.json()["access_token"])
    assert api.get("/dialler/campaigns", headers={**headers, "tenantid": "501"}).status_code == 200
    assert api.get("/dialler/campaigns", headers={**headers, "tenantid": "502"}).status_code == 404


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["tenant", "create", 314, "--name", "Again"], 1, "tenant 314 already exists"),
        (["tenant", "create", 0, "--name", "Zero"], 1, "positive"),
        (["tenant", "create", 600, "--name", "X", "--billing-code", "B"], 1, "--partner"),
        (["servicer", "create", 999, 1, "--name", "Nowhere"], 1, "tenant 999 does not exist"),
        (["servicer", "create", 314, 2, "--name", "Twice"], 1, "already exists"),
        (["client", "create", "--role", "root", "--tenant", 314], 2, "not a role"),
        (["client", "create", "--role", "agent"], 1, "names a tenant"),
        (["client", "create", "--role", "agent", "--tenant", 999], 1, "tenant 999 does not exist"),
        (["client", "create", "--role", "agent", "--tenant", 314, "--servicer", 99], 1, "99"),
        (["client", "create", "--role", "partner_admin", "--partner", 77], 1, "partner 77"),
        (["token", "issue", "--role", "agent", "--tenant", 999], 1, "tenant 999 does not exist"),
        (["token", "issue", "--role", "partner_admin", "--tenant", 314], 1, "partner"),
        (["token", "issue", "--role", "agent", "--tenant", 314, "--ttl", 86401], 1, "86400 s"),
        (["token", "issue", "--role", "agent", "--tenant", 314, "--ttl", 0], 1, "at least 1"),
        (["demo", "--ttl", 90000], 1, "OPENDIALER_TOKEN_MAX_TTL_SECONDS"),
        (["client", "revoke", "odc_nobody"], 1, "client odc_nobody does not exist"),
    ],
)
def test_create_and_issue_commands_refuse_bad_input(
    run: Run, demo_token: str, args: list[Any], code: int, message: str
) -> None:
    result = run(*args, code=code)
    assert message in one_line(result.stderr)
    assert "client_secret" not in result.stdout
    assert not JWT.search(result.stdout)


def test_token_issue_prints_only_the_token(run: Run, api: TestClient, demo_token: str) -> None:
    token = token_line(run("token", "issue", "--role", "agent", "--tenant", 314, "--ttl", 60))
    claims = jwt.decode(token, CLI_KEY, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 60
    assert contact_count(api, token) == 48
    refused = api.post("/dialler/campaigns", json={"Name": "Agent's"}, headers=bearer(token))
    assert refused.status_code == 403


def test_a_revoked_clients_tokens_stop_working_and_it_gets_no_new_ones(
    run: Run, api: TestClient, demo_token: str
) -> None:
    lines = run("client", "create", "--role", "account_admin", "--tenant", 314).stdout
    credentials = dict(line.split("=", 1) for line in lines.splitlines())
    form = {"grant_type": "client_credentials", **credentials}
    token = api.post("/auth/token", data=form).json()["access_token"]
    assert contact_count(api, token) == 48

    assert (
        f"client {credentials['client_id']} revoked"
        in run("client", "revoke", credentials["client_id"]).stdout
    )
    time.sleep(Settings().revocation_refresh_seconds)  # how stale the service's copy may be
    refused = api.get("/dialler/contacts", headers=bearer(token))
    again = run("client", "revoke", credentials["client_id"]).stdout
    listed = run("client", "list", "--tenant", 314).stdout.splitlines()

    assert refused.status_code == 401
    assert "revoked" in refused.json()["message"]
    assert api.post("/auth/token", data=form).status_code == 401
    assert contact_count(api, demo_token) == 48  # other tokens go on working
    assert "already revoked" in again
    assert listed[0].split("\t") == [
        "client_id",
        "role",
        "tenant",
        "servicer",
        "partner",
        "created",
        "revoked",
    ]
    (row,) = [line.split("\t") for line in listed[1:] if line.startswith(credentials["client_id"])]
    assert row[1:5] == ["account_admin", "314", "-", "-"] and row[6] != "-"
    assert credentials["client_secret"] not in "\n".join(listed)


@pytest.mark.parametrize("key", ["a", "x" * 31, "é" * 15])
def test_a_signing_key_shorter_than_32_bytes_is_refused_at_start(
    run: Run, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("OPENDIALER_SECRET_KEY", key)
    for command in (["serve"], ["db", "upgrade"], ["token", "issue", "--role", "agent"]):
        result = run(*command, code=1)
        assert "OPENDIALER_SECRET_KEY must be at least 32 bytes" in one_line(result.stderr)
    with pytest.raises(ValueError, match="OPENDIALER_SECRET_KEY"):
        create_app(Settings(secret_key=key))


def test_a_short_key_in_the_key_file_is_refused_too(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENDIALER_SECRET_KEY")
    (tmp_path / "cli.db.secret").write_text("short\n")
    result = run("db", "upgrade", code=1)
    assert "cli.db.secret must be at least 32 bytes" in one_line(result.stderr)


def test_the_database_its_journal_and_the_generated_key_are_private(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENDIALER_SECRET_KEY")
    token_line(run("demo"))
    # Another connection writing: SQLite makes the -wal and -shm files as it needs them.
    writer = sqlite3.connect(tmp_path / "cli.db")
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("UPDATE tenants SET name = name")
    writer.commit()
    try:
        files = {path.name: path.stat().st_mode & 0o777 for path in tmp_path.iterdir()}
    finally:
        writer.close()

    assert {"cli.db", "cli.db-wal", "cli.db-shm", "cli.db.secret"} <= set(files)
    assert set(files.values()) == {0o600}, files


# -- importing contacts ----------------------------------------------------------------------

HEADER = "Name,FirstName,PhoneNumber1,UserData,Amount,dtBeginDate,Comment\n"


def by_user_data(api: TestClient, token: str, user_data: str) -> list[dict[str, Any]]:
    response = api.get(
        "/dialler/contacts/contact", params={"userData": user_data}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


def test_import_reports_bad_rows_by_line_and_imports_the_rest(
    run: Run, api: TestClient, demo_token: str, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path,
        HEADER
        + "Rivera,Ana,(312) 555-0142,CSV-1,125.50,2024-05-01T00:00:00,\n"
        + 'Chen,Li,312-555-0143,CSV-2,80,,"two\nlines"\n'
        + "Okafor,Ngozi,312-555-0144,CSV-3,abc,,\n"
        + "Nowak,Jan,,CSV-4,10,,\n"
        + "Silva,Rui,312-555-0145,CSV-5,,not-a-date,\n"
        + "Berg,Ole,312-555-0146,CSV-6,,,\n",
    )
    result = run("import", "contacts", path, "--tenant", 314, "--campaign", DEMO_CAMPAIGN)
    assert result.stdout.strip() == "imported: 3, overwritten: 0, rejected: 3"
    errors = one_line(result.stderr)
    # The quoted comment spans lines 3 and 4, so the bad rows are on lines 5, 6 and 7.
    assert re.search(r"line 5: Amount", errors), errors
    assert re.search(r"line 6: missing mandatory field\(s\): at least one of PhoneNumber1", errors)
    assert re.search(r"line 7: dtBeginDate", errors), errors
    assert "line 2:" not in errors and "line 4:" not in errors and "line 8:" not in errors

    assert contact_count(api, demo_token) == 51
    [rivera] = by_user_data(api, demo_token, "CSV-1")
    assert rivera["Amount"] == 125.5
    assert rivera["dtBeginDate"] == "2024-05-01T00:00:00.000"
    assert rivera["PhoneNumber1E164"] == "+13125550142"
    [chen] = by_user_data(api, demo_token, "CSV-2")
    assert chen["Comment"] == "two\nlines"
    for rejected in ("CSV-3", "CSV-4", "CSV-5"):
        assert by_user_data(api, demo_token, rejected) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (HEADER.replace("Comment", "Name") + "Rivera,Ana,3125550142,C-1,1,,x\n", "line 1"),
        (HEADER + "Rivera,Ana,3125550142,C-1,1,,x\nChen,Li,3125550143,C-2,1,,y,z\n", "line 3"),
    ],
    ids=["a header naming Name twice", "a row with more cells than the header"],
)
def test_a_csv_whose_cells_cannot_be_told_apart_imports_nothing(
    run: Run, api: TestClient, demo_token: str, tmp_path: Path, text: str, words: str
) -> None:
    path = write_csv(tmp_path, text)
    result = run("import", "contacts", path, "--tenant", 314, "--campaign", DEMO_CAMPAIGN, code=1)
    assert words in one_line(result.stderr) and "nothing imported" in one_line(result.stderr)
    assert contact_count(api, demo_token) == 48


def test_strict_import_imports_nothing_when_a_row_is_bad(
    run: Run, api: TestClient, demo_token: str, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path,
        HEADER + "Rivera,Ana,3125550142,CSV-1,,,\nOkafor,Ngozi,3125550144,CSV-3,abc,,\n",
    )
    args = ("import", "contacts", path, "--tenant", 314, "--campaign", DEMO_CAMPAIGN)
    result = run(*args, "--strict", code=1)
    errors = one_line(result.stderr)
    assert "line 3: Amount" in errors
    assert "nothing imported" in errors
    assert "imported:" not in result.stdout
    assert contact_count(api, demo_token) == 48
    assert by_user_data(api, demo_token, "CSV-1") == []


def test_strict_import_of_good_rows_imports_them(
    run: Run, api: TestClient, demo_token: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, HEADER + "Rivera,Ana,3125550142,CSV-1,,,\n")
    args = ("import", "contacts", path, "--tenant", 314, "--campaign", DEMO_CAMPAIGN, "--strict")
    assert run(*args).stdout.strip() == "imported: 1, overwritten: 0, rejected: 0"
    assert contact_count(api, demo_token) == 49


def test_overwrite_duplicates_replaces_the_contact_with_the_same_user_data(
    run: Run, api: TestClient, demo_token: str, tmp_path: Path
) -> None:
    [original] = by_user_data(api, demo_token, "LN-100000")
    path = write_csv(
        tmp_path,
        HEADER
        + "Replaced,Ann,3125550100,LN-100000,999.5,,\n"
        + "Newcomer,Ned,3125550101,CSV-NEW,,,\n"
        + "Twice,Tom,3125550102,CSV-NEW,,,\n",
    )
    campaign_id = original["DiallerCampaignsID"]
    args = ("import", "contacts", path, "--tenant", 314, "--campaign-id", campaign_id)
    result = run(*args, "--overwrite-duplicates")
    assert result.stdout.strip() == "imported: 1, overwritten: 2, rejected: 0"
    assert contact_count(api, demo_token) == 49
    [replaced] = by_user_data(api, demo_token, "LN-100000")
    assert replaced["ID"] == original["ID"]
    assert (replaced["Name"], replaced["FirstName"], replaced["Amount"]) == (
        "Replaced",
        "Ann",
        999.5,
    )
    assert replaced["Email"] is None  # a field the file does not send is cleared
    [newcomer] = by_user_data(api, demo_token, "CSV-NEW")
    assert newcomer["Name"] == "Twice"

    again = run(*args)
    assert again.stdout.strip() == "imported: 3, overwritten: 0, rejected: 0"
    assert len(by_user_data(api, demo_token, "LN-100000")) == 2
    assert contact_count(api, demo_token) == 52


@pytest.mark.parametrize("column", ["Nmae", "[/bold]"])
def test_a_column_that_is_no_field_rejects_every_row(
    run: Run, api: TestClient, demo_token: str, tmp_path: Path, column: str
) -> None:
    path = write_csv(tmp_path, f"{column},PhoneNumber1\nRivera,3125550142\nChen,3125550143\n")
    result = run("import", "contacts", path, "--tenant", 314, "--campaign", DEMO_CAMPAIGN)
    assert result.stdout.strip() == "imported: 0, overwritten: 0, rejected: 2"
    errors = one_line(result.stderr)
    assert f"line 2: {column} is not a known field" in errors
    assert f"line 3: {column} is not a known field" in errors
    assert contact_count(api, demo_token) == 48


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (["--tenant", 999, "--campaign", DEMO_CAMPAIGN], "tenant 999 does not exist"),
        (["--tenant", 314, "--campaign", "Nope"], "DiallerCampaignsName 'Nope' does not exist"),
        (["--tenant", 314, "--campaign-id", 98765], "DiallerCampaignsID 98765 does not exist"),
        (["--tenant", 314, "--campaign", "[/bold]"], "DiallerCampaignsName '[/bold]' does not"),
        (["--tenant", 314], "give exactly one of --campaign-id and --campaign"),
        (["--tenant", 314, "--campaign", DEMO_CAMPAIGN, "--campaign-id", 1], "exactly one"),
    ],
)
def test_import_into_an_unknown_tenant_or_campaign_fails_clearly(
    run: Run,
    api: TestClient,
    demo_token: str,
    tmp_path: Path,
    target: list[Any],
    message: str,
) -> None:
    path = write_csv(tmp_path, HEADER + "Rivera,Ana,3125550142,CSV-1,,,\n")
    result = run("import", "contacts", path, *target, code=1)
    errors = one_line(result.stderr)
    assert errors.startswith("error:"), errors
    assert message in errors
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert contact_count(api, demo_token) == 48
