"""`opendialer dnc import` against a database of its own (SQLite, or a schema of the PostgreSQL
test database), a few lines a chunk so that small files cross chunks, checked through the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opendialer.auth.principal import Principal, Role
from opendialer.auth.tokens import issue_token
from opendialer.dnc import service
from tests.conftest import TEST_KEY, Run, command_line, service_over
from tests.dnc.conftest import new_campaign
from tests.dnc.helpers import Lists

CHUNK = 3


@pytest.fixture
def opendialer(monkeypatch: pytest.MonkeyPatch, cli_database_url: str) -> Run:
    """Runs the command against its database, CHUNK lines a chunk; tenants 314 and 315 exist."""
    monkeypatch.setattr(service, "IMPORT_CHUNK", CHUNK)
    run = command_line(monkeypatch, cli_database_url)
    run("tenant", "create", 314, "--name", "Acme Servicing")
    run("tenant", "create", 315, "--name", "Other Servicing")
    return run


@pytest.fixture
def api(opendialer: Run, cli_database_url: str) -> Iterator[TestClient]:
    """The API over the command's database, as a separate service would run it."""
    with service_over(cli_database_url) as client:
        yield client


def lists(api: TestClient, tenant: int = 314) -> Lists:
    token = issue_token(Principal("test", Role.ACCOUNT_ADMIN, tenant), TEST_KEY, 3600)
    return Lists(api, {"Authorization": f"Bearer {token}"})


def write(tmp_path: Path, text: str, name: str = "numbers.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_line(text: str) -> str:
    """Console output with line wrapping undone."""
    return " ".join(text.split())


def test_bad_lines_are_reported_and_the_others_imported(
    opendialer: Run, api: TestClient, tmp_path: Path
) -> None:
    acme = lists(api)
    assert acme.add("+13035550104").status_code == 201
    path = write(
        tmp_path,
        "(303) 555-0100\n"
        "\n"
        "303.555.0101\r\n"
        "   \n"
        "call me maybe\n"
        "+1 303 555 0100\n"  # the first line's number again
        "303-555-0102\n"
        "3035550104\n"  # listed already
        "12\n",
    )
    result = opendialer("dnc", "import", path, "--tenant", 314, "--source", "letter")
    assert result.stdout.strip() == "added: 3, already listed: 2, rejected: 2"
    errors = one_line(result.stderr)
    assert "line 5: 'call me maybe' is not a phone number" in errors
    assert "line 9: '12' is not a phone number" in errors
    assert errors.count("line ") == 2
    assert acme.numbers() == ["+13035550104", "+13035550100", "+13035550101", "+13035550102"]
    entry = acme.get("+13035550101").json()["data"]
    assert (entry["source"], entry["campaignId"], entry["tenantId"]) == ("letter", None, 314)
    assert lists(api, 315).numbers() == []

    again = opendialer("dnc", "import", path, "--tenant", 314)
    assert again.stdout.strip() == "added: 0, already listed: 5, rejected: 2"
    assert len(acme.numbers()) == 4


def test_a_csv_with_a_phone_number_column_fills_a_campaigns_list(
    opendialer: Run, api: TestClient, tmp_path: Path
) -> None:
    acme = lists(api)
    campaign = new_campaign(acme, "Early Stage")
    path = write(
        tmp_path,
        "name,phoneNumber,note\n"
        'Rivera,(303) 555-0100,"asked twice,\nin writing"\n'
        "Chen,303-555-0101,\n"
        "\n"
        "Okafor,,none\n"
        "Nowak,not a number,x\n"
        "Berg,+13035550102,\n",
        "numbers.csv",
    )
    result = opendialer("dnc", "import", path, "--tenant", 314, "--campaign", campaign)
    assert result.stdout.strip() == "added: 3, already listed: 0, rejected: 2"
    errors = one_line(result.stderr)
    # The quoted note spans lines 2 and 3, so the bad records are on lines 6 and 7.
    assert "line 6: '' is not a phone number" in errors
    assert "line 7: 'not a number' is not a phone number" in errors
    assert acme.numbers(campaign) == ["+13035550100", "+13035550101", "+13035550102"]
    assert acme.numbers() == []


def test_strict_imports_nothing_when_a_line_is_bad(
    opendialer: Run, api: TestClient, tmp_path: Path
) -> None:
    lines = [f"303-555-01{n:02d}" for n in range(8)]
    path = write(tmp_path, "\n".join([*lines, "nope", "303-555-0199"]) + "\n")
    result = opendialer("dnc", "import", path, "--tenant", 314, "--strict", code=1)
    errors = one_line(result.stderr)
    assert "line 9: 'nope' is not a phone number" in errors
    assert "--strict: nothing imported" in errors
    assert lists(api).numbers() == []

    good = write(tmp_path, "\n".join(lines) + "\n", "good.txt")
    result = opendialer("dnc", "import", good, "--tenant", 314, "--strict")
    assert result.stdout.strip() == "added: 8, already listed: 0, rejected: 0"


def test_a_file_that_is_not_utf8_imports_nothing(
    opendialer: Run, api: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "IMPORT_CHUNK", 500)
    path = tmp_path / "latin1.txt"
    # Good lines come first, more than the file's reads decode at once, so that chunks are
    # written before the bad bytes are read.
    good = "".join(f"303-555-{n:04d}\n" for n in range(3000)).encode()
    path.write_bytes(good + b"M\xfcller\n")
    result = opendialer("dnc", "import", path, "--tenant", 314, code=1)
    errors = one_line(result.stderr)
    assert str(path.name) in errors and "not a text file in UTF-8" in errors
    assert "nothing imported" in errors
    assert lists(api).numbers() == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--tenant", 999], "tenant 999 does not exist"),
        (["--tenant", 314, "--campaign", 987654321], "campaign 987654321 not found"),
        (["--tenant", 314, "--source", "s" * 101], "--source is longer than 100 characters"),
        (["--tenant", 314, "--source", "a\x00b"], "--source must not contain NUL"),
    ],
)
def test_an_unknown_tenant_or_campaign_or_a_bad_source_fails_clearly(
    opendialer: Run, api: TestClient, tmp_path: Path, args: list[Any], words: str
) -> None:
    path = write(tmp_path, "303-555-0100\n")
    result = opendialer("dnc", "import", path, *args, code=1)
    assert words in one_line(result.stderr)
    assert lists(api).numbers() == []


def test_another_tenants_campaign_is_not_found(
    opendialer: Run, api: TestClient, tmp_path: Path
) -> None:
    theirs = new_campaign(lists(api, 315), "Other Early Stage")
    path = write(tmp_path, "303-555-0100\n")
    result = opendialer("dnc", "import", path, "--tenant", 314, "--campaign", theirs, code=1)
    assert f"campaign {theirs} not found" in one_line(result.stderr)
    assert lists(api, 315).numbers(theirs) == []


def test_an_empty_file_adds_nothing(opendialer: Run, api: TestClient, tmp_path: Path) -> None:
    result = opendialer("dnc", "import", write(tmp_path, "\n\n"), "--tenant", 314)
    assert result.stdout.strip() == "added: 0, already listed: 0, rejected: 0"
