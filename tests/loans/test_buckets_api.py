"""Bucket policies over HTTP: per tenant and servicer, optionally narrowed to a lender; buckets of
the same scope may not overlap."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TokenFactory
from tests.loans.helpers import Book, assert_error, data, scoped

BUCKET = {
    "callCode": "DD-001",
    "callDaysStart": 60,
    "callDaysEnd": 74,
    "callAttemptsPerBucket": 4,
    "callContactsPerBucket": 1,
}


def create(book: Book, **fields: Any) -> Any:
    return book.client.post("/buckets", json={**BUCKET, **fields}, headers=book.headers)


def test_a_bucket_is_created_read_listed_and_deleted(book: Book) -> None:
    created = data(create(book), 201)
    assert list(created)[:7] == ["bucketId", "lenderId", *BUCKET]
    assert {k: created[k] for k in BUCKET} == BUCKET
    assert created["lenderId"] is None
    assert (created["tenantId"], created["servicerId"]) == (314, 2)
    path = f"/buckets/{created['bucketId']}"
    assert data(book.client.get(path, headers=book.headers)) == created
    assert data(book.client.get("/buckets", headers=book.headers)) == [created]
    assert book.client.delete(path, headers=book.headers).status_code == 204
    assert_error(book.client.get(path, headers=book.headers), 404)
    assert_error(book.client.delete(path, headers=book.headers), 404)
    assert data(book.client.get("/buckets", headers=book.headers)) == []


def test_buckets_are_listed_by_their_first_day(book: Book) -> None:
    for code, start, end in (("LATE", 75, 119), ("EARLY", 10, 29), ("DD", 60, 74)):
        create(book, callCode=code, callDaysStart=start, callDaysEnd=end)
    listed = data(book.client.get("/buckets", headers=book.headers))
    assert [b["callCode"] for b in listed] == ["EARLY", "DD", "LATE"]


@pytest.mark.parametrize(
    ("start", "end"),
    [(60, 74), (74, 80), (50, 60), (65, 70), (0, 200), (74, 74), (60, 60)],
)
def test_an_overlapping_bucket_of_the_same_scope_is_409(book: Book, start: int, end: int) -> None:
    data(create(book), 201)
    response = create(book, callCode="NEW", callDaysStart=start, callDaysEnd=end)
    assert_error(response, 409, "DD-001", "60-74")
    assert len(data(book.client.get("/buckets", headers=book.headers))) == 1


@pytest.mark.parametrize(("start", "end"), [(75, 89), (30, 59), (59, 59), (75, 75), (0, 0)])
def test_a_bucket_next_to_another_is_accepted(book: Book, start: int, end: int) -> None:
    data(create(book), 201)
    data(create(book, callCode="NEW", callDaysStart=start, callDaysEnd=end), 201)


def test_a_bucket_narrowed_to_a_lender_is_its_own_scope(book: Book) -> None:
    data(create(book), 201)
    example = book.lender("Example Lender")
    prairie = book.lender("Prairie State Bank")
    narrowed = data(create(book, callCode="DD-EX", lenderId=example), 201)
    assert narrowed["lenderId"] == example
    assert_error(create(book, callCode="DD-EX2", callDaysStart=70, lenderId=example), 409)
    data(create(book, callCode="DD-PR", lenderId=prairie), 201)
    assert_error(create(book, callCode="DD-2", callDaysStart=74, callDaysEnd=80), 409)


def test_other_servicers_and_tenants_have_their_own_buckets(
    book: Book, west_book: Book, other_book: Book
) -> None:
    data(create(book), 201)
    theirs = data(create(west_book), 201)
    data(create(other_book), 201)
    assert data(west_book.client.get("/buckets", headers=west_book.headers)) == [theirs]
    assert [b["servicerId"] for b in data(book.client.get("/buckets", headers=book.headers))] == [2]


def test_another_servicers_bucket_can_be_neither_read_nor_deleted(
    book: Book, west_book: Book
) -> None:
    theirs = data(create(west_book), 201)
    path = f"/buckets/{theirs['bucketId']}"
    assert_error(book.client.get(path, headers=book.headers), 404)
    assert_error(book.client.delete(path, headers=book.headers), 404)
    assert data(west_book.client.get(path, headers=west_book.headers)) == theirs


def test_another_tenants_bucket_can_be_neither_read_nor_deleted(
    client: TestClient, auth: TokenFactory, book: Book, other_book: Book
) -> None:
    theirs = data(create(other_book), 201)
    path = f"/buckets/{theirs['bucketId']}"
    tenant_wide = {**auth(), "tenantid": "314"}
    assert_error(client.get(path, headers=tenant_wide), 404)
    assert_error(client.delete(path, headers=tenant_wide), 404)
    assert data(client.get("/buckets", headers=tenant_wide)) == []
    assert data(other_book.client.get(path, headers=other_book.headers)) == theirs


def test_a_lender_of_another_servicer_cannot_narrow_a_bucket(book: Book, west_book: Book) -> None:
    lender = west_book.lender("Example Lender")
    assert_error(create(book, lenderId=lender), 400, lender, "does not exist")


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"callDaysStart": 75}, "callDaysStart"),
        ({"callDaysStart": -1}, "callDaysStart"),
        ({"callAttemptsPerBucket": -1}, "callAttemptsPerBucket"),
        ({"callContactsPerBucket": -2}, "callContactsPerBucket"),
        ({"callCode": "   "}, "callCode"),
        ({"callCode": "X" * 33}, "callCode"),
        ({"callCode": None}, "callCode"),
        ({"callDaysEnd": "sixty"}, "callDaysEnd"),
        ({"callDaysEnd": 2**40}, "callDaysEnd"),
        ({"callDaysEnd": 36501}, "callDaysEnd"),
        ({"callDaysStart": 999_999_999, "callDaysEnd": 999_999_999}, "callDaysStart"),
        ({"bucketName": "x"}, "bucketName"),
    ],
)
def test_bad_buckets_are_400(book: Book, fields: dict[str, Any], named: str) -> None:
    assert_error(create(book, **fields), 400, named)
    assert data(book.client.get("/buckets", headers=book.headers)) == []


@pytest.mark.parametrize("missing", list(BUCKET))
def test_every_bucket_field_is_mandatory(book: Book, missing: str) -> None:
    body = {k: v for k, v in BUCKET.items() if k != missing}
    response = book.client.post("/buckets", json=body, headers=book.headers)
    assert_error(response, 400, missing)


def test_only_a_writer_with_a_servicer_creates_buckets(
    client: TestClient, auth: TokenFactory, book: Book
) -> None:
    reader = scoped(auth, role="reports_admin")
    assert_error(client.post("/buckets", json=BUCKET, headers=reader), 403)
    no_servicer = scoped(auth, servicer=None)
    assert_error(client.post("/buckets", json=BUCKET, headers=no_servicer), 400, "servicerid")
    created = data(create(book), 201)
    assert data(client.get("/buckets", headers=reader)) == [created]
    response = client.delete(f"/buckets/{created['bucketId']}", headers=reader)
    assert_error(response, 403)
