"""The loan commands (`import loans`, `bucket create`, `calllist build`, `demo`), run against a
database file of their own and checked through the API."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from bench.loan_feed import FIELDS, write_feed
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from opendialer.app import create_app
from opendialer.auth.principal import Principal, Role
from opendialer.auth.tokens import issue_token
from opendialer.cli import app as cli
from opendialer.config import Settings

KEY = "loans-cli-test-signing-key-not-for-production-use"
AS_OF = date(2020, 8, 3)

Run = Callable[..., Result]


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'loans.db'}"
    monkeypatch.setenv("OPENDIALER_DATABASE_URL", url)
    monkeypatch.setenv("OPENDIALER_SECRET_KEY", KEY)
    monkeypatch.setenv("OPENDIALER_DAILY_CALL_LIST", "false")
    return url


@pytest.fixture
def run(database_file: str) -> Run:
    """Runs the command; unless `code` says otherwise, it must succeed."""

    def invoke(*args: Any, code: int = 0) -> Result:
        result = CliRunner().invoke(cli, [str(a) for a in args])
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        return result

    return invoke


@pytest.fixture
def servicer(run: Run) -> int:
    """Tenant 314 with servicer 2, made with the CLI."""
    run("tenant", "create", 314, "--name", "Acme Servicing")
    run("servicer", "create", 314, 2, "--name", "Acme Main")
    return 2


@pytest.fixture
def api(database_file: str, servicer: int) -> Iterator[TestClient]:
    """The API serving the CLI's database file."""
    app = create_app(Settings(database_url=database_file, secret_key=KEY, daily_call_list=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def headers(tenant: int = 314, servicer: int | None = 2) -> dict[str, str]:
    token = issue_token(Principal("test", Role.ACCOUNT_ADMIN, tenant, None, None), KEY, 3600)
    sent = {"Authorization": f"Bearer {token}", "tenantid": str(tenant)}
    if servicer is not None:
        sent["servicerid"] = str(servicer)
    return sent


def everything(api: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every record of a listing, following `next` links."""
    records: list[dict[str, Any]] = []
    link: str | None = path
    first = True
    while link is not None:
        response = api.get(
            link, params={"limit": 1000, **params} if first else None, headers=headers()
        )
        assert response.status_code == 200, response.text
        body = response.json()
        records += body["data"]
        link = body["paging"]["links"].get("next") if "paging" in body else None
        first = False
    return records


def one_line(text: str) -> str:
    return " ".join(text.split())


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def feed_row(n: int, **fields: str) -> dict[str, str]:
    return {
        **dict.fromkeys(FIELDS, ""),
        "lenderName": "Example Lender",
        "loanNumber": f"{672182867000 + n}",
        "loanExternalReferenceId": f"LN-{n}",
        "loanStatus": "repayment",
        "loanPaidToDate": "2020-06-02",
        "loanPastAmountDue": "425",
        "loanInterestBalance": "109.65",
        "borrowerExternalReferenceId": f"BR-{n}",
        "borrowerFirstName": "Henry",
        "borrowerLastName": "Hudson",
        "borrowerPhoneNumber": f"(303) 696-{3300 + n}",
        "borrowerCellPhoneConsent": "false",
        "borrowerState": "CO",
        "borrowerPostalCode": "80202",
        **fields,
    }


# -- import loans ----------------------------------------------------------------------------


def test_importing_a_feed_creates_every_loan_and_re_importing_changes_nothing(
    run: Run, api: TestClient, tmp_path: Path
) -> None:
    path = tmp_path / "feed.csv"
    write_feed(str(path), 120, AS_OF)
    first = run("import", "loans", path, "--tenant", 314, "--servicer", 2)
    assert first.stdout.strip() == "created: 120, updated: 0, unchanged: 0, rejected: 0"
    loans = everything(api, "/loans")
    borrowers = everything(api, "/borrowers")
    assert len(loans) == 120 and len(borrowers) == 120
    assert len(everything(api, "/lenders")) <= 4
    with path.open(newline="") as handle:
        rows = {row["loanExternalReferenceId"]: row for row in csv.DictReader(handle)}
    for loan in loans:
        sent = rows[loan["loanExternalReferenceId"]]
        assert loan["loanStatus"] == sent["loanStatus"]
        assert loan["loanPaidToDate"] == sent["loanPaidToDate"]
        assert loan["loanPastAmountDue"] == float(sent["loanPastAmountDue"])
    consent = {b["borrowerExternalReferenceId"]: b["borrowerCellPhoneConsent"] for b in borrowers}
    by_borrower = {row["borrowerExternalReferenceId"]: row for row in rows.values()}
    assert consent == {
        ref: row["borrowerCellPhoneConsent"] == "True" for ref, row in by_borrower.items()
    }

    again = run("import", "loans", path, "--tenant", 314, "--servicer", 2)
    assert again.stdout.strip() == "created: 0, updated: 0, unchanged: 120, rejected: 0"
    assert everything(api, "/loans") == loans
    assert everything(api, "/borrowers") == borrowers


def test_a_changed_feed_updates_only_the_changed_loans(
    run: Run, api: TestClient, tmp_path: Path
) -> None:
    rows = [feed_row(n) for n in range(1, 5)]
    path = write_rows(tmp_path / "feed.csv", rows)
    run("import", "loans", path, "--tenant", 314, "--servicer", 2)
    rows[2]["loanPaidToDate"] = "2020-07-02"
    rows.append(feed_row(5))
    write_rows(path, rows)
    result = run("import", "loans", path, "--tenant", 314, "--servicer", 2)
    assert result.stdout.strip() == "created: 1, updated: 1, unchanged: 3, rejected: 0"
    [changed] = everything(api, "/loans", externalreferenceid="LN-3")
    assert changed["loanPaidToDate"] == "2020-07-02"


def test_bad_lines_are_reported_by_line_and_the_rest_imported(
    run: Run, api: TestClient, tmp_path: Path
) -> None:
    rows = [
        feed_row(1),
        feed_row(2, loanStatus="late"),
        feed_row(3, loanPaidToDate="2020-02-30"),
        feed_row(4, borrowerType="cosigner"),
        feed_row(5),
    ]
    path = write_rows(tmp_path / "feed.csv", rows)
    result = run("import", "loans", path, "--tenant", 314, "--servicer", 2)
    assert result.stdout.strip() == "created: 2, updated: 0, unchanged: 0, rejected: 3"
    errors = one_line(result.stderr)
    assert "line 3: loanStatus" in errors
    assert "line 4: loanPaidToDate" in errors
    assert "line 5: borrowerType" in errors
    assert "line 2" not in errors and "line 6" not in errors
    assert sorted(loan["loanExternalReferenceId"] for loan in everything(api, "/loans")) == [
        "LN-1",
        "LN-5",
    ]
    again = run("import", "loans", path, "--tenant", 314, "--servicer", 2)
    assert again.stdout.strip() == "created: 0, updated: 0, unchanged: 2, rejected: 3"


def test_a_file_whose_cells_cannot_be_told_apart_is_refused_naming_the_line(
    run: Run, api: TestClient, tmp_path: Path
) -> None:
    good = write_rows(tmp_path / "feed.csv", [feed_row(1), feed_row(2)]).read_text()
    header, first, second = good.splitlines()
    twice = tmp_path / "twice.csv"
    twice.write_text(f"{header},loanNumber\n{first},1\n")
    wide = tmp_path / "wide.csv"
    wide.write_text(f"{header}\n{first}\n{second},extra\n")

    named_twice = run("import", "loans", twice, "--tenant", 314, "--servicer", 2, code=1)
    too_wide = run("import", "loans", wide, "--tenant", 314, "--servicer", 2, code=1)

    assert "line 1: the header names loanNumber more than once" in one_line(named_twice.stderr)
    assert "line 3: " in one_line(too_wide.stderr) and "cells" in one_line(too_wide.stderr)
    assert "nothing imported" in one_line(too_wide.stderr)
    assert everything(api, "/loans") == []


def test_a_strict_import_of_a_file_with_a_bad_line_imports_nothing(
    run: Run, api: TestClient, tmp_path: Path
) -> None:
    path = write_rows(tmp_path / "feed.csv", [feed_row(1), feed_row(2, loanStatus="late")])
    result = run("import", "loans", path, "--tenant", 314, "--servicer", 2, "--strict", code=1)
    assert "line 3: loanStatus" in one_line(result.stderr)
    assert everything(api, "/loans") == []


def test_a_feed_without_borrower_type_or_consent_columns_imports(
    run: Run, api: TestClient, tmp_path: Path
) -> None:
    path = tmp_path / "feed.csv"
    path.write_text(
        "loanExternalReferenceId,loanStatus,loanPaidToDate,borrowerExternalReferenceId,"
        "borrowerPhoneNumber\nLN-1,repayment,2020-06-02,BR-1,303.696.3303\n"
    )
    result = run("import", "loans", path, "--tenant", 314, "--servicer", 2)
    assert result.stdout.strip() == "created: 1, updated: 0, unchanged: 0, rejected: 0"
    [borrower] = everything(api, "/borrowers")
    assert (borrower["borrowerType"], borrower["borrowerCellPhoneConsent"]) == ("borrower", False)


def test_importing_into_an_unknown_tenant_or_servicer_fails_clearly(
    run: Run, servicer: int, tmp_path: Path
) -> None:
    path = write_rows(tmp_path / "feed.csv", [feed_row(1)])
    result = run("import", "loans", path, "--tenant", 314, "--servicer", 9, code=1)
    assert "servicer 9" in one_line(result.stderr)
    result = run("import", "loans", path, "--tenant", 999, "--servicer", 2, code=1)
    assert "tenant 999" in one_line(result.stderr)


# -- bucket create and calllist build --------------------------------------------------------


def test_bucket_create_makes_a_bucket_the_api_shows(run: Run, api: TestClient) -> None:
    result = run(
        "bucket", "create", "--tenant", 314, "--servicer", 2, "--call-code", "DD-001",
        "--days", "60-74", "--attempts", 4, "--contacts", 1,
    )  # fmt: skip
    assert "DD-001" in result.stdout and "60-74" in result.stdout
    [bucket] = everything(api, "/buckets")
    assert {k: bucket[k] for k in list(bucket)[2:7]} == {
        "callCode": "DD-001",
        "callDaysStart": 60,
        "callDaysEnd": 74,
        "callAttemptsPerBucket": 4,
        "callContactsPerBucket": 1,
    }
    assert bucket["bucketId"] in result.stdout


def test_bucket_create_refuses_overlaps_and_bad_ranges(run: Run, api: TestClient) -> None:
    args = ["bucket", "create", "--tenant", 314, "--servicer", 2, "--attempts", 4, "--contacts", 1]
    run(*args, "--call-code", "DD-001", "--days", "60-74")
    overlap = run(*args, "--call-code", "DD-002", "--days", "70-80", code=1)
    assert "overlap" in one_line(overlap.stderr)
    run(*args, "--call-code", "DD-003", "--days", "60", code=2)
    run(*args, "--call-code", "DD-003", "--days", "sixty-74", code=2)
    backwards = run(*args, "--call-code", "DD-003", "--days", "90-80", code=1)
    assert "callDaysStart" in one_line(backwards.stderr)
    unknown = run(
        "bucket", "create", "--tenant", 314, "--servicer", 9, "--call-code", "X",
        "--days", "1-2", "--attempts", 1, "--contacts", 1, code=1,
    )  # fmt: skip
    assert "servicer 9" in one_line(unknown.stderr)
    assert [b["callCode"] for b in everything(api, "/buckets")] == ["DD-001"]


def loans_in_a_bucket(run: Run, tmp_path: Path) -> Path:
    """300 loans of servicer 2 imported, and a DD-001 bucket for 60 to 74 days late; answers
    the feed's path."""
    path = tmp_path / "feed.csv"
    write_feed(str(path), 300, AS_OF)
    run("import", "loans", path, "--tenant", 314, "--servicer", 2)
    run(
        "bucket", "create", "--tenant", 314, "--servicer", 2, "--call-code", "DD-001",
        "--days", "60-74", "--attempts", 4, "--contacts", 1,
    )  # fmt: skip
    return path


def test_calllist_build_lists_the_loans_in_their_buckets(
    run: Run, api: TestClient, tmp_path: Path
) -> None:
    path = loans_in_a_bucket(run, tmp_path)
    with path.open(newline="") as handle:
        expected = {
            row["loanExternalReferenceId"]: (AS_OF - date.fromisoformat(row["loanPaidToDate"])).days
            for row in csv.DictReader(handle)
            if row["loanStatus"] == "repayment"
            and 60 <= (AS_OF - date.fromisoformat(row["loanPaidToDate"])).days <= 74
        }
    assert expected
    result = run("calllist", "build", "--tenant", 314, "--as-of", "2020-08-03")
    assert result.stdout.strip() == f"2020-08-03: servicer 2: {len(expected)} calls"
    calls = everything(api, "/dialer/calls")
    assert {c["loanExternalReferenceId"]: c["loanDaysLate"] for c in calls} == expected
    assert {c["callCode"] for c in calls} == {"DD-001"}
    assert {c["createdDate"][:10] for c in calls} == {"2020-08-03"}
    # rebuilding the day replaces its list
    run("calllist", "build", "--tenant", 314, "--as-of", "2020-08-03")
    rebuilt = everything(api, "/dialer/calls")
    assert len(rebuilt) == len(calls)
    assert not {c["callId"] for c in calls} & {c["callId"] for c in rebuilt}


def test_calllist_sync_makes_a_campaign_of_the_list(
    run: Run, api: TestClient, tmp_path: Path
) -> None:
    loans_in_a_bucket(run, tmp_path)
    run("calllist", "build", "--tenant", 314, "--as-of", "2020-08-03")
    calls = everything(api, "/dialer/calls")

    first = run("calllist", "sync", "--tenant", 314)

    line = first.stdout.strip()
    assert "'Call list DD-001 (servicer 2)' (new)" in line
    phoned = sum(1 for c in calls if c.get("borrowerPhoneNumber"))
    assert phoned > 0
    assert f"{phoned} contacts added" in line
    again = run("calllist", "sync", "--tenant", 314, "--servicer", 2).stdout.strip()
    assert "(new)" not in again and f"{phoned} refreshed" in again
    unknown = run("calllist", "sync", "--tenant", 999, code=1)
    assert "tenant 999" in one_line(unknown.stderr)


def test_calllist_build_without_buckets_or_with_a_bad_date(run: Run, servicer: int) -> None:
    result = run("calllist", "build", "--tenant", 314, "--as-of", "2020-08-03")
    assert "nothing built" in result.stdout
    run("calllist", "build", "--tenant", 314, "--as-of", "2020-13-01", code=2)
    unknown = run("calllist", "build", "--tenant", 999, code=1)
    assert "tenant 999" in one_line(unknown.stderr)


# -- demo ------------------------------------------------------------------------------------


def test_demo_loads_buckets_and_loans_spread_over_them(run: Run, database_file: str) -> None:
    token = run("demo").stdout.strip()
    app = create_app(Settings(database_url=database_file, secret_key=KEY, daily_call_list=False))
    with TestClient(app, raise_server_exceptions=False) as api:
        sent = {"Authorization": f"Bearer {token}", "tenantid": "314", "servicerid": "2"}
        buckets = api.get("/buckets", headers=sent).json()["data"]
        spans = {b["callCode"]: (b["callDaysStart"], b["callDaysEnd"]) for b in buckets}
        assert len(spans) >= 3
        loans = api.get("/loans", params={"limit": 1000}, headers=sent).json()["data"]
        assert 200 <= len(loans) <= 1000
        calls = api.get("/dialer/calls", params={"limit": 1000}, headers=sent).json()["data"]
        today = datetime.now(UTC).date().isoformat()
        assert {c["createdDate"][:10] for c in calls} == {today}
        for call in calls:
            start, end = spans[call["callCode"]]
            assert start <= call["loanDaysLate"] <= end
            assert call["loanStatus"] == "repayment"
        assert {c["callCode"] for c in calls} == set(spans)
        # idempotent: a second run adds no buckets or loans
        run("demo")
        assert len(api.get("/buckets", headers=sent).json()["data"]) == len(buckets)
        again = api.get("/loans", params={"limit": 1000}, headers=sent).json()["data"]
        assert len(again) == len(loans)


def test_a_line_with_borrower_or_lender_fields_but_not_their_key_is_reported(
    run: Run, api: TestClient, tmp_path: Path
) -> None:
    rows = [
        feed_row(1),
        feed_row(2, borrowerExternalReferenceId=""),
        feed_row(3, lenderName="", lenderShortName="Example"),
        feed_row(4),
    ]
    path = write_rows(tmp_path / "feed.csv", rows)
    result = run("import", "loans", path, "--tenant", 314, "--servicer", 2)
    assert result.stdout.strip() == "created: 2, updated: 0, unchanged: 0, rejected: 2"
    errors = one_line(result.stderr)
    assert "line 3: borrowerExternalReferenceId" in errors
    assert "line 4: lenderName" in errors
    assert len(everything(api, "/loans")) == 2


@pytest.mark.parametrize("second_process", ["--second-process", "--no-second-process"])
def test_a_large_feed_read_in_either_process_imports_the_same(
    run: Run, api: TestClient, tmp_path: Path, second_process: str
) -> None:
    # More than two of the import's chunks, with bad rows on either side of a chunk's end and
    # a quoted value whose line breaks make a record's lines outnumber its rows (a name may
    # hold no line break: that row is a bad one too, named by its record's last line).
    rows = [feed_row(n) for n in range(1, 12_002)]
    rows[0]["borrowerLastName"] = 'Hudson "Hank"\nof\nHudson Bay'
    for n in (2, 4_999, 5_000, 5_001, 12_001):
        rows[n - 1]["loanStatus"] = "late"
    path = write_rows(tmp_path / "feed.csv", rows)
    result = run("import", "loans", path, "--tenant", 314, "--servicer", 2, second_process)
    assert result.stdout.strip() == "created: 11995, updated: 0, unchanged: 0, rejected: 6"
    # Row n is on line n + 1, after the header, plus the two line breaks of row 1.
    bad_lines = [line.split(":")[0] for line in result.stderr.splitlines() if "line " in line]
    assert bad_lines == ["line 4"] + [f"line {n + 3}" for n in (2, 4_999, 5_000, 5_001, 12_001)]
    assert "line 4: borrowerLastName" in one_line(result.stderr)
    assert everything(api, "/borrowers", externalreferenceid="BR-1") == []
    again = run("import", "loans", path, "--tenant", 314, "--servicer", 2, second_process)
    assert again.stdout.strip() == "created: 0, updated: 0, unchanged: 11995, rejected: 6"


@pytest.mark.parametrize("second_process", ["--second-process", "--no-second-process"])
def test_keys_named_again_in_a_later_chunk_change_what_an_earlier_one_created(
    run: Run, api: TestClient, tmp_path: Path, second_process: str
) -> None:
    # 6,000 loans, more than one of the import's chunks; then loan LN-2 again, moved to
    # borrower BR-1, which is named again with a new first name.
    rows = [feed_row(n) for n in range(1, 6_001)]
    rows.append(
        feed_row(2, loanStatus="forbearance", borrowerExternalReferenceId="BR-1")
        | {"borrowerFirstName": "Hank", "borrowerPhoneNumber": "(303) 696-3301"}
    )
    path = write_rows(tmp_path / "feed.csv", rows)
    result = run("import", "loans", path, "--tenant", 314, "--servicer", 2, second_process)
    assert result.stdout.strip() == "created: 6000, updated: 1, unchanged: 0, rejected: 0"
    [moved] = everything(api, "/loans", externalreferenceid="LN-2")
    [first] = everything(api, "/borrowers", externalreferenceid="BR-1")
    assert moved["loanStatus"] == "forbearance"
    assert moved["borrowerId"] == first["borrowerId"]
    assert first["borrowerFirstName"] == "Hank"
    assert len(everything(api, "/borrowers")) == 6000
    again = run("import", "loans", path, "--tenant", 314, "--servicer", 2, second_process)
    # The file's first LN-2 differs from its last: re-imported, it changes what the last one
    # set, and the last one changes it back.
    assert again.stdout.strip() == "created: 0, updated: 2, unchanged: 5999, rejected: 0"
    [after] = everything(api, "/loans", externalreferenceid="LN-2")
    assert (after["loanStatus"], after["borrowerId"]) == ("forbearance", first["borrowerId"])
    assert everything(api, "/borrowers", externalreferenceid="BR-1")[0]["borrowerFirstName"] == (
        "Hank"
    )


def test_a_feed_that_is_not_utf8_fails_clearly_in_the_second_process(
    run: Run, api: TestClient, tmp_path: Path
) -> None:
    path = write_rows(tmp_path / "feed.csv", [feed_row(n) for n in range(1, 4)])
    path.write_bytes(path.read_bytes() + "LN-9,Caf\u00e9".encode("latin-1"))
    single = run("import", "loans", path, "--tenant", 314, "--servicer", 2, code=1)
    second = run(
        "import", "loans", path, "--tenant", 314, "--servicer", 2, "--second-process", code=1
    )
    assert one_line(second.stderr) == one_line(single.stderr)
    assert "utf-8" in one_line(second.stderr).lower()
    assert everything(api, "/loans") == []
