"""The daily build inside the running service: each servicer with buckets gets today's list once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from opendialer.daily import (
    build_daily,
    build_missing_lists,
    seconds_until_next_day,
)
from opendialer.db.session import Database
from tests.loans.helpers import Book


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def days_ago(days: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days)).isoformat()


def call_ids(book: Book) -> set[str]:
    return {r["callId"] for r in book.calls()}


def test_nothing_to_build_without_buckets(database: Database, book: Book) -> None:
    book.loan(days_ago(62))
    assert build_missing_lists(database) == 0
    assert book.calls() == []


def test_every_servicer_with_buckets_gets_todays_list_once(
    database: Database, book: Book, west_book: Book, other_book: Book
) -> None:
    for each in (book, west_book, other_book):
        each.bucket("DD-001", 60, 74)
    mine = book.loan(days_ago(62))
    west = west_book.loan(days_ago(74))
    other = other_book.loan(days_ago(60))
    book.loan(days_ago(59))
    assert build_missing_lists(database) == 3
    for each, loan, late in ((book, mine, 62), (west_book, west, 74), (other_book, other, 60)):
        [record] = each.calls()
        assert (record["loanId"], record["loanDaysLate"]) == (loan["loanId"], late)
        assert record["createdDate"][:10] == today()
    built = [call_ids(each) for each in (book, west_book, other_book)]
    assert build_missing_lists(database) == 0
    assert [call_ids(each) for each in (book, west_book, other_book)] == built


def test_a_list_already_built_today_is_left_alone(
    database: Database, book: Book, west_book: Book
) -> None:
    book.bucket("DD-001", 60, 74)
    west_book.bucket("DD-001", 60, 74)
    book.loan(days_ago(62))
    west_book.loan(days_ago(62))
    book.build(today())
    ours = call_ids(book)
    assert build_missing_lists(database) == 1
    assert call_ids(book) == ours
    assert len(call_ids(west_book)) == 1


def test_an_earlier_days_list_does_not_stand_for_today(database: Database, book: Book) -> None:
    book.bucket("DD-001", 60, 74)
    book.loan(days_ago(62))
    book.build(days_ago(1))
    assert build_missing_lists(database) == 1
    [record] = book.calls()
    assert (record["createdDate"][:10], record["loanDaysLate"]) == (today(), 62)
    assert book.calls(createddate=days_ago(1))[0]["loanDaysLate"] == 61


def test_an_empty_list_counts_as_built(database: Database, book: Book) -> None:
    book.bucket("DD-001", 60, 74)
    assert build_missing_lists(database) == 1
    assert build_missing_lists(database) == 0
    book.loan(days_ago(62))
    assert book.calls() == []


def test_the_next_run_is_just_after_midnight_utc() -> None:
    assert seconds_until_next_day(datetime(2020, 2, 28, 23, 59, tzinfo=UTC)) == 120
    assert seconds_until_next_day(datetime(2020, 2, 29, 0, 0, tzinfo=UTC)) == 86400 + 60


class _StopAfterFirstDay(Exception):
    pass


def test_the_daily_loop_builds_todays_lists_then_waits_for_the_next_day(
    database: Database, book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    book.bucket("DD-001", 60, 74)
    book.loan(days_ago(62))
    waits: list[float] = []

    async def first_wait_only(seconds: float) -> None:
        waits.append(seconds)
        raise _StopAfterFirstDay

    monkeypatch.setattr(asyncio, "sleep", first_wait_only)
    with pytest.raises(_StopAfterFirstDay):
        asyncio.run(build_daily(database))

    assert len(book.calls()) == 1
    # Not the hour's retry: every job went through, so the next run is tomorrow's.
    assert waits == [pytest.approx(seconds_until_next_day(datetime.now(UTC)), abs=5)]
