"""A borrower's phone line type and cell-phone consent with its date and source
(`borrowerPhoneLineType`, `borrowerCellPhoneConsent`, `borrowerCellPhoneConsentDate`,
`borrowerCellPhoneConsentSource`) as a client sets and reads them: by POST and PATCH
/borrowers, by the loan feed (`POST /loans/bulk`, `opendialer import loans`), with their
defaults, their refusals and a consent revoked."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import Result

from opendialer.auth.principal import Principal, Role
from opendialer.auth.tokens import issue_token
from opendialer.db.session import Database
from opendialer.loans.models import Borrower
from tests.conftest import TEST_KEY, Run, command_line, service_over
from tests.loans.helpers import Book, assert_error, data

CONSENT = (
    "borrowerPhoneLineType",
    "borrowerCellPhoneConsent",
    "borrowerCellPhoneConsentDate",
    "borrowerCellPhoneConsentSource",
)
DEFAULTS = dict(zip(CONSENT, ("unknown", False, None, None), strict=True))
GIVEN = {
    "borrowerPhoneLineType": "cell",
    "borrowerCellPhoneConsent": True,
    "borrowerCellPhoneConsentDate": "2024-03-01T15:30:00Z",
    "borrowerCellPhoneConsentSource": "web form, account opening",
}
GIVEN_ANSWERED = {**GIVEN, "borrowerCellPhoneConsentDate": "2024-03-01T15:30:00.000Z"}
REVOKED = {
    "borrowerCellPhoneConsent": False,
    "borrowerCellPhoneConsentDate": "2024-06-10T18:05:00Z",
    "borrowerCellPhoneConsentSource": "call recording: consumer said stop",
}
REVOKED_ANSWERED = {
    **GIVEN_ANSWERED,
    **REVOKED,
    "borrowerCellPhoneConsentDate": "2024-06-10T18:05:00.000Z",
}
BULK = "/loans/bulk"


def consent_of(record: dict[str, Any]) -> dict[str, Any]:
    return {field: record[field] for field in CONSENT}


def borrower_path(record: dict[str, Any]) -> str:
    return f"/borrowers/{record['borrowerId']}"


def fetch(book: Book, record: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = data(book.client.get(borrower_path(record), headers=book.headers))
    return found


def by_key(book: Book, key: str) -> dict[str, Any]:
    response = book.client.get(
        "/borrowers", params={"externalreferenceid": key}, headers=book.headers
    )
    (found,) = data(response)
    assert isinstance(found, dict)
    return found


def patch(book: Book, record: dict[str, Any], **fields: Any) -> Any:
    return book.client.patch(borrower_path(record), json=fields, headers=book.headers)


# -- /borrowers ------------------------------------------------------------------------------


def test_a_new_borrower_has_an_unknown_line_type_and_no_consent(book: Book) -> None:
    created = book.borrower()

    assert consent_of(created) == DEFAULTS
    assert consent_of(fetch(book, created)) == DEFAULTS
    assert consent_of(by_key(book, created["borrowerExternalReferenceId"])) == DEFAULTS


def test_post_sets_the_line_type_and_consent_with_its_date_and_source(
    book: Book, database: Database
) -> None:
    created = book.borrower(**GIVEN)

    assert consent_of(created) == GIVEN_ANSWERED
    assert consent_of(fetch(book, created)) == GIVEN_ANSWERED
    with database.transaction() as session:
        stored = session.get(Borrower, created["borrowerId"])
        assert stored is not None
        assert (stored.phone_line_type, stored.cell_phone_consent) == ("cell", True)


def test_null_is_the_default_on_create(book: Book) -> None:
    created = book.borrower(**dict.fromkeys(CONSENT))

    assert consent_of(created) == DEFAULTS


@pytest.mark.parametrize(
    "sent, answered",
    [
        ("2024-03-01T15:30:00", "2024-03-01T15:30:00.000Z"),
        ("2024-03-01T15:30:00.250Z", "2024-03-01T15:30:00.250Z"),
        ("2024-03-01T09:30:00-06:00", "2024-03-01T15:30:00.000Z"),
        ("2024-03-02T00:30:00+09:00", "2024-03-01T15:30:00.000Z"),
        # A date alone is its first moment, in UTC.
        ("2024-03-01", "2024-03-01T00:00:00.000Z"),
    ],
)
def test_a_consent_date_is_a_moment_answered_in_utc(book: Book, sent: str, answered: str) -> None:
    created = book.borrower(borrowerCellPhoneConsentDate=sent)

    assert created["borrowerCellPhoneConsentDate"] == answered
    assert fetch(book, created)["borrowerCellPhoneConsentDate"] == answered


@pytest.mark.parametrize(
    "field, value",
    [
        ("borrowerPhoneLineType", "mobile"),
        ("borrowerPhoneLineType", "CELL"),
        ("borrowerPhoneLineType", 1),
        ("borrowerCellPhoneConsent", "maybe"),
        ("borrowerCellPhoneConsentDate", 0),
        ("borrowerCellPhoneConsentDate", "1709307000"),
        ("borrowerCellPhoneConsentDate", "2024-02-30T10:00:00Z"),
        ("borrowerCellPhoneConsentSource", "x" * 101),
    ],
)
def test_a_bad_value_is_400_naming_the_field_and_changes_nothing(
    book: Book, field: str, value: Any
) -> None:
    body = {"borrowerExternalReferenceId": "BR-X", field: value}

    assert_error(book.client.post("/borrowers", json=body, headers=book.headers), 400, field)

    assert data(book.client.get("/borrowers", headers=book.headers)) == []
    created = book.borrower(**GIVEN)
    assert_error(patch(book, created, **{field: value}), 400, field)
    assert fetch(book, created) == created


def test_a_line_types_message_names_the_words_it_takes(book: Book) -> None:
    body = {"borrowerPhoneLineType": "mobile"}

    response = book.client.post("/borrowers", json=body, headers=book.headers)

    assert response.json() == {
        "status": 400,
        "error": "Bad Request",
        "message": "borrowerPhoneLineType: Input should be 'cell', 'landline' or 'unknown'",
    }


def test_patch_changes_what_it_sends_and_null_gives_back_the_default(book: Book) -> None:
    created = book.borrower(**GIVEN)

    source_only = data(patch(book, created, borrowerCellPhoneConsentSource="IVR"))
    assert consent_of(source_only) == {**GIVEN_ANSWERED, "borrowerCellPhoneConsentSource": "IVR"}
    landline = data(patch(book, created, borrowerPhoneLineType="landline"))
    assert landline["borrowerPhoneLineType"] == "landline"
    assert landline["borrowerCellPhoneConsent"] is True

    cleared = data(patch(book, created, **dict.fromkeys(CONSENT)))

    assert consent_of(cleared) == DEFAULTS
    assert consent_of(fetch(book, created)) == DEFAULTS


def test_a_revoked_consent_is_stored_and_answered_with_its_date_and_source(
    book: Book, database: Database
) -> None:
    created = book.borrower(**GIVEN)

    revoked = data(patch(book, created, **REVOKED))

    assert consent_of(revoked) == REVOKED_ANSWERED
    assert consent_of(fetch(book, created)) == REVOKED_ANSWERED
    assert revoked["updatedDate"] >= created["updatedDate"]
    with database.transaction() as session:
        stored = session.get(Borrower, created["borrowerId"])
        assert stored is not None
        assert stored.cell_phone_consent is False
        assert stored.cell_phone_consent_source == REVOKED["borrowerCellPhoneConsentSource"]


# -- POST /loans/bulk ------------------------------------------------------------------------


def row(n: int, **fields: Any) -> dict[str, Any]:
    """Feed row `n`: a loan and its borrower."""
    return {
        "loanExternalReferenceId": f"LN-{n}",
        "loanStatus": "repayment",
        "loanPaidToDate": "2020-06-02",
        "borrowerExternalReferenceId": f"BR-{n}",
        "borrowerLastName": "Hudson",
        "borrowerPhoneNumber": f"(303) 696-{3300 + n}",
        **fields,
    }


def send(book: Book, rows: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = data(book.client.post(BULK, json=rows, headers=book.headers))
    return counts


def test_a_feed_creates_borrowers_with_their_consent_or_the_defaults(book: Book) -> None:
    counts = send(book, [row(1, **GIVEN), row(2), row(3, **dict.fromkeys(CONSENT))])

    assert counts == {"created": 3, "updated": 0, "unchanged": 0}
    assert consent_of(by_key(book, "BR-1")) == GIVEN_ANSWERED
    assert consent_of(by_key(book, "BR-2")) == DEFAULTS
    assert consent_of(by_key(book, "BR-3")) == DEFAULTS


def test_a_feed_sent_again_changes_no_borrower(book: Book) -> None:
    rows = [row(1, **GIVEN), row(2, borrowerPhoneLineType="landline")]
    send(book, rows)
    before = [by_key(book, "BR-1"), by_key(book, "BR-2")]

    assert send(book, rows) == {"created": 0, "updated": 0, "unchanged": 2}

    # Not even the updatedDate: the consent date read back compares equal to the one sent.
    assert [by_key(book, "BR-1"), by_key(book, "BR-2")] == before


def test_a_feed_revokes_consent_and_leaves_what_a_row_does_not_send(book: Book) -> None:
    send(book, [row(1, **GIVEN), row(2, **GIVEN)])
    before = by_key(book, "BR-2")

    send(book, [row(1, **REVOKED), row(2, borrowerFirstName="Henry")])

    assert consent_of(by_key(book, "BR-1")) == REVOKED_ANSWERED
    after = by_key(book, "BR-2")
    assert consent_of(after) == GIVEN_ANSWERED
    assert after["borrowerFirstName"] == "Henry" != before["borrowerFirstName"]


def test_a_feed_row_sending_null_gives_back_the_defaults(book: Book) -> None:
    send(book, [row(1, **GIVEN)])

    send(book, [row(1, **dict.fromkeys(CONSENT))])

    assert consent_of(by_key(book, "BR-1")) == DEFAULTS


def test_a_bad_line_type_in_a_feed_is_400_naming_the_row_and_stores_nothing(book: Book) -> None:
    send(book, [row(1, **GIVEN)])
    rows = [row(1, **REVOKED), row(2, borrowerPhoneLineType="mobile")]

    response = book.client.post(BULK, json=rows, headers=book.headers)

    assert_error(response, 400, "[1].borrowerPhoneLineType", "'cell', 'landline' or 'unknown'")
    assert consent_of(by_key(book, "BR-1")) == GIVEN_ANSWERED
    assert len(data(book.client.get("/loans", headers=book.headers))) == 1


def test_a_borrower_created_by_post_is_revoked_by_the_feed(book: Book) -> None:
    created = book.borrower(**GIVEN)
    key = created["borrowerExternalReferenceId"]

    send(book, [row(1, borrowerExternalReferenceId=key, **REVOKED)])

    assert consent_of(fetch(book, created)) == REVOKED_ANSWERED


# -- opendialer import loans -----------------------------------------------------------------

FILE_FIELDS = [
    "loanExternalReferenceId",
    "loanStatus",
    "borrowerExternalReferenceId",
    "borrowerPhoneNumber",
    *CONSENT,
]
HEADERS = {
    "Authorization": "Bearer "
    + issue_token(Principal("test", Role.ACCOUNT_ADMIN, 314), TEST_KEY, 3600),
    "tenantid": "314",
    "servicerid": "2",
}


@pytest.fixture
def opendialer(monkeypatch: pytest.MonkeyPatch, cli_database_url: str) -> Run:
    """Runs the command against its own database; tenant 314 with servicer 2 exists."""
    run = command_line(monkeypatch, cli_database_url)
    run("tenant", "create", 314, "--name", "Acme Servicing")
    run("servicer", "create", 314, 2, "--name", "Acme Main")
    return run


@pytest.fixture
def api(opendialer: Run, cli_database_url: str) -> Iterator[TestClient]:
    """The API over the command's database."""
    with service_over(cli_database_url) as client:
        yield client


def write_feed(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FILE_FIELDS)
        writer.writerows(rows)
    return path


def file_borrowers(api: TestClient) -> dict[str, dict[str, Any]]:
    response = api.get("/borrowers", params={"limit": 1000}, headers=HEADERS)
    assert response.status_code == 200, response.text
    return {record["borrowerExternalReferenceId"]: record for record in response.json()["data"]}


def problems(result: Result) -> list[str]:
    """The command's messages about lines, one a line, its line wrapping undone."""
    lines: list[str] = []
    for line in result.stderr.splitlines():
        if line.startswith("line "):
            lines.append(line)
        elif lines and line.strip():
            lines[-1] += " " + line
    return [" ".join(line.split()) for line in lines]


@pytest.mark.parametrize("reader", ["--no-second-process", "--second-process"])
def test_a_loan_file_sets_and_revokes_consent_by_the_apis_names(
    opendialer: Run, api: TestClient, tmp_path: Path, reader: str
) -> None:
    args = ("--tenant", 314, "--servicer", 2, reader)
    given = write_feed(
        tmp_path / "given.csv",
        [
            ["LN-1", "repayment", "BR-1", "3036963301", "cell", "true", "2024-03-01T15:30Z", "web"],
            ["LN-2", "repayment", "BR-2", "3036963302", "landline", "false", "", ""],
            ["LN-3", "repayment", "BR-3", "3036963303", "mobile", "true", "", ""],  # line 4
            ["LN-4", "repayment", "BR-4", "3036963304", "", "", "", ""],
            ["LN-5", "repayment", "BR-5", "3036963305", "cell", "true", "1709307000", "IVR"],  # 6
        ],
    )  # fmt: skip

    first = opendialer("import", "loans", given, *args)

    assert first.stdout.strip() == "created: 3, updated: 0, unchanged: 0, rejected: 2"
    found = problems(first)
    assert (
        found[0] == "line 4: borrowerPhoneLineType: Input should be 'cell', 'landline' or 'unknown'"
    )
    assert found[1].startswith("line 6: borrowerCellPhoneConsentDate:")
    stored = file_borrowers(api)
    assert sorted(stored) == ["BR-1", "BR-2", "BR-4"]
    assert consent_of(stored["BR-1"]) == {
        "borrowerPhoneLineType": "cell",
        "borrowerCellPhoneConsent": True,
        "borrowerCellPhoneConsentDate": "2024-03-01T15:30:00.000Z",
        "borrowerCellPhoneConsentSource": "web",
    }
    assert consent_of(stored["BR-2"]) == {**DEFAULTS, "borrowerPhoneLineType": "landline"}
    assert consent_of(stored["BR-4"]) == DEFAULTS

    again = opendialer("import", "loans", given, *args)
    assert again.stdout.strip() == "created: 0, updated: 0, unchanged: 3, rejected: 2"
    assert file_borrowers(api) == stored

    revoked = write_feed(
        tmp_path / "revoked.csv",
        [
            [
                "LN-1",
                "repayment",
                "BR-1",
                "3036963301",
                "",
                "false",
                "2024-06-10T18:05:00Z",
                "letter",
            ]
        ],
    )
    opendialer("import", "loans", revoked, *args)

    assert consent_of(file_borrowers(api)["BR-1"]) == {
        "borrowerPhoneLineType": "cell",
        "borrowerCellPhoneConsent": False,
        "borrowerCellPhoneConsentDate": "2024-06-10T18:05:00.000Z",
        "borrowerCellPhoneConsentSource": "letter",
    }
