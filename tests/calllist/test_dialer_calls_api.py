"""GET /dialer/calls as the seed defines it: the record, every filter, paging and its links,
the tenantid and servicerid headers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient

from opendialer.db.session import Database
from tests.conftest import TokenFactory
from tests.loans.helpers import CALLS, GATEWAY_CALLS, Book, assert_error, data, scoped, track

# Paging links are relative to the face's base, as the seed writes them.
LINK = "/calls"

AS_OF = date(2020, 8, 3)

# The seed's example record, verbatim.
SEED_RECORD: dict[str, Any] = {
    "callCode": "DD-001",
    "lenderId": "e6310976-06ab-4ddd-8d48-58683e94c246",
    "lenderName": "Example Lender",
    "lenderShortName": "Example Lender",
    "lenderIdentifierNumber": "",
    "loanId": "22820c48-72fa-420f-b08a-aac68529d599",
    "loanNumber": "672182867011",
    "loanExternalReferenceId": "",
    "loanStatus": "repayment",
    "loanDaysLate": 62,
    "loanPaidToDate": "2020-06-02",
    "loanNextDueDate": "2020-08-11",
    "loanLastPaymentDate": None,
    "loanPastAmountDue": 425,
    "loanFeeOutstanding": 30,
    "loanInterestBalance": 109.65,
    "loanCurrentAmountDue": 85,
    "borrowerId": "7bc63907-babd-45e6-84cf-a4301d8c53f2",
    "borrowerNumber": "6336189931",
    "borrowerExternalReferenceId": "5619ceb9-82a2-4ab6-8004-a5e77eabf083",
    "borrowerType": "borrower",
    "borrowerFirstName": "Henry",
    "borrowerMiddleName": "A",
    "borrowerLastName": "Hudson",
    "borrowerSuffix": None,
    "borrowerPhoneNumber": "+13036963303",
    "borrowerCellPhoneConsent": False,
    "callAttemptsPerBucket": 4,
    "callContactsPerBucket": 1,
    "callDaysStart": 60,
    "callDaysEnd": 74,
    "callsAttempted": 0,
    "callsAttemptedMinDate": None,
    "callsAttemptedMaxDate": None,
    "callsContacted": 0,
    "callsContactedMinDate": None,
    "callsContactedMaxDate": None,
    "callId": "a8246bd7-4d33-4b9f-9a47-9decff83d1aa",
    "tenantId": 314,
    "servicerId": 2,
    "createdBy": {},
    "createdDate": "2020-08-03T09:42:53.795Z",
    "updatedBy": {},
    "updatedDate": "2020-08-03T09:42:53.795Z",
}
AMOUNTS = ("loanPastAmountDue", "loanFeeOutstanding", "loanInterestBalance", "loanCurrentAmountDue")
IDS = ("lenderId", "loanId", "borrowerId", "callId")
STAMPS = ("createdDate", "updatedDate")


def seed_loan(book: Book) -> dict[str, Any]:
    """The seed example's lender, borrower and loan, in the DD-001 bucket of 60-74 days."""
    book.lender("Example Lender", lenderIdentifierNumber="")
    borrower = book.borrower(
        borrowerNumber="6336189931",
        borrowerExternalReferenceId="5619ceb9-82a2-4ab6-8004-a5e77eabf083",
        borrowerType="borrower",
        borrowerFirstName="Henry",
        borrowerMiddleName="A",
        borrowerLastName="Hudson",
        borrowerPhoneNumber="(303) 696-3303",
        borrowerCellPhoneConsent=False,
    )
    return book.loan(
        "2020-06-02",
        borrower=borrower,
        loanNumber="672182867011",
        loanExternalReferenceId="",
        loanNextDueDate="2020-08-11",
        loanPastAmountDue=425,
        loanFeeOutstanding=30,
        loanInterestBalance=109.65,
        loanCurrentAmountDue=85,
    )


@pytest.fixture
def seeded(book: Book) -> dict[str, Any]:
    """The seed's loan in the seed's bucket, on the list of 2020-08-03."""
    book.bucket("DD-001", 60, 74, attempts=4, contacts=1)
    loan = seed_loan(book)
    book.build(AS_OF)
    return loan


def test_a_record_has_every_field_of_the_seed_in_its_order_and_json_type(
    book: Book, seeded: dict[str, Any]
) -> None:
    response = book.get(limit=1)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["data", "paging"] or list(body) == ["paging", "data"]
    [record] = body["data"]
    assert list(record) == list(SEED_RECORD)
    for field, example in SEED_RECORD.items():
        if field in AMOUNTS:
            # An amount is always a decimal number, whole or not (the seed writes 425).
            assert type(record[field]) is float, (field, record[field])
        else:
            assert type(record[field]) is type(example), (field, record[field])
    # No call yet: callsAttempted and callsContacted are 0, their windows null, as in the seed.
    expected = {k: v for k, v in SEED_RECORD.items() if k not in (*IDS, *STAMPS)}
    assert {k: v for k, v in record.items() if k in expected} == expected


def test_a_record_carries_our_ids_the_build_date_and_the_bucket_window(
    book: Book, seeded: dict[str, Any], database: Database
) -> None:
    track(database, seeded, datetime(2020, 8, 2, 15, tzinfo=UTC), "Contacted")
    [record] = book.calls()
    assert record["loanId"] == seeded["loanId"]
    assert record["borrowerId"] == seeded["borrowerId"]
    assert record["lenderId"] == book.lenders["Example Lender"]
    assert record["createdDate"].startswith("2020-08-03T")
    assert record["createdDate"].endswith("Z") and len(record["createdDate"]) == 24
    assert record["updatedDate"] == record["createdDate"]
    # 2020-06-02 plus 60 days, and plus 74 days
    assert record["callsAttemptedMinDate"] == record["callsContactedMinDate"] == "2020-08-01"
    assert record["callsAttemptedMaxDate"] == record["callsContactedMaxDate"] == "2020-08-15"


def test_the_created_date_of_a_record_finds_its_list(book: Book, seeded: dict[str, Any]) -> None:
    [record] = book.calls()
    assert book.calls(createddate=record["createdDate"]) == [record]
    assert book.calls(createddate=record["createdDate"][:10]) == [record]


def test_the_gateway_path_answers_the_same(book: Book, seeded: dict[str, Any]) -> None:
    plain = book.get(CALLS).json()
    gateway = book.get(GATEWAY_CALLS).json()
    assert gateway["data"] == plain["data"]
    assert gateway["paging"]["links"]["first"].startswith(LINK + "?")


def test_a_borrower_without_a_middle_name_suffix_or_lender_answers_null(book: Book) -> None:
    book.bucket("DD-001", 60, 74)
    loan = book.loan("2020-06-02", lender=None)
    book.build(AS_OF)
    [record] = book.calls()
    assert record["loanId"] == loan["loanId"]
    for field in (
        "lenderId",
        "lenderName",
        "lenderShortName",
        "lenderIdentifierNumber",
        "borrowerMiddleName",
        "borrowerSuffix",
        "loanLastPaymentDate",
        "loanPastAmountDue",
    ):
        assert record[field] is None, field
    assert record["borrowerCellPhoneConsent"] is False


def test_co_borrowers_and_consent_are_shown_as_stored(book: Book) -> None:
    book.bucket("DD-001", 60, 74)
    borrower = book.borrower(borrowerType="co-borrower", borrowerCellPhoneConsent=True)
    book.loan("2020-06-02", borrower=borrower)
    book.build(AS_OF)
    [record] = book.calls()
    assert record["borrowerType"] == "co-borrower"
    assert record["borrowerCellPhoneConsent"] is True


# ---------------------------------------------------------------------------------------------
# Filters


@pytest.fixture
def listed(book: Book) -> list[dict[str, Any]]:
    """Six loans on the 2020-08-03 list: four in DD-001 (60-74), two in LATE-001 (75-119); the
    first two share one borrower and phone number."""
    book.bucket("DD-001", 60, 74)
    book.bucket("LATE-001", 75, 119)
    shared = book.borrower(borrowerPhoneNumber="+13036963303")
    loans = [
        book.loan(AS_OF - timedelta(days=62), borrower=shared),
        book.loan(AS_OF - timedelta(days=61), borrower=shared),
        book.loan(AS_OF - timedelta(days=70)),
        book.loan(AS_OF - timedelta(days=60)),
        book.loan(AS_OF - timedelta(days=80)),
        book.loan(AS_OF - timedelta(days=119)),
    ]
    book.build(AS_OF)
    return loans


def ids(records: list[dict[str, Any]]) -> set[str]:
    return {r["loanId"] for r in records}


def test_without_filters_every_entry_of_the_newest_list(
    book: Book, listed: list[dict[str, Any]]
) -> None:
    assert ids(book.calls()) == ids(listed)


def test_loanid_filter(book: Book, listed: list[dict[str, Any]]) -> None:
    for loan in listed:
        [record] = book.calls(loanid=loan["loanId"])
        assert record["loanId"] == loan["loanId"]
    assert book.calls(loanid="00000000-0000-4000-8000-000000000000") == []


def test_borrowerid_filter(book: Book, listed: list[dict[str, Any]]) -> None:
    shared = listed[0]["borrowerId"]
    assert ids(book.calls(borrowerid=shared)) == ids(listed[:2])
    assert ids(book.calls(borrowerid=listed[4]["borrowerId"])) == {listed[4]["loanId"]}
    assert book.calls(borrowerid="no-such-borrower") == []


def test_callcode_filter(book: Book, listed: list[dict[str, Any]]) -> None:
    assert ids(book.calls(callcode="DD-001")) == ids(listed[:4])
    assert ids(book.calls(callcode="LATE-001")) == ids(listed[4:])
    assert {r["callCode"] for r in book.calls(callcode="LATE-001")} == {"LATE-001"}
    assert book.calls(callcode="dd-001") == []
    assert book.calls(callcode="NONE") == []


@pytest.mark.parametrize(
    "spelling",
    [
        "+13036963303",
        "3036963303",
        "(303) 696-3303",
        "303-696-3303",
        "303.696.3303",
        "303 696 3303",
        "1-303-696-3303",
        "+1 (303) 696-3303",
        "+1 303 696 3303",
        "+1-303-696-3303",
        "(303)696-3303",
        "1 (303) 696-3303",
        "13036963303",
    ],
)
def test_phonenumber_filter_matches_any_common_spelling(
    book: Book, listed: list[dict[str, Any]], spelling: str
) -> None:
    records = book.calls(phonenumber=spelling)
    assert ids(records) == ids(listed[:2])
    assert {r["borrowerPhoneNumber"] for r in records} == {"+13036963303"}


def test_a_plus_sent_unencoded_in_the_query_still_matches(
    client: TestClient, book: Book, listed: list[dict[str, Any]]
) -> None:
    # curl -G 'https://.../dialer/calls?phonenumber=+13036963303' sends the + as a space
    response = client.get(f"{CALLS}?phonenumber=+13036963303", headers=book.headers)
    assert ids(data(response)) == ids(listed[:2])


def test_phonenumber_filter_finds_numbers_stored_in_any_spelling(book: Book) -> None:
    book.bucket("DD-001", 60, 74)
    loans = [
        book.loan("2020-06-02", borrower=book.borrower(borrowerPhoneNumber=spelling))
        for spelling in ("303.555.0199", "+1 303 555 0199", "(303) 555-0199")
    ]
    book.loan("2020-06-02", borrower=book.borrower(borrowerPhoneNumber="303-555-0198"))
    book.build(AS_OF)
    records = book.calls(phonenumber="3035550199")
    assert ids(records) == ids(loans)
    assert {r["borrowerPhoneNumber"] for r in records} == {"+13035550199"}


def test_a_phonenumber_nobody_has_finds_nothing(book: Book, listed: list[dict[str, Any]]) -> None:
    assert book.calls(phonenumber="(212) 555-0100") == []


def test_a_phonenumber_that_is_no_number_is_400(book: Book, listed: list[dict[str, Any]]) -> None:
    assert_error(book.get(phonenumber="not a number"), 400, "phonenumber")


def test_filters_combine(book: Book, listed: list[dict[str, Any]]) -> None:
    shared = listed[0]
    assert ids(book.calls(phonenumber="3036963303", callcode="DD-001")) == ids(listed[:2])
    assert book.calls(phonenumber="3036963303", callcode="LATE-001") == []
    assert ids(book.calls(borrowerid=shared["borrowerId"], loanid=listed[1]["loanId"])) == {
        listed[1]["loanId"]
    }
    assert book.calls(borrowerid=shared["borrowerId"], loanid=listed[4]["loanId"]) == []
    assert ids(book.calls(borrowerid=shared["borrowerId"], phonenumber="3036963303")) == ids(
        listed[:2]
    )


def test_a_borrowerid_with_a_phonenumber_nobody_has_finds_nothing(
    book: Book, listed: list[dict[str, Any]]
) -> None:
    shared = listed[0]["borrowerId"]
    assert book.calls(borrowerid=shared, phonenumber="(212) 555-0100") == []
    assert (
        book.calls(borrowerid=shared, phonenumber=listed[4]["borrower"]["borrowerPhoneNumber"])
        == []
    )


def test_createddate_picks_a_days_list_and_defaults_to_the_newest(
    book: Book, listed: list[dict[str, Any]]
) -> None:
    book.build(AS_OF + timedelta(days=1))
    newest = book.calls()
    assert {r["createdDate"][:10] for r in newest} == {"2020-08-04"}
    earlier = book.calls(createddate="2020-08-03")
    assert {r["createdDate"][:10] for r in earlier} == {"2020-08-03"}
    days = {r["loanId"]: r["loanDaysLate"] for r in earlier}
    assert {r["loanId"]: r["loanDaysLate"] - 1 for r in newest if r["loanId"] in days} == {
        r["loanId"]: days[r["loanId"]] for r in newest if r["loanId"] in days
    }
    assert book.calls(createddate="2020-08-03T09:42:53.795Z") == earlier
    # a date-time picks the list of its UTC date
    assert book.calls(createddate="2020-08-03T23:30:00-02:00") == newest
    assert book.calls(createddate="2020-08-04T01:30:00+02:00") == earlier
    assert book.calls(createddate="2020-08-05") == []


@pytest.mark.parametrize(
    "raw",
    [
        "yesterday",
        "2020-13-01",
        "2020-02-30",
        "08/03/2020",
        "2020-08-03T25:00:00Z",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T01:00:00+05:00",
    ],
)
def test_a_createddate_that_is_no_date_is_400(
    book: Book, listed: list[dict[str, Any]], raw: str
) -> None:
    assert_error(book.get(createddate=raw), 400, "createddate")


def test_nothing_built_yet_is_an_empty_page(book: Book) -> None:
    response = book.get()
    assert response.status_code == 200
    assert response.json() == {
        "paging": {
            "offset": 0,
            "limit": 20,
            "links": {"first": f"{LINK}?offset=0&limit=20", "last": f"{LINK}?offset=0&limit=20"},
        },
        "data": [],
    }


# ---------------------------------------------------------------------------------------------
# Paging


@pytest.fixture
def five(book: Book) -> list[dict[str, Any]]:
    book.bucket("DD-001", 60, 74)
    loans = [book.loan(AS_OF - timedelta(days=60 + n)) for n in range(5)]
    book.build(AS_OF)
    return loans


def query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


def test_offset_defaults_to_0_and_limit_to_20(book: Book, five: list[dict[str, Any]]) -> None:
    paging = book.get().json()["paging"]
    assert paging["offset"] == 0 and paging["limit"] == 20
    assert isinstance(paging["offset"], int) and isinstance(paging["limit"], int)


def test_pages_and_their_links(book: Book, five: list[dict[str, Any]]) -> None:
    first = book.get(offset=0, limit=2).json()
    assert first["paging"] == {
        "offset": 0,
        "limit": 2,
        "links": {
            "first": f"{LINK}?offset=0&limit=2",
            "last": f"{LINK}?offset=4&limit=2",
            "next": f"{LINK}?offset=2&limit=2",
        },
    }
    assert len(first["data"]) == 2
    middle = book.get(offset=2, limit=2).json()
    assert middle["paging"]["links"] == {
        "first": f"{LINK}?offset=0&limit=2",
        "last": f"{LINK}?offset=4&limit=2",
        "previous": f"{LINK}?offset=0&limit=2",
        "next": f"{LINK}?offset=4&limit=2",
    }
    last = book.get(offset=4, limit=2).json()
    assert len(last["data"]) == 1
    assert "next" not in last["paging"]["links"]
    assert last["paging"]["links"]["previous"] == f"{LINK}?offset=2&limit=2"


def test_one_page_holding_everything_has_neither_previous_nor_next(
    book: Book, five: list[dict[str, Any]]
) -> None:
    links = book.get(limit=5).json()["paging"]["links"]
    assert links == {"first": f"{LINK}?offset=0&limit=5", "last": f"{LINK}?offset=0&limit=5"}


def follow(
    client: TestClient, headers: dict[str, str], link: str, via: str = CALLS
) -> dict[str, Any]:
    """The page a link leads to, joined to the base of the path `via` as a client joins it
    (`/calls?...` under `/dialerapi/dialer`)."""
    response = client.get(via.rsplit("/", 1)[0] + link, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 7])
def test_following_next_visits_every_entry_once_in_order(
    client: TestClient, book: Book, five: list[dict[str, Any]], limit: int
) -> None:
    everything = book.calls()
    seen: list[dict[str, Any]] = []
    body = book.get(limit=limit).json()
    while True:
        seen += body["data"]
        if "next" not in body["paging"]["links"]:
            break
        body = follow(client, book.headers, body["paging"]["links"]["next"])
    assert seen == everything
    assert (
        body["paging"]["links"]["last"] == f"{LINK}?offset={body['paging']['offset']}&limit={limit}"
    )


def test_following_previous_from_last_leads_back_to_first(
    client: TestClient, book: Book, five: list[dict[str, Any]]
) -> None:
    start = book.get(limit=2).json()
    body = follow(client, book.headers, start["paging"]["links"]["last"])
    pages = [body["data"]]
    while "previous" in body["paging"]["links"]:
        body = follow(client, book.headers, body["paging"]["links"]["previous"])
        pages.insert(0, body["data"])
    assert body == start
    assert [r for page in pages for r in page] == book.calls()


def test_links_keep_the_filters_and_lead_to_pages_with_them(
    client: TestClient, book: Book, listed: list[dict[str, Any]]
) -> None:
    body = book.get(
        callcode="DD-001", createddate="2020-08-03", phonenumber="+13036963303", limit=1
    ).json()
    links = body["paging"]["links"]
    assert set(links) == {"first", "last", "next"}
    for link in links.values():
        assert urlsplit(link).path == LINK
        assert query(link)["callcode"] == ["DD-001"]
        assert query(link)["createddate"] == ["2020-08-03"]
        assert query(link)["phonenumber"] == ["+13036963303"]
    second = follow(client, book.headers, links["next"])
    assert [r["loanId"] for r in body["data"] + second["data"]] == [
        r["loanId"] for r in book.calls(callcode="DD-001", phonenumber="+13036963303")
    ]
    assert "next" not in second["paging"]["links"]
    assert follow(client, book.headers, links["last"]) == second


def test_gateway_links_are_relative_to_the_gateway_base_and_lead_to_its_pages(
    client: TestClient, book: Book, five: list[dict[str, Any]]
) -> None:
    body = book.get(GATEWAY_CALLS, limit=2, loanid=five[0]["loanId"]).json()
    assert body["paging"]["links"]["first"] == (
        f"{LINK}?loanid={five[0]['loanId']}&offset=0&limit=2"
    )
    last = follow(client, book.headers, body["paging"]["links"]["last"], via=GATEWAY_CALLS)
    assert last["data"] == body["data"]


def test_an_offset_past_the_end_is_an_empty_page_with_links_back(
    client: TestClient, book: Book, five: list[dict[str, Any]]
) -> None:
    body = book.get(offset=10, limit=2).json()
    assert body["data"] == []
    links = body["paging"]["links"]
    assert "next" not in links
    assert links["last"] == f"{LINK}?offset=4&limit=2"
    assert links["previous"] == f"{LINK}?offset=4&limit=2"
    assert len(follow(client, book.headers, links["previous"])["data"]) == 1
    assert book.get(offset=5, limit=2).json()["data"] == []


def test_an_offset_not_on_a_page_boundary(book: Book, five: list[dict[str, Any]]) -> None:
    everything = book.calls()
    body = book.get(offset=1, limit=2).json()
    assert body["data"] == everything[1:3]
    assert body["paging"]["links"]["previous"] == f"{LINK}?offset=0&limit=2"
    assert body["paging"]["links"]["next"] == f"{LINK}?offset=3&limit=2"


def test_filtered_paging_with_an_offset(book: Book, listed: list[dict[str, Any]]) -> None:
    everything = book.calls(callcode="DD-001")
    assert data(book.get(callcode="DD-001", offset=1, limit=2)) == everything[1:3]
    assert data(book.get(callcode="DD-001", offset=4, limit=2)) == []


def test_the_limit_maximum_is_1000(book: Book, five: list[dict[str, Any]]) -> None:
    assert len(data(book.get(limit=1000))) == 5
    assert_error(book.get(limit=1001), 400, "limit", "1000")


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": -1}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "2.5"}, "limit"),
        ({"limit": 10**30}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "x"}, "offset"),
        ({"offset": "1e3"}, "offset"),
        ({"offset": 10**30}, "offset"),
    ],
)
def test_bad_paging_values_are_400(
    book: Book, five: list[dict[str, Any]], params: dict[str, Any], named: str
) -> None:
    assert_error(book.get(**params), 400, named)


def test_the_offset_messages_name_the_side_passed(book: Book, five: list[dict[str, Any]]) -> None:
    assert_error(book.get(offset=-1), 400, "offset must be 0 or more, got -1")
    assert_error(book.get(offset=2**62 + 1), 400, f"offset must be at most {2**62}")


def test_numeric_strings_are_numbers(book: Book, five: list[dict[str, Any]]) -> None:
    paging = book.get(offset="2", limit="2").json()["paging"]
    assert (paging["offset"], paging["limit"]) == (2, 2)


def test_empty_paging_values_take_the_defaults(book: Book, five: list[dict[str, Any]]) -> None:
    paging = book.get(offset="", limit="").json()["paging"]
    assert (paging["offset"], paging["limit"]) == (0, 20)


# ---------------------------------------------------------------------------------------------
# Headers, tenants and servicers


def test_a_tenantid_that_does_not_match_the_token_is_403(
    client: TestClient, auth: TokenFactory, five: list[dict[str, Any]]
) -> None:
    headers = {**scoped(auth), "tenantid": "315"}
    assert_error(client.get(CALLS, headers=headers), 403, "tenantid")
    assert_error(client.get(GATEWAY_CALLS, headers=headers), 403, "tenantid")


def test_a_token_of_one_servicer_cannot_name_another(
    client: TestClient, auth: TokenFactory, west: int, five: list[dict[str, Any]]
) -> None:
    headers = {**auth(servicer=2), "tenantid": "314", "servicerid": str(west)}
    assert_error(client.get(CALLS, headers=headers), 403, "servicerid")
    own = {**auth(servicer=2), "tenantid": "314"}
    assert len(data(client.get(CALLS, params={"limit": 1000}, headers=own))) == 5


def test_a_servicer_of_another_tenant_is_404(
    client: TestClient, auth: TokenFactory, five: list[dict[str, Any]]
) -> None:
    assert_error(client.get(CALLS, headers=scoped(auth, servicer=7)), 404, "servicer 7")


def test_a_servicerid_that_is_no_number_is_400(
    client: TestClient, auth: TokenFactory, five: list[dict[str, Any]]
) -> None:
    headers = {**scoped(auth), "servicerid": "two"}
    assert_error(client.get(CALLS, headers=headers), 400, "servicerid")


def test_no_token_is_401(client: TestClient, tenants: list[int]) -> None:
    response = client.get(CALLS, headers={"tenantid": "314", "servicerid": "2"})
    assert_error(response, 401, "Authorization")


def test_another_servicers_calls_are_not_visible_under_this_one(
    client: TestClient,
    auth: TokenFactory,
    book: Book,
    west_book: Book,
    five: list[dict[str, Any]],
) -> None:
    west_book.bucket("DD-001", 60, 74)
    theirs = west_book.loan("2020-06-02")
    west_book.build(AS_OF)
    assert ids(west_book.calls()) == {theirs["loanId"]}
    assert ids(book.calls()) == ids(five)
    assert book.calls(loanid=theirs["loanId"]) == []
    assert book.calls(borrowerid=theirs["borrowerId"]) == []
    assert west_book.calls(loanid=five[0]["loanId"]) == []
    # a token of the tenant that names no servicer sees every servicer's list
    everyone = client.get(CALLS, params={"limit": 1000}, headers={**auth(), "tenantid": "314"})
    assert ids(data(everyone)) == ids(five) | {theirs["loanId"]}


def test_another_tenants_calls_are_not_visible(
    book: Book, other_book: Book, five: list[dict[str, Any]]
) -> None:
    other_book.bucket("DD-001", 60, 74)
    theirs = other_book.loan(
        "2020-06-02", borrower=other_book.borrower(borrowerPhoneNumber="(212) 555-0123")
    )
    other_book.build(AS_OF)
    assert ids(other_book.calls()) == {theirs["loanId"]}
    assert book.calls(phonenumber="(212) 555-0123") == []
    assert {r["tenantId"] for r in other_book.calls()} == {315}
    assert {(r["tenantId"], r["servicerId"]) for r in book.calls()} == {(314, 2)}
    assert other_book.calls(loanid=five[0]["loanId"]) == []
    assert other_book.calls(phonenumber=five[0]["borrower"]["borrowerPhoneNumber"]) == []
    assert book.calls(loanid=theirs["loanId"]) == []


def test_an_agent_and_a_reports_admin_may_read_the_list(
    client: TestClient, auth: TokenFactory, five: list[dict[str, Any]]
) -> None:
    for role in ("agent", "reports_admin"):
        response = client.get(CALLS, headers=scoped(auth, role=role))
        assert len(data(response)) == 5, role


@pytest.mark.parametrize("limit", [1, 2, 4])
def test_tenant_wide_pages_run_across_servicers(
    client: TestClient, auth: TokenFactory, book: Book, west_book: Book, limit: int
) -> None:
    for each, count in ((book, 3), (west_book, 2)):
        each.bucket("DD-001", 60, 74)
        for n in range(count):
            each.loan(AS_OF - timedelta(days=60 + n))
        each.build(AS_OF)
    tenant_wide = {**auth(), "tenantid": "314"}
    everything = data(client.get(CALLS, params={"limit": 1000}, headers=tenant_wide))
    assert [r["servicerId"] for r in everything] == [2, 2, 2, 3, 3]
    for params in ({}, {"callcode": "DD-001"}):
        seen: list[dict[str, Any]] = []
        body = follow(client, tenant_wide, f"{LINK}?{urlencode({**params, 'limit': limit})}")
        while True:
            seen += body["data"]
            if "next" not in body["paging"]["links"]:
                break
            body = follow(client, tenant_wide, body["paging"]["links"]["next"])
        assert seen == everything
    for offset in range(6):
        page = data(
            client.get(CALLS, params={"offset": offset, "limit": limit}, headers=tenant_wide)
        )
        assert page == everything[offset : offset + limit]


def test_the_answer_lists_data_before_paging_as_the_seed_does(
    client: TestClient, auth: TokenFactory
) -> None:
    response = client.get("/dialer/calls", headers={**auth(), "servicerid": "2"})
    assert response.status_code == 200, response.text
    assert list(response.json()) == ["data", "paging"]
