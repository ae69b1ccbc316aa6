"""Building the daily call list: which loans are listed in which bucket, the days-late and window
arithmetic at bucket edges and month ends, caps, live counters and rebuilds."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opendialer.db.session import Database
from tests.conftest import TokenFactory
from tests.loans.helpers import CALLS, Book, assert_error, data, scoped, track

AS_OF = date(2020, 8, 3)


def moment(day: str, clock: str = "00:00:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)


def test_the_seeds_example_62_days_late_is_in_the_60_74_bucket(book: Book) -> None:
    book.bucket("DD-001", 60, 74)
    loan = book.loan("2020-06-02")
    assert book.build("2020-08-03") == [{"servicerId": 2, "listDate": "2020-08-03", "entries": 1}]
    [record] = book.calls()
    assert record["loanId"] == loan["loanId"]
    assert record["loanDaysLate"] == 62
    assert (record["callCode"], record["callDaysStart"], record["callDaysEnd"]) == (
        "DD-001",
        60,
        74,
    )


@pytest.mark.parametrize(
    ("paid_to", "days_late", "listed"),
    [
        ("2020-06-05", 59, False),  # one day before callDaysStart
        ("2020-06-04", 60, True),  # exactly callDaysStart
        ("2020-05-21", 74, True),  # exactly callDaysEnd
        ("2020-05-20", 75, False),  # one day after callDaysEnd
    ],
)
def test_bucket_edges_are_inclusive(book: Book, paid_to: str, days_late: int, listed: bool) -> None:
    book.bucket("DD-001", 60, 74)
    loan = book.loan(paid_to)
    book.build(AS_OF)
    records = book.calls()
    assert [r["loanId"] for r in records] == ([loan["loanId"]] if listed else [])
    if listed:
        assert records[0]["loanDaysLate"] == days_late


def test_adjacent_buckets_share_no_day(book: Book) -> None:
    book.bucket("MID-001", 30, 59)
    book.bucket("DD-001", 60, 74)
    book.bucket("LATE-001", 75, 119)
    paid_to = {
        days: book.loan(AS_OF - timedelta(days=days))["loanId"]
        for days in (29, 30, 59, 60, 74, 75, 119, 120)
    }
    book.build(AS_OF)
    codes = {r["loanId"]: (r["callCode"], r["loanDaysLate"]) for r in book.calls()}
    assert codes == {
        paid_to[30]: ("MID-001", 30),
        paid_to[59]: ("MID-001", 59),
        paid_to[60]: ("DD-001", 60),
        paid_to[74]: ("DD-001", 74),
        paid_to[75]: ("LATE-001", 75),
        paid_to[119]: ("LATE-001", 119),
    }


@pytest.mark.parametrize(
    ("paid_to", "as_of", "bucket", "days_late", "window"),
    [
        # month ends: January 31st plus 30 days is March 1st in a leap year
        ("2020-01-31", "2020-03-01", (30, 44), 30, ("2020-03-01", "2020-03-15")),
        ("2020-01-31", "2020-02-29", (29, 29), 29, ("2020-02-29", "2020-02-29")),
        ("2021-01-31", "2021-03-02", (30, 44), 30, ("2021-03-02", "2021-03-16")),
        ("2020-04-30", "2020-05-31", (31, 31), 31, ("2020-05-31", "2020-05-31")),
        # the leap day itself
        ("2020-02-29", "2020-03-30", (30, 44), 30, ("2020-03-30", "2020-04-13")),
        ("2020-02-29", "2020-03-01", (1, 14), 1, ("2020-03-01", "2020-03-14")),
        ("2020-02-28", "2020-03-01", (2, 2), 2, ("2020-03-01", "2020-03-01")),
        ("2020-02-29", "2021-03-01", (366, 366), 366, ("2021-03-01", "2021-03-01")),
        # across a year end
        ("2019-12-31", "2020-03-01", (60, 74), 61, ("2020-02-29", "2020-03-14")),
        ("2020-12-15", "2021-01-14", (30, 59), 30, ("2021-01-14", "2021-02-12")),
    ],
)
def test_days_late_and_window_across_month_ends_and_leap_days(
    book: Book,
    database: Database,
    paid_to: str,
    as_of: str,
    bucket: tuple[int, int],
    days_late: int,
    window: tuple[str, str],
) -> None:
    book.bucket("B-1", *bucket)
    loan = book.loan(paid_to)
    book.build(as_of)
    [record] = book.calls()
    assert record["loanId"] == loan["loanId"]
    assert record["loanDaysLate"] == days_late
    assert record["loanPaidToDate"] == paid_to
    # The window shows once a call falls in it: on its first and on its last day.
    assert (record["callsAttemptedMinDate"], record["callsAttemptedMaxDate"]) == (None, None)
    track(database, loan, moment(window[0]))
    track(database, loan, moment(window[1], "23:59:59.999"))
    [record] = book.calls()
    assert record["callsAttempted"] == 2
    assert (record["callsAttemptedMinDate"], record["callsAttemptedMaxDate"]) == window
    # No contact yet: the contacts' window stays null.
    assert (record["callsContactedMinDate"], record["callsContactedMaxDate"]) == (None, None)


def test_a_loan_paid_ahead_or_on_time_is_in_no_late_bucket(book: Book) -> None:
    book.bucket("EARLY-001", 1, 29)
    book.loan(AS_OF)
    book.loan(AS_OF + timedelta(days=20))
    late = book.loan(AS_OF - timedelta(days=1))
    book.build(AS_OF)
    assert [r["loanId"] for r in book.calls()] == [late["loanId"]]


def test_a_bucket_from_day_0_lists_loans_due_today(book: Book) -> None:
    book.bucket("DUE-000", 0, 0)
    today = book.loan(AS_OF)
    book.loan(AS_OF + timedelta(days=1))
    book.build(AS_OF)
    [record] = book.calls()
    assert (record["loanId"], record["loanDaysLate"]) == (today["loanId"], 0)


def test_an_open_ended_bucket_of_up_to_100_years_builds(book: Book, database: Database) -> None:
    book.bucket("OPEN", 120, 36500)
    old = book.loan("1990-01-01")
    book.build(AS_OF)
    track(database, old, moment("2020-08-01"))
    [record] = book.calls()
    assert (record["loanId"], record["loanDaysLate"]) == (old["loanId"], 11172)
    assert (record["callsAttemptedMinDate"], record["callsAttemptedMaxDate"]) == (
        "1990-05-01",
        "2089-12-07",
    )


def test_windows_at_the_calendars_end_stop_at_9999_12_31(book: Book, database: Database) -> None:
    # One window ends on the last day a date can hold, one would run past it.
    book.bucket("EARLY", 10, 29, contacts=2)
    book.bucket("LATE", 30, 179, contacts=2)
    last = book.loan("9999-12-02")  # 29 days late: window 9999-12-12 to 9999-12-31
    past = book.loan("9999-11-01")  # 60 days late: window 9999-12-01 to 10000-04-28
    track(database, last, moment("9999-12-31", "23:59:59"))
    track(database, past, moment("9999-12-31", "12:00:00"), "Contacted")
    book.build("9999-12-31")
    records = {r["loanId"]: r for r in book.calls()}
    assert set(records) == {last["loanId"], past["loanId"]}
    for loan, first in ((last, "9999-12-12"), (past, "9999-12-01")):
        record = records[loan["loanId"]]
        assert (record["callsAttemptedMinDate"], record["callsAttemptedMaxDate"]) == (
            first,
            "9999-12-31",
        )
        assert record["callsAttempted"] == 1
    assert records[past["loanId"]]["callsContacted"] == 1
    assert records[last["loanId"]]["callsContacted"] == 0


@pytest.mark.parametrize(
    "status",
    ["charge off", "default", "forbearance", "fraud", "paid in full", "rejected", "write off"],
)
def test_only_loans_in_repayment_are_listed(book: Book, status: str) -> None:
    book.bucket("DD-001", 60, 74)
    book.loan("2020-06-02", status=status)
    repaying = book.loan("2020-06-02")
    book.build(AS_OF)
    assert [r["loanId"] for r in book.calls()] == [repaying["loanId"]]


def test_a_loan_without_a_paid_to_date_is_not_listed(book: Book) -> None:
    book.bucket("DD-001", 60, 74)
    book.loan(None)
    book.build(AS_OF)
    assert book.calls() == []


def test_a_loan_changed_after_a_build_is_listed_by_the_next_build(
    client: TestClient, book: Book
) -> None:
    book.bucket("DD-001", 60, 74)
    loan = book.loan("2020-06-02", status="forbearance")
    book.build(AS_OF)
    assert book.calls() == []
    patched = client.patch(
        f"/loans/{loan['loanId']}", json={"loanStatus": "repayment"}, headers=book.headers
    )
    assert patched.status_code == 200, patched.text
    book.build(AS_OF)
    assert [r["loanId"] for r in book.calls()] == [loan["loanId"]]


def test_a_bucket_narrowed_to_a_lender_wins_over_the_general_one(book: Book) -> None:
    book.bucket("DD-001", 60, 74, attempts=4)
    book.bucket("DD-PRAIRIE", 55, 80, attempts=2, lender="Prairie State Bank")
    general = book.loan("2020-06-02")
    prairie = book.loan("2020-06-02", lender="Prairie State Bank")
    prairie_early = book.loan(AS_OF - timedelta(days=56), lender="Prairie State Bank")
    book.loan(AS_OF - timedelta(days=56))  # no general bucket covers 56 days
    book.build(AS_OF)
    codes = {r["loanId"]: (r["callCode"], r["callAttemptsPerBucket"]) for r in book.calls()}
    assert codes == {
        general["loanId"]: ("DD-001", 4),
        prairie["loanId"]: ("DD-PRAIRIE", 2),
        prairie_early["loanId"]: ("DD-PRAIRIE", 2),
    }


def test_each_entry_carries_its_buckets_code_and_caps(book: Book) -> None:
    book.bucket("MID-001", 30, 59, attempts=3, contacts=2)
    book.bucket("DD-001", 60, 74, attempts=4, contacts=1)
    book.loan(AS_OF - timedelta(days=40))
    book.loan(AS_OF - timedelta(days=65))
    book.build(AS_OF)
    caps = {
        (
            r["callCode"],
            r["callDaysStart"],
            r["callDaysEnd"],
            r["callAttemptsPerBucket"],
            r["callContactsPerBucket"],
        )
        for r in book.calls()
    }
    assert caps == {("MID-001", 30, 59, 3, 2), ("DD-001", 60, 74, 4, 1)}


def test_a_bucket_deleted_after_a_build_stays_on_that_days_list(
    client: TestClient, book: Book
) -> None:
    bucket = book.bucket("DD-001", 60, 74)
    book.loan("2020-06-02")
    book.build(AS_OF)
    deleted = client.delete(f"/buckets/{bucket['bucketId']}", headers=book.headers)
    assert deleted.status_code == 204
    assert [r["callCode"] for r in book.calls()] == ["DD-001"]


# ---------------------------------------------------------------------------------------------
# Rebuilds and earlier days


def test_rebuilding_a_day_replaces_its_list_with_new_call_ids(book: Book) -> None:
    book.bucket("DD-001", 60, 74)
    first_loan = book.loan("2020-06-02")
    book.build(AS_OF)
    before = book.calls()
    second_loan = book.loan("2020-06-03")
    assert book.build(AS_OF) == [{"servicerId": 2, "listDate": "2020-08-03", "entries": 2}]
    after = book.calls()
    assert {r["loanId"] for r in after} == {first_loan["loanId"], second_loan["loanId"]}
    assert len({r["callId"] for r in after}) == 2
    assert not {r["callId"] for r in before} & {r["callId"] for r in after}


def test_call_ids_are_uuids_that_sort_in_the_lists_order(book: Book) -> None:
    book.bucket("DD-001", 30, 74)
    for paid_to in ("2020-06-20", "2020-06-02", "2020-06-11", "2020-05-25"):
        book.loan(paid_to)
    book.build(AS_OF)
    first = book.calls()
    assert [r["loanDaysLate"] for r in first] == [70, 62, 53, 44]
    ids = [r["callId"] for r in first]
    assert ids == sorted(ids)
    assert all(uuid.UUID(call_id).version == 7 for call_id in ids)
    book.build(AS_OF)
    # A rebuild's ids sort after the replaced ones.
    assert min(r["callId"] for r in book.calls()) > ids[-1]


def test_earlier_days_lists_stay_readable_by_createddate(book: Book) -> None:
    book.bucket("DD-001", 60, 74)
    loan = book.loan("2020-06-02")
    days = [AS_OF + timedelta(days=n) for n in range(3)]
    for day in days:
        book.build(day)
    for n, day in enumerate(days):
        [record] = book.calls(createddate=day.isoformat())
        assert record["loanId"] == loan["loanId"]
        assert record["loanDaysLate"] == 62 + n
        assert record["createdDate"][:10] == day.isoformat()
    assert book.calls()[0]["loanDaysLate"] == 64
    # rebuilding the middle day changes neither of the others
    untouched = [book.calls(createddate=days[0].isoformat()), book.calls()]
    book.build(days[1])
    assert [book.calls(createddate=days[0].isoformat()), book.calls()] == untouched


def test_a_list_built_for_an_earlier_day_does_not_hide_the_newest(book: Book) -> None:
    book.bucket("DD-001", 60, 74)
    book.loan("2020-06-02")
    book.build("2020-08-05")
    book.build("2020-08-01")
    assert book.calls()[0]["createdDate"][:10] == "2020-08-05"


def test_the_build_endpoint_builds_every_servicer_without_servicerid(
    client: TestClient, auth: TokenFactory, book: Book, west_book: Book
) -> None:
    book.bucket("DD-001", 60, 74)
    book.loan("2020-06-02")
    west_book.bucket("DD-001", 60, 74)
    west_book.loan("2020-06-02")
    west_book.loan("2020-06-03")
    tenant_wide = {**auth(), "tenantid": "314"}
    response = client.post(f"{CALLS}/build", params={"asof": "2020-08-03"}, headers=tenant_wide)
    assert data(response) == [
        {"servicerId": 2, "listDate": "2020-08-03", "entries": 1},
        {"servicerId": 3, "listDate": "2020-08-03", "entries": 2},
    ]
    assert len(book.calls()) == 1
    assert len(west_book.calls()) == 2


def test_a_servicer_without_buckets_builds_nothing(book: Book) -> None:
    book.loan("2020-06-02")
    assert book.build(AS_OF) == []
    assert book.calls() == []


def test_the_build_defaults_to_today_utc(client: TestClient, book: Book) -> None:
    today = datetime.now(UTC).date()
    book.bucket("DD-001", 60, 74)
    loan = book.loan(today - timedelta(days=62))
    response = client.post(f"{CALLS}/build", headers=book.headers)
    assert data(response) == [{"servicerId": 2, "listDate": today.isoformat(), "entries": 1}]
    [record] = book.calls()
    assert (record["loanId"], record["loanDaysLate"]) == (loan["loanId"], 62)
    assert record["createdDate"][:10] == today.isoformat()


@pytest.mark.parametrize("asof", ["2020-13-01", "tomorrow", "2020-02-30", "0", "1600000000"])
def test_a_build_date_that_is_no_date_is_400(client: TestClient, book: Book, asof: str) -> None:
    response = client.post(f"{CALLS}/build", params={"asof": asof}, headers=book.headers)
    assert_error(response, 400, "asof")


@pytest.mark.parametrize("role", ["reports_admin", "agent"])
def test_only_a_writer_may_build(
    client: TestClient, auth: TokenFactory, book: Book, role: str
) -> None:
    book.bucket("DD-001", 60, 74)
    book.loan("2020-06-02")
    response = client.post(
        f"{CALLS}/build", params={"asof": "2020-08-03"}, headers=scoped(auth, role=role)
    )
    assert_error(response, 403)
    assert book.calls() == []


def test_another_tenant_building_leaves_this_tenants_list_alone(
    book: Book, other_book: Book
) -> None:
    book.bucket("DD-001", 60, 74)
    book.loan("2020-06-02")
    book.build(AS_OF)
    ours = book.calls()
    other_book.bucket("DD-001", 60, 74)
    other_book.loan("2020-06-02")
    assert other_book.build(AS_OF) == [{"servicerId": 7, "listDate": "2020-08-03", "entries": 1}]
    assert book.calls() == ours


# ---------------------------------------------------------------------------------------------
# Caps and the live counters


@pytest.fixture
def dd_loan(book: Book) -> dict[str, Any]:
    """A loan paid to 2020-06-02 with a 60-74 bucket of 2 attempts and 1 contact: its window is
    2020-08-01 .. 2020-08-15."""
    book.bucket("MID-001", 30, 59, attempts=2, contacts=1)
    book.bucket("DD-001", 60, 74, attempts=2, contacts=1)
    return book.loan("2020-06-02")


def listed_ids(book: Book) -> list[str]:
    book.build(AS_OF)
    return [r["loanId"] for r in book.calls()]


def test_a_loan_below_its_caps_is_listed_with_its_counts(
    book: Book, database: Database, dd_loan: dict[str, Any]
) -> None:
    track(database, dd_loan, moment("2020-08-01", "12:00:00"))
    assert listed_ids(book) == [dd_loan["loanId"]]
    [record] = book.calls()
    assert (record["callsAttempted"], record["callsContacted"]) == (1, 0)


def test_a_loan_that_reached_its_attempts_cap_is_left_out(
    book: Book, database: Database, dd_loan: dict[str, Any]
) -> None:
    track(database, dd_loan, moment("2020-08-01", "12:00:00"))
    track(database, dd_loan, moment("2020-08-02", "12:00:00"))
    assert listed_ids(book) == []


def test_a_loan_that_reached_its_contacts_cap_is_left_out(
    book: Book, database: Database, dd_loan: dict[str, Any]
) -> None:
    track(database, dd_loan, moment("2020-08-02", "12:00:00"), "Contacted")
    assert listed_ids(book) == []


def test_calls_outside_the_bucket_window_do_not_count(
    book: Book, database: Database, dd_loan: dict[str, Any]
) -> None:
    # calls in the previous bucket (2020-07-02 .. 2020-07-31), up to its last instant
    track(database, dd_loan, moment("2020-07-20", "12:00:00"), "Contacted")
    track(database, dd_loan, moment("2020-07-31", "23:59:59.999999"))
    track(database, dd_loan, moment("2020-07-31", "23:59:59.999999"))
    # and after the window's last day
    track(database, dd_loan, moment("2020-08-16"))
    track(database, dd_loan, moment("2020-08-16"), "Contacted")
    assert listed_ids(book) == [dd_loan["loanId"]]
    [record] = book.calls()
    assert (record["callsAttempted"], record["callsContacted"]) == (0, 0)


def test_the_window_includes_its_first_and_last_day_whole(
    book: Book, database: Database, dd_loan: dict[str, Any]
) -> None:
    track(database, dd_loan, moment("2020-08-01", "00:00:00"))
    assert listed_ids(book) == [dd_loan["loanId"]]
    # the window's last instant counts too, live
    track(database, dd_loan, moment("2020-08-15", "23:59:59.999"))
    [record] = book.calls()
    assert record["callsAttempted"] == 2
    assert listed_ids(book) == []


def test_a_cap_reached_in_the_previous_bucket_does_not_carry_over(
    book: Book, database: Database, dd_loan: dict[str, Any]
) -> None:
    # 2020-07-03 is 31 days after 2020-06-02: inside MID-001 (30-59)
    track(database, dd_loan, moment("2020-07-03", "15:00:00"))
    track(database, dd_loan, moment("2020-07-04", "15:00:00"), "Contacted")
    book.build("2020-07-05")
    assert book.calls() == []
    assert listed_ids(book) == [dd_loan["loanId"]]


def test_counters_are_live_every_call_an_attempt_contacted_also_a_contact(
    book: Book, database: Database, dd_loan: dict[str, Any]
) -> None:
    assert listed_ids(book) == [dd_loan["loanId"]]
    [record] = book.calls()
    assert (record["callsAttempted"], record["callsContacted"]) == (0, 0)
    track(database, dd_loan, moment("2020-08-03", "14:00:00"))
    [record] = book.calls()
    assert (record["callsAttempted"], record["callsContacted"]) == (1, 0)
    track(database, dd_loan, moment("2020-08-03", "15:00:00"), "Contacted")
    [record] = book.calls()
    assert (record["callsAttempted"], record["callsContacted"]) == (2, 1)
    # the list stays as built; the next build leaves the loan out
    assert listed_ids(book) == []


def test_counters_count_only_this_loans_calls(
    book: Book, database: Database, dd_loan: dict[str, Any]
) -> None:
    other = book.loan("2020-06-02")
    track(database, other, moment("2020-08-03", "14:00:00"))
    book.build(AS_OF)
    counts = {r["loanId"]: r["callsAttempted"] for r in book.calls()}
    assert counts == {dd_loan["loanId"]: 0, other["loanId"]: 1}


def test_counters_on_a_page_of_many_loans_with_different_windows(
    book: Book, database: Database
) -> None:
    book.bucket("MID-001", 30, 59, attempts=9, contacts=9)
    book.bucket("DD-001", 60, 74, attempts=9, contacts=9)
    mid = book.loan("2020-07-01")  # 33 days late; window 2020-07-31 .. 2020-08-29
    dd = book.loan("2020-06-02")  # 62 days late; window 2020-08-01 .. 2020-08-15
    track(database, mid, moment("2020-07-31", "10:00:00"))
    track(database, dd, moment("2020-07-31", "10:00:00"))  # before dd's window
    track(database, mid, moment("2020-08-20", "10:00:00"), "Contacted")
    track(database, dd, moment("2020-08-20", "10:00:00"), "Contacted")  # after dd's window
    track(database, dd, moment("2020-08-10", "10:00:00"), "Contacted")
    book.build(AS_OF)
    counts = {r["loanId"]: (r["callsAttempted"], r["callsContacted"]) for r in book.calls()}
    assert counts == {mid["loanId"]: (2, 1), dd["loanId"]: (1, 1)}


@pytest.mark.parametrize("as_of", ["2020-02-29", "2020-03-01", "2020-12-31", "2021-03-01"])
def test_days_late_and_windows_of_many_loans_match_calendar_arithmetic(
    book: Book, database: Database, as_of: str
) -> None:
    buckets = [("B-000", 0, 0), ("B-001", 1, 30), ("B-031", 31, 59), ("B-060", 60, 366)]
    for code, start, end in buckets:
        book.bucket(code, start, end)
    day = date.fromisoformat(as_of)
    rng = random.Random(as_of)
    paid_to = [day - timedelta(days=n) for n in (0, 1, 29, 30, 31, 59, 60, 365, 366, 367)]
    paid_to += [day - timedelta(days=rng.randint(-30, 400)) for _ in range(40)]
    paid_to += [date(2020, 1, 31), date(2020, 2, 29), date(2019, 12, 31), date(2020, 4, 30)]
    rows = [
        {
            "loanExternalReferenceId": f"LN-{n}",
            "loanStatus": "repayment",
            "loanPaidToDate": p.isoformat(),
        }
        for n, p in enumerate(paid_to)
    ]
    assert data(book.client.post("/loans/bulk", json=rows, headers=book.headers))["created"] == len(
        rows
    )
    book.build(as_of)
    # One call on the list's day, inside each listed loan's window, so that the window shows.
    for record in book.calls():
        track(database, record, moment(as_of, "12:00:00"))
    expected = {}
    for n, p in enumerate(paid_to):
        late = (day - p).days
        for code, start, end in buckets:
            if start <= late <= end:
                window = ((p + timedelta(start)).isoformat(), (p + timedelta(end)).isoformat())
                expected[f"LN-{n}"] = (code, late, *window)
    got = {
        r["loanExternalReferenceId"]: (
            r["callCode"],
            r["loanDaysLate"],
            r["callsAttemptedMinDate"],
            r["callsAttemptedMaxDate"],
        )
        for r in book.calls()
    }
    assert got == expected
    assert [r["loanDaysLate"] for r in book.calls()] == sorted(
        (v[1] for v in expected.values()), reverse=True
    )


def test_calls_recorded_through_call_tracking_count_live(
    book: Book, dd_loan: dict[str, Any]
) -> None:
    assert listed_ids(book) == [dd_loan["loanId"]]
    recorded = book.client.post(
        "/calltracking/calls",
        json=[
            {
                "loanId": dd_loan["loanId"],
                "phoneNumber": "(303) 696-3303",
                "callStatus": status,
                "callTimestamp": when,
            }
            for status, when in (
                ("Attempted", "2020-07-31T23:59:59.999Z"),  # the day before the window
                ("Attempted", "2020-08-01T00:00:00.000Z"),
                ("Contacted", "2020-08-03T09:15:00.000Z"),
            )
        ],
        headers=book.headers,
    )
    assert recorded.status_code == 201, recorded.text
    [record] = book.calls()
    assert (record["callsAttempted"], record["callsContacted"]) == (2, 1)
    assert listed_ids(book) == []
