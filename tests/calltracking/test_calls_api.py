"""GET and POST /calltracking/calls, called over HTTP as a client of the seed's API would."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.calltracking.conftest import CALLS, GATEWAY_CALLS, LoanFactory, call, scoped
from tests.conftest import TokenFactory

# The seed's record fields, in the seed's order.
SEED_FIELDS = [
    "callId",
    "tenantId",
    "servicerId",
    "loanId",
    "borrowerId",
    "phoneNumber",
    "callStatus",
    "callTimestamp",
    "createdDate",
    "updatedDate",
    "updatedBy",
    "createdBy",
]
SEED_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def post(
    client: TestClient, headers: dict[str, str], body: Any, path: str = CALLS
) -> dict[str, Any]:
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def get(
    client: TestClient, headers: dict[str, str], path: str = CALLS, **params: Any
) -> dict[str, Any]:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def refused(
    client: TestClient, headers: dict[str, str], body: Any, status: int = 400, **kw: Any
) -> str:
    response = client.post(CALLS, json=body, headers={**headers, **kw})
    assert response.status_code == status, response.text
    error = response.json()
    assert set(error) == {"status", "error", "message"}
    assert error["status"] == status
    message: str = error["message"]
    return message


def ids(page: dict[str, Any]) -> list[str]:
    return [record["callId"] for record in page["data"]]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- the record and its envelope -------------------------------------------------------------


def test_a_posted_call_reads_back_in_the_seeds_shape(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    headers = scoped(auth)
    posted = post(client, headers, call(loan, callTimestamp="2020-08-03T21:53:31.468Z"))
    page = get(client, headers, loanid=loan["loanId"])

    assert list(page) == ["paging", "data"]
    assert page["paging"]["offset"] == 0
    assert page["paging"]["limit"] == 20
    assert set(page["paging"]["links"]) >= {"first", "last"}
    assert page["data"] == posted["data"]
    record = page["data"][0]
    assert list(record) == SEED_FIELDS
    assert record["tenantId"] == "314"
    assert record["servicerId"] == "2"
    assert record["loanId"] == loan["loanId"]
    assert record["borrowerId"] == loan["borrowerId"]
    assert record["phoneNumber"] == "(312) 555-0100"
    assert record["callStatus"] == "Attempted"
    assert record["callTimestamp"] == "2020-08-03T21:53:31.468Z"
    for field in ("createdDate", "updatedDate"):
        assert SEED_TIMESTAMP.match(record[field]), record[field]
    assert record["createdBy"] == record["updatedBy"] == {"clientId": "test"}
    assert re.fullmatch(r"[0-9a-f-]{36}", record["callId"])


def test_a_single_object_answers_201_with_a_list_of_one(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    answer = post(client, scoped(auth), call(loan, callStatus="Contacted"))
    assert list(answer) == ["data"]
    assert len(answer["data"]) == 1
    assert answer["data"][0]["callStatus"] == "Contacted"


def test_a_batch_is_recorded_in_order_and_read_back_newest_first(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    headers = scoped(auth)
    times = ["2024-03-01T09:00:00.000Z", "2024-03-03T09:00:00.000Z", "2024-03-02T09:00:00.000Z"]
    answer = post(client, headers, [call(loan, callTimestamp=t) for t in times])
    assert [r["callTimestamp"] for r in answer["data"]] == times
    page = get(client, headers)
    assert [r["callTimestamp"] for r in page["data"]] == sorted(times, reverse=True)


def test_a_timestamp_with_an_offset_or_none_is_stored_in_utc(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    answer = post(
        client,
        scoped(auth),
        [
            call(loan, callTimestamp="2024-03-01T10:00:00-05:00"),
            call(loan, callTimestamp="2024-03-01T10:00:00"),
        ],
    )
    stamps = [r["callTimestamp"] for r in answer["data"]]
    assert stamps == ["2024-03-01T15:00:00.000Z", "2024-03-01T10:00:00.000Z"]


def test_borrower_defaults_to_the_loans_and_may_be_another_of_its_servicer(
    client: TestClient, auth: TokenFactory, new_loan: LoanFactory
) -> None:
    headers = scoped(auth)
    first, second = new_loan(), new_loan()
    answer = post(
        client,
        headers,
        [call(first), call(first, borrowerId=second["borrowerId"])],
    )
    assert [r["borrowerId"] for r in answer["data"]] == [
        first["borrowerId"],
        second["borrowerId"],
    ]


# -- filters ---------------------------------------------------------------------------------


def test_loanid_and_borrowerid_filter(
    client: TestClient, auth: TokenFactory, new_loan: LoanFactory
) -> None:
    headers = scoped(auth)
    first, second = new_loan(), new_loan()
    post(client, headers, [call(first), call(first), call(second)])

    assert len(get(client, headers, loanid=first["loanId"])["data"]) == 2
    assert len(get(client, headers, loanid=second["loanId"])["data"]) == 1
    by_borrower = get(client, headers, borrowerid=second["borrowerId"])["data"]
    assert [r["loanId"] for r in by_borrower] == [second["loanId"]]
    both = get(client, headers, loanid=first["loanId"], borrowerid=second["borrowerId"])
    assert both["data"] == []
    assert get(client, headers, loanid="no-such-loan")["data"] == []


@pytest.mark.parametrize(
    "spelling",
    ["+13125550100", "3125550100", "(312) 555-0100", "312.555.0100", "1-312-555-0100"],
)
def test_phonenumber_matches_any_common_spelling(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any], spelling: str
) -> None:
    headers = scoped(auth)
    post(
        client,
        headers,
        [call(loan, phoneNumber="312-555-0100"), call(loan, phoneNumber="+1 773 555 0142")],
    )
    found = get(client, headers, phonenumber=spelling)["data"]
    assert [r["phoneNumber"] for r in found] == ["312-555-0100"]


def test_a_phonenumber_filter_that_is_no_number_is_refused(
    client: TestClient, auth: TokenFactory
) -> None:
    response = client.get(CALLS, params={"phonenumber": "call me"}, headers=scoped(auth))
    assert response.status_code == 400
    assert "phonenumber" in response.json()["message"]


@pytest.fixture
def three_days(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Calls at the first and last millisecond of 2024-03-01 and 2024-03-02, and on 03-03."""
    stamps = [
        "2024-03-01T00:00:00.000Z",
        "2024-03-01T23:59:59.999Z",
        "2024-03-02T00:00:00.000Z",
        "2024-03-02T23:59:59.999Z",
        "2024-03-03T12:00:00.000Z",
    ]
    answer = post(client, scoped(auth), [call(loan, callTimestamp=t) for t in stamps])
    return {r["callTimestamp"]: r for r in answer["data"]}


def stamps(page: dict[str, Any]) -> list[str]:
    return sorted(r["callTimestamp"] for r in page["data"])


def test_dates_cover_whole_utc_days_and_the_end_day_is_included(
    client: TestClient, auth: TokenFactory, three_days: dict[str, dict[str, Any]]
) -> None:
    headers = scoped(auth)
    day = get(client, headers, startdate="2024-03-02", enddate="2024-03-02")
    assert stamps(day) == ["2024-03-02T00:00:00.000Z", "2024-03-02T23:59:59.999Z"]
    since = get(client, headers, startdate="2024-03-02")
    assert stamps(since) == [
        "2024-03-02T00:00:00.000Z",
        "2024-03-02T23:59:59.999Z",
        "2024-03-03T12:00:00.000Z",
    ]
    until = get(client, headers, enddate="2024-03-01")
    assert stamps(until) == ["2024-03-01T00:00:00.000Z", "2024-03-01T23:59:59.999Z"]


def test_date_times_bound_to_the_millisecond_both_ends_included(
    client: TestClient, auth: TokenFactory, three_days: dict[str, dict[str, Any]]
) -> None:
    headers = scoped(auth)
    window = get(
        client,
        headers,
        startdate="2024-03-01T23:59:59.999Z",
        enddate="2024-03-02T23:59:59.999Z",
    )
    assert stamps(window) == [
        "2024-03-01T23:59:59.999Z",
        "2024-03-02T00:00:00.000Z",
        "2024-03-02T23:59:59.999Z",
    ]
    narrower = get(
        client,
        headers,
        startdate="2024-03-02T00:00:00.001Z",
        enddate="2024-03-02T23:59:59.998Z",
    )
    assert narrower["data"] == []
    # The same instant, written with an offset and without one (read as UTC).
    offset = get(client, headers, startdate="2024-03-02T18:59:59.999-05:00")
    assert stamps(offset) == ["2024-03-02T23:59:59.999Z", "2024-03-03T12:00:00.000Z"]
    naive = get(client, headers, enddate="2024-03-01T00:00:00")
    assert stamps(naive) == ["2024-03-01T00:00:00.000Z"]


def test_a_date_and_a_date_time_mix(
    client: TestClient, auth: TokenFactory, three_days: dict[str, dict[str, Any]]
) -> None:
    page = get(client, scoped(auth), startdate="2024-03-01T12:00:00Z", enddate="2024-03-02")
    assert stamps(page) == [
        "2024-03-01T23:59:59.999Z",
        "2024-03-02T00:00:00.000Z",
        "2024-03-02T23:59:59.999Z",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"startdate": "yesterday"}, "startdate"),
        ({"enddate": "2024-13-01"}, "enddate"),
        ({"startdate": "2024-03-02", "enddate": "2024-03-01"}, "startdate"),
        ({"startdate": "2024-03-02T00:00:00Z", "enddate": "2024-03-01T23:59:59Z"}, "startdate"),
        ({"loanid": "x" * 101}, "loanid"),
    ],
)
def test_bad_filters_answer_400_naming_the_parameter(
    client: TestClient, auth: TokenFactory, params: dict[str, str], field: str
) -> None:
    response = client.get(CALLS, params=params, headers=scoped(auth))
    assert response.status_code == 400, response.text
    assert field in response.json()["message"]


def test_the_end_of_time_is_no_error(
    client: TestClient, auth: TokenFactory, three_days: dict[str, dict[str, Any]]
) -> None:
    page = get(client, scoped(auth), startdate="0001-01-01", enddate="9999-12-31")
    assert len(page["data"]) == 5


# -- paging ----------------------------------------------------------------------------------


def query_of(link: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(link).query).items()}


def test_pages_walk_every_call_once_and_links_keep_the_filters(
    client: TestClient, auth: TokenFactory, new_loan: LoanFactory
) -> None:
    headers = scoped(auth)
    loan, other = new_loan(), new_loan()
    base = datetime(2024, 3, 1, 12, tzinfo=UTC)
    post(
        client,
        headers,
        [call(loan, callTimestamp=iso(base + timedelta(hours=i))) for i in range(7)],
    )
    post(client, headers, [call(other)])

    first = get(client, headers, loanid=loan["loanId"], startdate="2024-03-01", limit=3)
    links = first["paging"]["links"]
    assert "previous" not in links
    assert query_of(links["next"]) == {
        "loanid": loan["loanId"],
        "startdate": "2024-03-01",
        "offset": "3",
        "limit": "3",
    }
    assert query_of(links["last"])["offset"] == "6"
    seen = ids(first)
    assert urlsplit(links["next"]).path == "/calls"
    link = links["next"]
    while link:
        # Joined to the face's base, as a client of the seed joins it.
        page = client.get("/calltracking" + link, headers=headers).json()
        seen += ids(page)
        link = page["paging"]["links"].get("next")
    assert len(seen) == len(set(seen)) == 7
    assert query_of(page["paging"]["links"]["previous"])["offset"] == "3"


def test_an_offset_past_the_end_answers_an_empty_page(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    headers = scoped(auth)
    post(client, headers, [call(loan), call(loan)])
    page = get(client, headers, offset=50, limit=10)
    assert page["data"] == []
    assert page["paging"]["offset"] == 50
    assert "next" not in page["paging"]["links"]
    assert query_of(page["paging"]["links"]["previous"])["offset"] == "0"
    assert get(client, headers, offset=1, limit=1000)["paging"]["limit"] == 1000


def test_no_calls_answers_an_empty_page(client: TestClient, auth: TokenFactory) -> None:
    page = get(client, scoped(auth))
    assert page["data"] == []
    assert "next" not in page["paging"]["links"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "first"}, "offset"),
    ],
)
def test_bad_paging_answers_400_naming_the_parameter(
    client: TestClient, auth: TokenFactory, params: dict[str, str], field: str
) -> None:
    for path in (CALLS, GATEWAY_CALLS):
        response = client.get(path, params=params, headers=scoped(auth))
        assert response.status_code == 400, response.text
        assert response.json()["message"].startswith(field)


# -- both paths ------------------------------------------------------------------------------


def test_both_paths_read_and_write_the_same_calls(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    headers = scoped(auth)
    via_gateway = post(client, headers, call(loan), path=GATEWAY_CALLS)
    via_plain = post(client, headers, call(loan, callStatus="Contacted"))
    everything = sorted(ids(via_gateway) + ids(via_plain))
    assert sorted(ids(get(client, headers))) == everything
    gateway = get(client, headers, path=GATEWAY_CALLS)
    assert sorted(ids(gateway)) == everything
    # Links are relative to the face's base, whichever prefix the request came by.
    assert gateway["paging"]["links"]["first"].startswith("/calls?")
    last = client.get(
        "/calltrackingapi/calltracking" + gateway["paging"]["links"]["last"], headers=headers
    )
    assert sorted(ids(last.json())) == everything


def test_the_seed_sample_request_headers_work(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    """The seed sends the bare token, servicerid and tenantid headers, and no Bearer."""
    post(client, scoped(auth), call(loan))
    token = auth()["Authorization"].removeprefix("Bearer ")
    response = client.get(
        f"{GATEWAY_CALLS}?loanid={loan['loanId']}",
        headers={"Authorization": token, "servicerid": "2", "tenantid": "314", "Accept": "*/*"},
    )
    assert response.status_code == 200
    assert len(response.json()["data"]) == 1


# -- refusals --------------------------------------------------------------------------------


def test_an_unknown_loan_is_refused_naming_the_field(
    client: TestClient, auth: TokenFactory
) -> None:
    message = refused(
        client, scoped(auth), call({"loanId": "2c809e08-a5ba-4559-9c1c-4ac2555fb1e6"})
    )
    assert message.startswith("loanId: ")
    assert "does not exist" in message


def test_an_unknown_status_is_refused_naming_the_field(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    message = refused(client, scoped(auth), [call(loan), call(loan, callStatus="Called")])
    assert message.startswith("[1].callStatus: ")
    assert "Attempted or Contacted" in message
    message = refused(client, scoped(auth), call(loan, callStatus="attempted"))
    assert message.startswith("callStatus: ")


def test_a_future_timestamp_is_refused_past_five_minutes_of_skew(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    headers = scoped(auth)
    later = iso(datetime.now(UTC) + timedelta(minutes=10))
    message = refused(client, headers, [call(loan), call(loan), call(loan, callTimestamp=later)])
    assert message.startswith("[2].callTimestamp: ")
    assert "future" in message
    skewed = iso(datetime.now(UTC) + timedelta(minutes=4))
    assert post(client, headers, call(loan, callTimestamp=skewed))["data"][0]["callTimestamp"] == (
        skewed
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"callTimestamp": None}, "[0].callTimestamp"),
        ({"callTimestamp": "last tuesday"}, "[0].callTimestamp"),
        ({"phoneNumber": "not a number"}, "[0].phoneNumber"),
        ({"phoneNumber": ""}, "[0].phoneNumber"),
        ({"loanId": 42}, "[0].loanId"),
        ({"borrowerId": "no-such-borrower"}, "[0].borrowerId"),
        ({"callstatus": "Attempted"}, "[0].callstatus is not a known field"),
    ],
)
def test_bad_fields_are_refused_naming_index_and_field(
    client: TestClient,
    auth: TokenFactory,
    loan: dict[str, Any],
    change: dict[str, Any],
    expected: str,
) -> None:
    record = {**call(loan), **change}
    message = refused(client, scoped(auth), [record, call(loan)])
    assert message.startswith(expected), message


def test_a_missing_field_is_named(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    record = call(loan)
    del record["callStatus"]
    assert refused(client, scoped(auth), [call(loan), record]) == "[1].callStatus is required"


def test_every_bad_record_is_named_up_to_a_limit(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    batch = [call(loan, callStatus="Maybe") for _ in range(25)]
    message = refused(client, scoped(auth), batch)
    assert message.count("callStatus") == 20
    assert message.endswith("and 5 more")


@pytest.mark.parametrize(
    "body",
    ["a call", 42, None, [], [1], [[]]],
    ids=["string", "number", "null", "empty", "1", "nested"],
)
def test_a_body_that_is_no_call_is_refused(
    client: TestClient, auth: TokenFactory, body: Any
) -> None:
    refused(client, scoped(auth), body)


def test_invalid_json_is_refused(client: TestClient, auth: TokenFactory) -> None:
    response = client.post(
        CALLS,
        content=b'[{"loanId": ',
        headers={**scoped(auth), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


@pytest.mark.parametrize("key", [None, "k-form"], ids=["without-key", "with-key"])
def test_a_body_sent_as_a_form_is_refused_as_not_json(
    client: TestClient, auth: TokenFactory, key: str | None
) -> None:
    headers = {**scoped(auth), "Content-Type": "application/x-www-form-urlencoded"}
    if key is not None:
        headers["Idempotency-Key"] = key
    response = client.post(CALLS, content=b"{}", headers=headers)
    assert response.status_code == 400, response.text
    assert "must be JSON" in response.json()["message"]
    assert client.get(CALLS, headers=scoped(auth)).json()["data"] == []


@pytest.mark.parametrize("body", ["a call", 42, None], ids=["string", "number", "null"])
def test_a_body_that_is_no_call_is_refused_with_an_idempotency_key(
    client: TestClient, auth: TokenFactory, body: Any
) -> None:
    headers = {**scoped(auth), "Idempotency-Key": "k-no-call"}
    response = client.post(CALLS, json=body, headers=headers)
    assert response.status_code == 400, response.text


def test_more_than_ten_thousand_calls_are_refused(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    message = refused(client, scoped(auth), [call(loan)] * 10_001)
    assert "10000" in message
    assert get(client, scoped(auth))["data"] == []


def test_a_batch_with_one_bad_record_records_none_of_it(
    client: TestClient, auth: TokenFactory, new_loan: LoanFactory
) -> None:
    headers = scoped(auth)
    good, other = new_loan(), new_loan()
    batch = [call(good), call(other), call({"loanId": "missing"}), call(good)]
    message = refused(client, headers, batch)
    assert message.startswith("[2].loanId")
    assert get(client, headers)["data"] == []


def test_a_batch_for_more_than_a_thousand_loans_is_checked_and_recorded_whole(
    client: TestClient, auth: TokenFactory
) -> None:
    headers = scoped(auth)
    feed = [
        {
            "loanExternalReferenceId": f"WIDE-{n}",
            "loanStatus": "repayment",
            "borrowerExternalReferenceId": f"WIDE-B-{n}",
            "borrowerPhoneNumber": "(312) 555-0100",
        }
        for n in range(1200)
    ]
    assert client.post("/loans/bulk", json=feed, headers=headers).status_code in (200, 201)
    loans: list[dict[str, Any]] = []
    while len(loans) < len(feed):
        page = client.get("/loans", params={"offset": len(loans), "limit": 1000}, headers=headers)
        assert page.status_code == 200, page.text
        loans += page.json()["data"]
    batch = [call(loan, borrowerId=loan["borrowerId"]) for loan in loans]

    last = {**batch[-1], "loanId": "missing"}
    message = refused(client, headers, [*batch[:-1], last])
    assert message == "[1199].loanId: loan missing does not exist"
    assert get(client, headers)["data"] == []

    answer = post(client, headers, batch)
    assert [(r["loanId"], r["borrowerId"]) for r in answer["data"]] == [
        (loan["loanId"], loan["borrowerId"]) for loan in loans
    ]
    assert len(get(client, headers, limit=1000)["data"]) == 1000


def test_roles_that_may_only_read_cannot_record(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    post(client, scoped(auth), call(loan))
    for role in ("reports_admin", "agent"):
        headers = {**auth(role=role), "servicerid": "2"}
        assert client.post(CALLS, json=call(loan), headers=headers).status_code == 403
        assert len(get(client, headers)["data"]) == 1


def test_no_token_is_401_in_the_faces_envelope(client: TestClient) -> None:
    for path in (CALLS, GATEWAY_CALLS):
        response = client.get(path)
        assert response.status_code == 401
        assert set(response.json()) == {"status", "error", "message"}


# -- tenants and servicers -------------------------------------------------------------------


def test_another_tenants_loan_cannot_be_posted_for_and_its_calls_stay_unseen(
    client: TestClient, auth: TokenFactory, new_loan: LoanFactory
) -> None:
    ours = new_loan()
    theirs = new_loan(tenant=315, servicer=7)
    their_headers = scoped(auth, tenant=315, servicer=7)
    posted = post(client, their_headers, call(theirs))
    assert posted["data"][0]["tenantId"] == "315"

    message = refused(client, scoped(auth), [call(ours), call(theirs)])
    assert message.startswith("[1].loanId")
    headers = scoped(auth)
    assert get(client, headers)["data"] == []
    assert get(client, headers, loanid=theirs["loanId"])["data"] == []
    assert get(client, headers, borrowerid=theirs["borrowerId"])["data"] == []
    assert get(client, headers, phonenumber="3125550100")["data"] == []
    # Nor can a borrower of the other tenant be named.
    message = refused(client, headers, call(ours, borrowerId=theirs["borrowerId"]))
    assert message.startswith("borrowerId: ")
    # The token's tenant wins: naming the other tenant in the header is refused.
    forged = {**headers, "tenantid": "315"}
    assert client.get(CALLS, headers=forged).status_code == 403
    assert len(get(client, their_headers)["data"]) == 1


def test_a_servicer_sees_and_posts_for_its_own_loans_only(
    client: TestClient, auth: TokenFactory, new_loan: LoanFactory, west: int
) -> None:
    main, western = new_loan(servicer=2), new_loan(servicer=west)
    tenant_wide = scoped(auth, servicer=None)
    answer = post(client, tenant_wide, [call(main), call(western)])
    assert [r["servicerId"] for r in answer["data"]] == ["2", "3"]
    assert len(get(client, tenant_wide)["data"]) == 2

    main_only = scoped(auth, servicer=2)
    assert [r["loanId"] for r in get(client, main_only)["data"]] == [main["loanId"]]
    assert get(client, main_only, loanid=western["loanId"])["data"] == []
    message = refused(client, main_only, [call(main), call(western)])
    assert message.startswith("[1].loanId")
    # A token issued for servicer 3 is held to it without any header.
    west_token = auth(servicer=west)
    assert [r["loanId"] for r in get(client, west_token)["data"]] == [western["loanId"]]
    assert client.post(CALLS, json=call(main), headers=west_token).status_code == 400
    # A borrower of another servicer cannot be named for the loan.
    message = refused(client, tenant_wide, call(main, borrowerId=western["borrowerId"]))
    assert message.startswith("borrowerId: ")


def test_an_unknown_servicer_is_404(client: TestClient, auth: TokenFactory) -> None:
    response = client.get(CALLS, headers=scoped(auth, servicer=99))
    assert response.status_code == 404
    assert "servicer" in response.json()["message"]


def test_the_openapi_document_lists_both_paths_and_the_body(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (CALLS, GATEWAY_CALLS):
        assert set(paths[path]) == {"get", "post"}
        parameters = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert parameters >= {"loanid", "borrowerid", "phonenumber", "startdate", "enddate"}
        assert parameters >= {"offset", "limit"}
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        one, many = body["oneOf"]
        assert set(one["required"]) == {"loanId", "phoneNumber", "callStatus", "callTimestamp"}
        assert many["items"] == one
        headers = {p["name"] for p in paths[path]["post"]["parameters"]}
        assert "Idempotency-Key" in headers


def test_a_partner_names_the_tenant_with_the_tenantid_header(
    client: TestClient, auth: TokenFactory, loan: dict[str, Any]
) -> None:
    partner = auth(role="partner_admin", partner=90)
    headers = {**partner, "tenantid": "314", "servicerid": "2"}
    answer = post(client, headers, call(loan))
    assert answer["data"][0]["tenantId"] == "314"
    assert ids(get(client, headers)) == ids(answer)
    assert client.get(CALLS, headers={**partner, "tenantid": "316"}).status_code == 404
    assert client.get(CALLS, headers=partner).status_code == 400
