"""Lenders, borrowers and loans over HTTP: create, read, update, find by the client's reference
ids, validation, and isolation between servicers and tenants."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TokenFactory
from tests.loans.helpers import Book, assert_error, data, scoped

SEED_LOAN = {
    "loanNumber": "672182867011",
    "loanExternalReferenceId": "22820c48",
    "loanStatus": "repayment",
    "loanPaidToDate": "2020-06-02",
    "loanNextDueDate": "2020-08-11",
    "loanLastPaymentDate": "2020-05-02",
    "loanPastAmountDue": 425,
    "loanFeeOutstanding": 30,
    "loanInterestBalance": 109.65,
    "loanCurrentAmountDue": 85,
}
SEED_BORROWER = {
    "borrowerNumber": "6336189931",
    "borrowerExternalReferenceId": "5619ceb9-82a2-4ab6-8004-a5e77eabf083",
    "borrowerType": "borrower",
    "borrowerFirstName": "Henry",
    "borrowerMiddleName": "A",
    "borrowerLastName": "Hudson",
    "borrowerSuffix": "Jr",
    "borrowerPhoneNumber": "+13036963303",
    "borrowerCellPhoneConsent": True,
    "borrowerState": "CO",
    "borrowerPostalCode": "80202",
}
STATUSES = [
    "charge off",
    "default",
    "forbearance",
    "fraud",
    "paid in full",
    "rejected",
    "repayment",
    "write off",
]
OTHER_ID = "00000000-0000-4000-8000-000000000000"


def post(client: TestClient, path: str, body: Any, headers: dict[str, str]) -> Any:
    return data(client.post(path, json=body, headers=headers), 201)


# ---------------------------------------------------------------------------------------------
# Lenders


def test_a_lender_is_created_and_read_back(client: TestClient, headers: dict[str, str]) -> None:
    body = {
        "lenderName": "Example Lender",
        "lenderShortName": "Example",
        "lenderIdentifierNumber": "LID-001",
    }
    created = post(client, "/lenders", body, headers)
    assert list(created)[:4] == ["lenderId", *body]
    assert {k: created[k] for k in body} == body
    assert (created["tenantId"], created["servicerId"]) == (314, 2)
    assert created["createdDate"].endswith("Z")
    fetched = data(client.get(f"/lenders/{created['lenderId']}", headers=headers))
    assert fetched == created


def test_a_lender_is_found_by_its_name(client: TestClient, headers: dict[str, str]) -> None:
    lender = post(client, "/lenders", {"lenderName": "Example Lender"}, headers)
    post(client, "/lenders", {"lenderName": "Other Lender"}, headers)
    found = data(client.get("/lenders", params={"lendername": "Example Lender"}, headers=headers))
    assert [r["lenderId"] for r in found] == [lender["lenderId"]]
    assert len(data(client.get("/lenders", headers=headers))) == 2


def test_a_lender_name_is_unique_within_the_servicer(
    client: TestClient, headers: dict[str, str], auth: TokenFactory, west: int
) -> None:
    post(client, "/lenders", {"lenderName": "Example Lender"}, headers)
    response = client.post("/lenders", json={"lenderName": "Example Lender"}, headers=headers)
    assert_error(response, 409, "Example Lender")
    post(client, "/lenders", {"lenderName": "Example Lender"}, scoped(auth, servicer=west))


def test_a_lender_needs_a_name(client: TestClient, headers: dict[str, str]) -> None:
    assert_error(client.post("/lenders", json={}, headers=headers), 400, "lenderName")
    lender = post(client, "/lenders", {"lenderName": "Example Lender"}, headers)
    response = client.patch(
        f"/lenders/{lender['lenderId']}", json={"lenderName": None}, headers=headers
    )
    assert_error(response, 400, "lenderName")


def test_a_lender_is_updated_field_by_field(client: TestClient, headers: dict[str, str]) -> None:
    lender = post(
        client, "/lenders", {"lenderName": "Example Lender", "lenderShortName": "Ex"}, headers
    )
    changed = data(
        client.patch(
            f"/lenders/{lender['lenderId']}",
            json={"lenderIdentifierNumber": "LID-9"},
            headers=headers,
        )
    )
    assert changed["lenderShortName"] == "Ex"
    assert changed["lenderIdentifierNumber"] == "LID-9"
    other = post(client, "/lenders", {"lenderName": "Other"}, headers)
    response = client.patch(
        f"/lenders/{other['lenderId']}", json={"lenderName": "Example Lender"}, headers=headers
    )
    assert_error(response, 409, "Example Lender")


# ---------------------------------------------------------------------------------------------
# Borrowers


def test_a_borrower_carries_every_borrower_field(
    client: TestClient, headers: dict[str, str]
) -> None:
    created = post(client, "/borrowers", SEED_BORROWER, headers)
    assert list(created)[: len(SEED_BORROWER) + 1] == ["borrowerId", *SEED_BORROWER]
    assert {k: created[k] for k in SEED_BORROWER} == SEED_BORROWER
    assert data(client.get(f"/borrowers/{created['borrowerId']}", headers=headers)) == created


def test_a_borrower_is_a_borrower_without_consent_unless_told(
    client: TestClient, headers: dict[str, str]
) -> None:
    created = post(client, "/borrowers", {"borrowerExternalReferenceId": "B-1"}, headers)
    assert created["borrowerType"] == "borrower"
    assert created["borrowerCellPhoneConsent"] is False
    nulls = {"borrowerExternalReferenceId": "B-2", "borrowerType": None}
    assert post(client, "/borrowers", nulls, headers)["borrowerType"] == "borrower"


def test_a_co_borrower(client: TestClient, headers: dict[str, str]) -> None:
    created = post(client, "/borrowers", {"borrowerType": "co-borrower"}, headers)
    assert created["borrowerType"] == "co-borrower"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"borrowerType": "cosigner"}, "borrowerType"),
        ({"borrowerType": "Borrower"}, "borrowerType"),
        ({"borrowerState": "Colorado"}, "borrowerState"),
        ({"borrowerState": "co"}, "borrowerState"),
        ({"borrowerPostalCode": "8" * 11}, "borrowerPostalCode"),
        ({"borrowerCellPhoneConsent": "maybe"}, "borrowerCellPhoneConsent"),
        ({"borrowerFirstName": 5}, "borrowerFirstName"),
        ({"borrowerNickname": "Hank"}, "borrowerNickname"),
    ],
)
def test_bad_borrower_fields_are_400(
    client: TestClient, headers: dict[str, str], body: dict[str, Any], named: str
) -> None:
    assert_error(client.post("/borrowers", json=body, headers=headers), 400, named)
    assert data(client.get("/borrowers", headers=headers)) == []


def test_a_borrower_update_changes_only_what_is_sent(
    client: TestClient, headers: dict[str, str]
) -> None:
    created = post(client, "/borrowers", SEED_BORROWER, headers)
    path = f"/borrowers/{created['borrowerId']}"
    changed = data(
        client.patch(
            path,
            json={"borrowerPhoneNumber": "(303) 555-0100", "borrowerCellPhoneConsent": False},
            headers=headers,
        )
    )
    assert changed["borrowerPhoneNumber"] == "(303) 555-0100"
    assert changed["borrowerCellPhoneConsent"] is False
    assert changed["borrowerFirstName"] == "Henry"
    assert changed["borrowerState"] == "CO"
    assert data(client.get(path, headers=headers)) == changed


def test_a_borrower_type_sent_as_null_on_update_is_borrower(
    client: TestClient, headers: dict[str, str]
) -> None:
    created = post(client, "/borrowers", {"borrowerType": "co-borrower"}, headers)
    path = f"/borrowers/{created['borrowerId']}"
    changed = data(client.patch(path, json={"borrowerType": None}, headers=headers))
    assert changed["borrowerType"] == "borrower"
    changed = data(client.patch(path, json={"borrowerCellPhoneConsent": None}, headers=headers))
    assert changed["borrowerCellPhoneConsent"] is False


def test_a_borrower_is_found_by_its_external_reference_id(
    client: TestClient, headers: dict[str, str]
) -> None:
    created = post(client, "/borrowers", SEED_BORROWER, headers)
    post(client, "/borrowers", {"borrowerExternalReferenceId": "other"}, headers)
    found = data(
        client.get(
            "/borrowers",
            params={"externalreferenceid": SEED_BORROWER["borrowerExternalReferenceId"]},
            headers=headers,
        )
    )
    assert found == [created]


def test_a_borrower_external_reference_id_is_unique_within_the_servicer(
    client: TestClient, headers: dict[str, str], auth: TokenFactory, west: int
) -> None:
    post(client, "/borrowers", SEED_BORROWER, headers)
    response = client.post("/borrowers", json=SEED_BORROWER, headers=headers)
    assert_error(response, 409, "borrowerExternalReferenceId")
    post(client, "/borrowers", SEED_BORROWER, scoped(auth, servicer=west))


# ---------------------------------------------------------------------------------------------
# Loans


def test_a_loan_carries_every_loan_field_in_its_json_type(book: Book) -> None:
    lender = book.lender()
    borrower = book.borrower()
    created = post(
        book.client,
        "/loans",
        {**SEED_LOAN, "lenderId": lender, "borrowerId": borrower["borrowerId"]},
        book.headers,
    )
    assert list(created)[: len(SEED_LOAN) + 1] == ["loanId", *SEED_LOAN]
    assert {k: created[k] for k in SEED_LOAN} == SEED_LOAN
    # An amount is a decimal number, whole or not: one JSON type per field.
    assert type(created["loanPastAmountDue"]) is float
    assert type(created["loanInterestBalance"]) is float
    assert (created["lenderId"], created["borrowerId"]) == (lender, borrower["borrowerId"])
    fetched = data(book.client.get(f"/loans/{created['loanId']}", headers=book.headers))
    assert fetched == created


@pytest.mark.parametrize("status", STATUSES)
def test_each_of_the_seeds_loan_statuses_is_accepted(book: Book, status: str) -> None:
    assert book.loan("2020-06-02", status=status)["loanStatus"] == status


@pytest.mark.parametrize("status", ["Repayment", "current", "", "paid_in_full", " repayment"])
def test_any_other_loan_status_is_400(
    client: TestClient, headers: dict[str, str], status: str
) -> None:
    response = client.post("/loans", json={**SEED_LOAN, "loanStatus": status}, headers=headers)
    assert_error(response, 400, "loanStatus")
    assert data(client.get("/loans", headers=headers)) == []


def test_a_loan_needs_a_status(client: TestClient, headers: dict[str, str]) -> None:
    body = {k: v for k, v in SEED_LOAN.items() if k != "loanStatus"}
    assert_error(client.post("/loans", json=body, headers=headers), 400, "loanStatus")
    loan = post(client, "/loans", SEED_LOAN, headers)
    for status in (None, "late"):
        response = client.patch(
            f"/loans/{loan['loanId']}", json={"loanStatus": status}, headers=headers
        )
        assert_error(response, 400, "loanStatus")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("loanPaidToDate", "2020-02-30"),
        ("loanPaidToDate", "06/02/2020"),
        ("loanNextDueDate", "tomorrow"),
        ("loanPastAmountDue", "lots"),
        ("loanPastAmountDue", 1e13),
        ("loanInterestBalance", -1e13),
        ("loanNumber", "9" * 65),
        ("borrowerId", "x" * 37),
    ],
)
def test_bad_loan_fields_are_400(
    client: TestClient, headers: dict[str, str], field: str, value: Any
) -> None:
    response = client.post("/loans", json={**SEED_LOAN, field: value}, headers=headers)
    assert_error(response, 400)
    assert data(client.get("/loans", headers=headers)) == []


def test_a_loan_update_changes_only_what_is_sent(book: Book) -> None:
    loan = book.loan("2020-06-02", **{k: v for k, v in SEED_LOAN.items() if k != "loanPaidToDate"})
    path = f"/loans/{loan['loanId']}"
    changed = data(
        book.client.patch(
            path,
            json={"loanPaidToDate": "2020-07-02", "loanPastAmountDue": 340.5},
            headers=book.headers,
        )
    )
    assert changed["loanPaidToDate"] == "2020-07-02"
    assert changed["loanPastAmountDue"] == 340.5
    assert changed["loanInterestBalance"] == 109.65
    assert changed["borrowerId"] == loan["borrowerId"]
    assert changed["lenderId"] == loan["lenderId"]
    assert changed["updatedDate"] >= loan["updatedDate"]
    cleared = data(
        book.client.patch(path, json={"loanLastPaymentDate": None}, headers=book.headers)
    )
    assert cleared["loanLastPaymentDate"] is None


def test_a_loan_is_found_by_its_external_reference_id(book: Book) -> None:
    loan = book.loan("2020-06-02")
    book.loan("2020-06-02")
    found = data(
        book.client.get(
            "/loans",
            params={"externalreferenceid": loan["loanExternalReferenceId"]},
            headers=book.headers,
        )
    )
    assert [r["loanId"] for r in found] == [loan["loanId"]]
    missing = book.client.get(
        "/loans", params={"externalreferenceid": "nope"}, headers=book.headers
    )
    assert data(missing) == []


def test_a_loan_external_reference_id_is_unique_within_the_servicer(
    book: Book, west_book: Book
) -> None:
    loan = book.loan("2020-06-02")
    ref = loan["loanExternalReferenceId"]
    response = book.client.post(
        "/loans",
        json={"loanStatus": "repayment", "loanExternalReferenceId": ref},
        headers=book.headers,
    )
    assert_error(response, 409, ref)
    other = book.loan("2020-06-02")
    response = book.client.patch(
        f"/loans/{other['loanId']}", json={"loanExternalReferenceId": ref}, headers=book.headers
    )
    assert_error(response, 409, ref)
    assert west_book.loan("2020-06-02", loanExternalReferenceId=ref)["servicerId"] == 3


def test_a_loan_may_name_only_its_own_servicers_lender_and_borrower(
    book: Book, west_book: Book, other_book: Book
) -> None:
    for foreign in (west_book, other_book):
        lender = foreign.lender()
        borrower = foreign.borrower()
        for field, value in (("lenderId", lender), ("borrowerId", borrower["borrowerId"])):
            response = book.client.post(
                "/loans", json={"loanStatus": "repayment", field: value}, headers=book.headers
            )
            assert_error(response, 400, value, "does not exist")
    loan = book.loan("2020-06-02")
    response = book.client.patch(
        f"/loans/{loan['loanId']}", json={"lenderId": OTHER_ID}, headers=book.headers
    )
    assert_error(response, 400, OTHER_ID)
    assert data(book.client.get(f"/loans/{loan['loanId']}", headers=book.headers)) == {
        k: v for k, v in loan.items() if k != "borrower"
    }


def test_a_loan_without_servicerid_cannot_be_created(
    client: TestClient, auth: TokenFactory, tenants: list[int]
) -> None:
    response = client.post("/loans", json=SEED_LOAN, headers=scoped(auth, servicer=None))
    assert_error(response, 400, "servicerid")


# ---------------------------------------------------------------------------------------------
# Isolation


@pytest.mark.parametrize("path", ["/lenders", "/borrowers", "/loans"])
def test_another_servicers_rows_are_not_visible_under_this_one(
    book: Book, west_book: Book, path: str
) -> None:
    loan = west_book.loan("2020-06-02")
    row_id = {
        "/lenders": loan["lenderId"],
        "/borrowers": loan["borrowerId"],
        "/loans": loan["loanId"],
    }[path]
    assert_error(book.client.get(f"{path}/{row_id}", headers=book.headers), 404)
    assert_error(book.client.patch(f"{path}/{row_id}", json={}, headers=book.headers), 404)
    assert data(book.client.get(path, headers=book.headers)) == []
    assert len(data(west_book.client.get(path, headers=west_book.headers))) == 1


@pytest.mark.parametrize("path", ["/lenders", "/borrowers", "/loans"])
def test_another_tenants_rows_are_not_visible(
    client: TestClient, auth: TokenFactory, book: Book, other_book: Book, path: str
) -> None:
    loan = other_book.loan("2020-06-02")
    row_id = {
        "/lenders": loan["lenderId"],
        "/borrowers": loan["borrowerId"],
        "/loans": loan["loanId"],
    }[path]
    assert_error(client.get(f"{path}/{row_id}", headers=book.headers), 404)
    tenant_wide = {**auth(), "tenantid": "314"}
    assert_error(client.get(f"{path}/{row_id}", headers=tenant_wide), 404)
    assert data(client.get(path, headers=tenant_wide)) == []


def test_a_tenantid_that_does_not_match_the_token_is_403(
    client: TestClient, auth: TokenFactory, book: Book
) -> None:
    headers = {**book.headers, "tenantid": "315"}
    for path in ("/lenders", "/borrowers", "/loans", "/buckets"):
        assert_error(client.get(path, headers=headers), 403, "tenantid")
    response = client.post("/loans", json=SEED_LOAN, headers=headers)
    assert_error(response, 403, "tenantid")


def test_a_reports_admin_may_read_but_not_write(
    client: TestClient, auth: TokenFactory, book: Book
) -> None:
    loan = book.loan("2020-06-02")
    reader = scoped(auth, role="reports_admin")
    assert data(client.get(f"/loans/{loan['loanId']}", headers=reader))["loanId"] == loan["loanId"]
    assert_error(client.post("/loans", json=SEED_LOAN, headers=reader), 403)
    response = client.patch(
        f"/loans/{loan['loanId']}", json={"loanStatus": "default"}, headers=reader
    )
    assert_error(response, 403)


def test_an_unknown_id_is_404(client: TestClient, headers: dict[str, str]) -> None:
    for path in ("/lenders", "/borrowers", "/loans", "/buckets"):
        assert_error(client.get(f"{path}/{OTHER_ID}", headers=headers), 404, OTHER_ID)


def test_listing_pages_with_links(book: Book) -> None:
    for _ in range(3):
        book.loan("2020-06-02")
    body = book.client.get("/loans", params={"limit": 2}, headers=book.headers).json()
    assert len(body["data"]) == 2
    assert body["paging"]["links"]["next"] == "/loans?offset=2&limit=2"
    last = book.client.get(body["paging"]["links"]["last"], headers=book.headers).json()
    assert len(last["data"]) == 1
    seen = {r["loanId"] for r in body["data"] + last["data"]}
    assert len(seen) == 3


def test_an_empty_external_reference_id_is_no_key(book: Book) -> None:
    # The seed's example call shows "" for a loan without a key; clients send it back so.
    loans = [book.loan("2020-06-02", loanExternalReferenceId="") for _ in range(2)]
    assert [loan["loanExternalReferenceId"] for loan in loans] == [None, None]
    borrowers = [
        post(book.client, "/borrowers", {"borrowerExternalReferenceId": ""}, book.headers)
        for _ in range(2)
    ]
    assert [b["borrowerExternalReferenceId"] for b in borrowers] == [None, None]
    keyed = book.loan("2020-06-02")
    changed = book.client.patch(
        f"/loans/{keyed['loanId']}", json={"loanExternalReferenceId": ""}, headers=book.headers
    )
    assert changed.status_code == 200
    assert changed.json()["data"]["loanExternalReferenceId"] is None
    found = book.client.get("/loans", params={"externalreferenceid": ""}, headers=book.headers)
    assert data(found) == []
