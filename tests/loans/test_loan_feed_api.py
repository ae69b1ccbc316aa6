"""POST /loans/bulk: a nightly loan feed, keyed by the client's reference ids, that can be re-sent
without creating anything twice."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TokenFactory
from tests.loans.helpers import Book, assert_error, data, scoped

BULK = "/loans/bulk"


def row(n: int, **fields: Any) -> dict[str, Any]:
    """Feed row `n`: a loan with its borrower and lender, every field in the seed's names."""
    return {
        "lenderName": "Example Lender" if n % 2 else "Prairie State Bank",
        "lenderShortName": "Example" if n % 2 else "Prairie",
        "lenderIdentifierNumber": f"LID-{n % 2}",
        "loanNumber": f"{672182867000 + n}",
        "loanExternalReferenceId": f"LN-{n}",
        "loanStatus": "repayment",
        "loanPaidToDate": "2020-06-02",
        "loanNextDueDate": "2020-08-11",
        "loanLastPaymentDate": "2020-05-02",
        "loanPastAmountDue": 425,
        "loanFeeOutstanding": 30,
        "loanInterestBalance": 109.65,
        "loanCurrentAmountDue": 85,
        "borrowerNumber": f"{6336189900 + n}",
        "borrowerExternalReferenceId": f"BR-{n}",
        "borrowerType": "borrower",
        "borrowerFirstName": "Henry",
        "borrowerMiddleName": "A",
        "borrowerLastName": "Hudson",
        "borrowerSuffix": None,
        "borrowerPhoneNumber": f"(303) 696-{3300 + n}",
        "borrowerCellPhoneConsent": n % 3 == 0,
        "borrowerState": "CO",
        "borrowerPostalCode": "80202",
        **fields,
    }


def send(book: Book, rows: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = data(book.client.post(BULK, json=rows, headers=book.headers))
    return counts


def listing(book: Book, path: str, **params: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = data(
        book.client.get(path, params={"limit": 1000, **params}, headers=book.headers)
    )
    return records


def loan_by_ref(book: Book, ref: str) -> dict[str, Any]:
    [loan] = listing(book, "/loans", externalreferenceid=ref)
    return loan


def test_a_feed_creates_loans_borrowers_and_lenders_linked(book: Book) -> None:
    assert send(book, [row(1), row(2), row(3)]) == {"created": 3, "updated": 0, "unchanged": 0}
    loans = listing(book, "/loans")
    borrowers = {b["borrowerId"]: b for b in listing(book, "/borrowers")}
    lenders = {lender["lenderId"]: lender for lender in listing(book, "/lenders")}
    assert len(loans) == 3 and len(borrowers) == 3
    assert sorted(lender["lenderName"] for lender in lenders.values()) == [
        "Example Lender",
        "Prairie State Bank",
    ]
    for loan in loans:
        n = int(loan["loanExternalReferenceId"].split("-")[1])
        sent = row(n)
        borrower = borrowers[loan["borrowerId"]]
        lender = lenders[loan["lenderId"]]
        for record in (loan, borrower, lender):
            for field, value in record.items():
                if field in sent:
                    assert value == sent[field], (field, value)
        assert borrower["borrowerExternalReferenceId"] == f"BR-{n}"
        assert lender["lenderName"] == sent["lenderName"]


def test_re_sending_a_feed_changes_nothing(book: Book) -> None:
    rows = [row(n) for n in range(1, 6)]
    send(book, rows)
    before = [listing(book, path) for path in ("/loans", "/borrowers", "/lenders")]
    assert send(book, rows) == {"created": 0, "updated": 0, "unchanged": 5}
    after = [listing(book, path) for path in ("/loans", "/borrowers", "/lenders")]
    assert after == before


def test_a_changed_row_updates_only_its_loan(book: Book) -> None:
    rows = [row(n) for n in range(1, 4)]
    send(book, rows)
    before = loan_by_ref(book, "LN-2")
    untouched = loan_by_ref(book, "LN-1")
    rows[1] = row(2, loanPaidToDate="2020-07-02", loanPastAmountDue=340.25)
    assert send(book, rows) == {"created": 0, "updated": 1, "unchanged": 2}
    after = loan_by_ref(book, "LN-2")
    assert after["loanId"] == before["loanId"]
    assert (after["loanPaidToDate"], after["loanPastAmountDue"]) == ("2020-07-02", 340.25)
    assert after["updatedDate"] >= before["updatedDate"]
    assert loan_by_ref(book, "LN-1") == untouched


def test_a_changed_borrower_is_updated_in_place(book: Book) -> None:
    send(book, [row(1)])
    [before] = listing(book, "/borrowers")
    send(book, [row(1, borrowerPhoneNumber="+1 720 555 0101", borrowerLastName="Hudsen")])
    [after] = listing(book, "/borrowers")
    assert after["borrowerId"] == before["borrowerId"]
    assert (after["borrowerPhoneNumber"], after["borrowerLastName"]) == (
        "+1 720 555 0101",
        "Hudsen",
    )


def test_a_feed_row_finds_a_loan_created_one_by_one(book: Book) -> None:
    loan = book.loan("2020-06-02", loanExternalReferenceId="LN-1", status="forbearance")
    assert send(book, [row(1)]) == {"created": 0, "updated": 1, "unchanged": 0}
    updated = loan_by_ref(book, "LN-1")
    assert updated["loanId"] == loan["loanId"]
    assert updated["loanStatus"] == "repayment"
    assert len(listing(book, "/loans")) == 1


def test_rows_sharing_a_borrower_and_lender_create_each_once(book: Book) -> None:
    rows = [row(1), row(2, borrowerExternalReferenceId="BR-1", lenderName="Example Lender")]
    rows[1].update({k: v for k, v in rows[0].items() if k.startswith(("borrower", "lender"))})
    assert send(book, rows)["created"] == 2
    loans = listing(book, "/loans")
    assert len({loan["borrowerId"] for loan in loans}) == 1
    assert len({loan["lenderId"] for loan in loans}) == 1
    assert len(listing(book, "/borrowers")) == 1
    assert len(listing(book, "/lenders")) == 1


def test_texts_with_backslashes_and_copys_null_are_stored_as_sent(book: Book) -> None:
    # What PostgreSQL's COPY would read otherwise that a name may hold (tabs and line breaks
    # it may not): backslashes, and its spelling of a null.
    odd = {
        "lenderName": "Back\\slash\\tBank",
        "borrowerLastName": "Hudson of \\N Bay\\",
        "loanNumber": "\\N",
        "borrowerFirstName": "\\t",
    }
    assert send(book, [row(1, **odd)])["created"] == 1
    loan = loan_by_ref(book, "LN-1")
    [borrower] = listing(book, "/borrowers")
    [lender] = listing(book, "/lenders")
    assert loan["loanNumber"] == "\\N"
    assert lender["lenderName"] == odd["lenderName"]
    assert (borrower["borrowerLastName"], borrower["borrowerFirstName"]) == (
        odd["borrowerLastName"],
        "\\t",
    )
    assert send(book, [row(1, **odd)]) == {"created": 0, "updated": 0, "unchanged": 1}


def test_a_minimal_row_is_a_loan_with_nothing_else(book: Book) -> None:
    minimal = {"loanExternalReferenceId": "LN-1", "loanStatus": "default"}
    assert send(book, [minimal]) == {"created": 1, "updated": 0, "unchanged": 0}
    loan = loan_by_ref(book, "LN-1")
    assert (loan["borrowerId"], loan["lenderId"], loan["loanPaidToDate"]) == (None, None, None)
    assert listing(book, "/borrowers") == []


def test_a_borrower_without_type_or_consent_is_a_borrower_without_consent(book: Book) -> None:
    rows = [
        {"loanExternalReferenceId": "LN-1", "loanStatus": "repayment", **ref}
        for ref in (
            {"borrowerExternalReferenceId": "BR-1"},
            {"borrowerExternalReferenceId": "BR-2", "borrowerFirstName": "Ann"},
        )
    ]
    rows[1]["loanExternalReferenceId"] = "LN-2"
    rows.append(row(3, borrowerType=None, borrowerCellPhoneConsent=None))
    rows.append(row(4, borrowerType="co-borrower"))
    assert send(book, rows) == {"created": 4, "updated": 0, "unchanged": 0}
    types = {
        b["borrowerExternalReferenceId"]: (b["borrowerType"], b["borrowerCellPhoneConsent"])
        for b in listing(book, "/borrowers")
    }
    assert types == {
        "BR-1": ("borrower", False),
        "BR-2": ("borrower", False),
        "BR-3": ("borrower", False),
        "BR-4": ("co-borrower", False),
    }
    assert send(book, rows) == {"created": 0, "updated": 0, "unchanged": 4}


def test_a_row_without_a_borrower_type_keeps_the_stored_one(book: Book) -> None:
    send(book, [row(1, borrowerType="co-borrower", borrowerCellPhoneConsent=True)])
    partial = {
        k: v for k, v in row(1).items() if k not in ("borrowerType", "borrowerCellPhoneConsent")
    }
    send(book, [partial])
    [borrower] = listing(book, "/borrowers")
    assert (borrower["borrowerType"], borrower["borrowerCellPhoneConsent"]) == ("co-borrower", True)


def test_an_empty_feed_changes_nothing(book: Book) -> None:
    assert send(book, []) == {"created": 0, "updated": 0, "unchanged": 0}


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({"loanStatus": "late"}, "loanStatus"),
        ({"loanStatus": None}, "loanStatus"),
        ({"loanExternalReferenceId": None}, "loanExternalReferenceId"),
        ({"loanExternalReferenceId": ""}, "loanExternalReferenceId"),
        ({"borrowerType": "cosigner"}, "borrowerType"),
        ({"borrowerState": "Colorado"}, "borrowerState"),
        ({"loanPaidToDate": "2020-02-30"}, "loanPaidToDate"),
        ({"loanLastPaymentDate": 4e-220}, "loanLastPaymentDate"),
        ({"loanNextDueDate": 0}, "loanNextDueDate"),
        ({"loanPaidToDate": "0"}, "loanPaidToDate"),
        ({"borrowerLastName": "Hud\u202eson"}, "borrowerLastName"),
        ({"loanExternalReferenceId": "LN-2\r\n"}, "loanExternalReferenceId"),
        ({"borrowerPhoneNumber": "(303) 696\t3302"}, "borrowerPhoneNumber"),
        ({"loanNickname": "x"}, "loanNickname"),
    ],
)
def test_a_bad_row_is_400_naming_it_and_nothing_is_stored(
    book: Book, bad: dict[str, Any], named: str
) -> None:
    response = book.client.post(BULK, json=[row(1), row(2, **bad)], headers=book.headers)
    assert_error(response, 400, f"[1].{named}")
    assert listing(book, "/loans") == []
    assert listing(book, "/borrowers") == []


def test_a_row_without_its_keys_for_borrower_or_lender_fields_is_400(book: Book) -> None:
    no_borrower_key = row(1, borrowerExternalReferenceId=None)
    del no_borrower_key["borrowerExternalReferenceId"]
    response = book.client.post(BULK, json=[no_borrower_key], headers=book.headers)
    assert_error(response, 400, "[0].borrowerExternalReferenceId")
    no_lender_name = row(1)
    del no_lender_name["lenderName"]
    response = book.client.post(BULK, json=[row(1), no_lender_name], headers=book.headers)
    assert_error(response, 400, "[1].lenderName")
    assert listing(book, "/loans") == []


def test_a_feed_that_is_not_an_array_of_rows_is_400(book: Book) -> None:
    for body in (row(1), [1, 2], "loans"):
        assert_error(book.client.post(BULK, json=body, headers=book.headers), 400)


def test_a_feed_belongs_to_the_servicer_it_is_sent_for(book: Book, west_book: Book) -> None:
    send(book, [row(1), row(2)])
    assert send(west_book, [row(1), row(2)]) == {"created": 2, "updated": 0, "unchanged": 0}
    ours = {loan["loanId"] for loan in listing(book, "/loans")}
    theirs = {loan["loanId"] for loan in listing(west_book, "/loans")}
    assert len(ours) == len(theirs) == 2 and not ours & theirs
    assert {loan["servicerId"] for loan in listing(west_book, "/loans")} == {3}


def test_a_feed_needs_a_servicer_and_a_writer(
    client: TestClient, book: Book, auth: TokenFactory
) -> None:
    response = client.post(BULK, json=[row(1)], headers=scoped(auth, servicer=None))
    assert_error(response, 400, "servicerid")
    response = client.post(BULK, json=[row(1)], headers=scoped(auth, role="reports_admin"))
    assert_error(response, 403)
    assert listing(book, "/loans") == []


def test_re_sending_amounts_finer_than_cents_changes_nothing(book: Book) -> None:
    rows = [row(1, loanInterestBalance=109.654, loanPastAmountDue=425.005)]
    send(book, rows)
    before = listing(book, "/loans")
    assert send(book, rows) == {"created": 0, "updated": 0, "unchanged": 1}
    assert listing(book, "/loans") == before


def test_amounts_are_kept_to_the_cent(book: Book) -> None:
    send(book, [row(1, loanInterestBalance=109.654, loanPastAmountDue=425.005)])
    loan = loan_by_ref(book, "LN-1")
    assert (loan["loanInterestBalance"], loan["loanPastAmountDue"]) == (109.65, 425.01)
    changed = book.client.patch(
        f"/loans/{loan['loanId']}", json={"loanFeeOutstanding": 30.125}, headers=book.headers
    )
    assert data(changed)["loanFeeOutstanding"] == 30.13
