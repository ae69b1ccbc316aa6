"""Do-not-call lists over HTTP: adding (idempotent), finding and removing a number however it is
spelt, campaign lists beside the tenant's, paging, bad input, roles and tenant isolation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TokenFactory
from tests.dnc.conftest import new_campaign
from tests.dnc.helpers import DNC, Lists
from tests.loans.helpers import assert_error, data

NUMBER = "+13036963303"
SPELLINGS = ["+13036963303", "(303) 696-3303", "303.696.3303", "1-303-696-3303", "3036963303"]
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def test_a_number_is_added_as_e164_and_read_back(acme: Lists) -> None:
    created = data(acme.add("(303) 696-3303", source="borrower asked on 2024-03-01"), 201)
    assert list(created) == [
        "dncId",
        "phoneNumber",
        "campaignId",
        "source",
        "createdDate",
        "tenantId",
    ]
    assert isinstance(created["dncId"], int)
    assert created["phoneNumber"] == NUMBER
    assert created["campaignId"] is None
    assert created["source"] == "borrower asked on 2024-03-01"
    assert TIMESTAMP.fullmatch(created["createdDate"])
    assert created["tenantId"] == 314
    assert data(acme.get(NUMBER)) == created


def test_adding_a_listed_number_again_answers_its_entry_unchanged(acme: Lists) -> None:
    created = data(acme.add("303-696-3303", source="first"), 201)
    again = data(acme.add("+1 (303) 696 3303", source="second"), 200)
    assert again == created
    assert acme.numbers() == [NUMBER]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_any_spelling_finds_and_removes_the_number(acme: Lists, spelling: str) -> None:
    created = data(acme.add(NUMBER), 201)
    assert data(acme.get(spelling)) == created
    assert data(acme.page(phonenumber=spelling))[0] == created
    response = acme.delete(spelling)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_error(acme.get(NUMBER), 404, NUMBER, "not on the tenant's do-not-call list")
    assert_error(acme.delete(spelling), 404, NUMBER)


def test_a_plus_sent_unencoded_in_the_filter_still_matches(client: TestClient, acme: Lists) -> None:
    data(acme.add(NUMBER), 201)
    response = client.get(f"{DNC}?phonenumber=+13036963303", headers=acme.headers)
    assert [entry["phoneNumber"] for entry in data(response)] == [NUMBER]


def test_a_campaigns_list_is_apart_from_the_tenants(acme: Lists, acme_campaign: int) -> None:
    on_campaign = data(acme.add(NUMBER, campaignId=acme_campaign), 201)
    assert on_campaign["campaignId"] == acme_campaign
    assert acme.numbers() == []
    assert acme.numbers(acme_campaign) == [NUMBER]
    assert_error(acme.get(NUMBER), 404, "tenant's")
    assert data(acme.get(NUMBER, acme_campaign)) == on_campaign

    # The same number on the tenant's list is a second entry; removing it keeps the other.
    on_tenant = data(acme.add(NUMBER), 201)
    assert on_tenant["dncId"] != on_campaign["dncId"]
    assert acme.delete(NUMBER).status_code == 204
    assert data(acme.get(NUMBER, acme_campaign)) == on_campaign
    assert_error(acme.delete(NUMBER), 404)
    assert acme.delete(NUMBER, acme_campaign).status_code == 204
    assert acme.numbers(acme_campaign) == []


def test_a_campaigns_numbers_are_read_in_its_region(acme: Lists) -> None:
    london = new_campaign(acme, "London", Region="GB")
    created = data(acme.add("020 7946 0958", campaignId=london), 201)
    assert created["phoneNumber"] == "+442079460958"
    assert data(acme.get("020 7946 0958", london)) == created
    # The tenant's list reads numbers without a country code as US numbers.
    assert_error(acme.add("020 7946 0958"), 400, "phoneNumber")
    assert data(acme.add("+44 20 7946 0958"), 201)["phoneNumber"] == "+442079460958"


def test_a_list_is_paged_in_the_order_numbers_were_added(acme: Lists, acme_campaign: int) -> None:
    numbers = [f"+1303555{n:04d}" for n in range(5)]
    ids = [data(acme.add(n, campaignId=acme_campaign), 201)["dncId"] for n in numbers]
    data(acme.add("+13035559999"), 201)  # on the tenant's list, not this page's

    response = acme.page(campaignid=acme_campaign, offset=2, limit=2)
    body = response.json()
    assert [e["dncId"] for e in body["data"]] == ids[2:4]
    assert [e["phoneNumber"] for e in body["data"]] == numbers[2:4]
    paging = body["paging"]
    assert (paging["offset"], paging["limit"]) == (2, 2)
    base = f"{DNC}?campaignid={acme_campaign}"
    assert paging["links"] == {
        "first": f"{base}&offset=0&limit=2",
        "last": f"{base}&offset=4&limit=2",
        "previous": f"{base}&offset=0&limit=2",
        "next": f"{base}&offset=4&limit=2",
    }
    last = acme.page(campaignid=acme_campaign, offset=4, limit=2).json()
    assert [e["phoneNumber"] for e in last["data"]] == numbers[4:]
    assert "next" not in last["paging"]["links"]

    found = acme.page(campaignid=acme_campaign, phonenumber="(303) 555-0003").json()
    assert [e["dncId"] for e in found["data"]] == [ids[3]]
    assert found["paging"]["links"]["first"] == (
        f"{base}&phonenumber=%28303%29+555-0003&offset=0&limit=20"
    )
    assert data(acme.page(phonenumber="(303) 555-0003")) == []


def test_an_empty_list_answers_an_empty_page(acme: Lists) -> None:
    body = acme.page().json()
    assert body["data"] == []
    assert body["paging"]["links"] == {
        "first": f"{DNC}?offset=0&limit=20",
        "last": f"{DNC}?offset=0&limit=20",
    }


# -- bad input -------------------------------------------------------------------------------

BAD_BODIES: list[tuple[str, Any, str]] = [
    ("no phoneNumber", {"source": "x"}, "phoneNumber is required"),
    ("no phone number", {"phoneNumber": "not a number"}, "phoneNumber 'not a number'"),
    ("too few digits", {"phoneNumber": "555-01"}, "is not a phone number"),
    ("empty phoneNumber", {"phoneNumber": ""}, "phoneNumber"),
    ("phoneNumber a number", {"phoneNumber": 3036963303}, "phoneNumber"),
    ("phoneNumber too long", {"phoneNumber": "3" * 65}, "phoneNumber"),
    ("NUL in phoneNumber", {"phoneNumber": "303\x006963303"}, "phoneNumber"),
    ("campaignId as text", {"phoneNumber": NUMBER, "campaignId": "abc"}, "campaignId"),
    ("campaignId 0", {"phoneNumber": NUMBER, "campaignId": 0}, "campaignId"),
    ("campaignId 2**63", {"phoneNumber": NUMBER, "campaignId": 2**63}, "campaignId"),
    ("source too long", {"phoneNumber": NUMBER, "source": "s" * 101}, "source"),
    ("source not text", {"phoneNumber": NUMBER, "source": 5}, "source"),
    ("unknown field", {"phoneNumber": NUMBER, "reason": "x"}, "reason is not a known field"),
    ("an array", [{"phoneNumber": NUMBER}], "request body"),
]


@pytest.mark.parametrize(
    ("body", "words"), [case[1:] for case in BAD_BODIES], ids=[case[0] for case in BAD_BODIES]
)
def test_a_bad_body_is_400_naming_the_field_and_adds_nothing(
    acme: Lists, body: Any, words: str
) -> None:
    response = acme.client.post(DNC, json=body, headers=acme.headers)
    assert_error(response, 400, words)
    assert acme.numbers() == []


def test_free_text_source_keeps_its_line_break(acme: Lists) -> None:
    assert data(acme.add(NUMBER, source="letter\nof 2024-03-01"), 201)["source"] == (
        "letter\nof 2024-03-01"
    )


@pytest.mark.parametrize(
    ("method", "path", "params", "words"),
    [
        ("GET", DNC, {"phonenumber": "abc"}, "phonenumber 'abc' is not a phone number"),
        ("GET", DNC, {"phonenumber": "a\x00b"}, "phonenumber"),
        ("GET", DNC, {"campaignid": "abc"}, "campaignid"),
        ("GET", DNC, {"campaignid": "-1"}, "campaignid"),
        ("GET", DNC, {"limit": "0"}, "limit must be between 1 and 1000"),
        ("GET", DNC, {"offset": "-1"}, "offset"),
        ("GET", f"{DNC}/abc", {}, "phoneNumber 'abc' is not a phone number"),
        ("GET", f"{DNC}/a%00b", {}, "phoneNumber"),
        ("GET", f"{DNC}/{'3' * 65}", {}, "phoneNumber"),
        ("GET", f"{DNC}/{NUMBER}", {"campaignid": "x"}, "campaignid"),
        ("DELETE", f"{DNC}/abc", {}, "phoneNumber"),
        ("DELETE", f"{DNC}/{NUMBER}", {"campaignid": "1.5"}, "campaignid"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(
    acme: Lists, method: str, path: str, params: dict[str, str], words: str
) -> None:
    data(acme.add(NUMBER), 201)
    response = acme.client.request(method, path, params=params, headers=acme.headers)
    assert_error(response, 400, words)
    assert acme.numbers() == [NUMBER]


def test_a_method_a_path_does_not_take_is_405(acme: Lists) -> None:
    response = acme.client.put(DNC, json={"phoneNumber": NUMBER}, headers=acme.headers)
    assert_error(response, 405, "PUT")
    response = acme.client.post(f"{DNC}/{NUMBER}", json={}, headers=acme.headers)
    assert_error(response, 405, "POST")


# -- not found, roles and tenants ------------------------------------------------------------


def test_an_unknown_campaign_is_404_everywhere(acme: Lists) -> None:
    data(acme.add(NUMBER), 201)
    for response in (
        acme.add(NUMBER, campaignId=987654321),
        acme.page(campaignid=987654321),
        acme.page(campaignid=987654321, phonenumber=NUMBER),
        acme.get(NUMBER, 987654321),
        acme.delete(NUMBER, 987654321),
    ):
        assert_error(response, 404, "campaign 987654321 not found")
    assert acme.numbers() == [NUMBER]


@pytest.mark.parametrize("role", ["reports_admin", "agent"])
def test_readers_read_but_may_not_write(
    client: TestClient, auth: TokenFactory, acme: Lists, role: str
) -> None:
    created = data(acme.add(NUMBER), 201)
    reader = Lists(client, auth(role=role))
    assert data(reader.get(NUMBER)) == created
    assert [e["dncId"] for e in data(reader.page())] == [created["dncId"]]
    for response in (
        reader.add("+13035550100"),
        reader.bulk([{"phoneNumber": "+13035550100"}]),
        reader.delete(NUMBER),
    ):
        assert_error(response, 403, role)
    assert acme.numbers() == [NUMBER]


def test_without_a_token_nothing_is_read_or_written(client: TestClient, acme: Lists) -> None:
    data(acme.add(NUMBER), 201)
    anonymous = Lists(client, {})
    for response in (
        anonymous.page(),
        anonymous.get(NUMBER),
        anonymous.add("+13035550100"),
        anonymous.delete(NUMBER),
        anonymous.bulk([{"phoneNumber": "+13035550100"}]),
    ):
        assert_error(response, 401)
    assert acme.numbers() == [NUMBER]


def test_a_partner_acts_on_the_tenant_it_names(
    client: TestClient, auth: TokenFactory, acme: Lists
) -> None:
    partner = auth("partner_admin", partner=90)
    on_315 = Lists(client, {**partner, "tenantid": "315"})
    assert data(on_315.add(NUMBER), 201)["tenantId"] == 315
    assert acme.numbers() == []
    assert_error(Lists(client, {**partner, "tenantid": "316"}).page(), 404, "tenant 316")
    assert_error(Lists(client, partner).page(), 400, "tenantid")


def test_another_tenants_entries_are_never_listed_fetched_or_deleted(
    acme: Lists, other: Lists, other_campaign: int
) -> None:
    theirs = data(other.add(NUMBER), 201)
    data(other.add(NUMBER, campaignId=other_campaign), 201)
    data(other.bulk([{"phoneNumber": "+13035550100"}]), 200)

    assert acme.numbers() == []
    assert data(acme.page(phonenumber=NUMBER)) == []
    assert_error(acme.get(NUMBER), 404)
    assert_error(acme.delete(NUMBER), 404)
    assert data(other.get(NUMBER)) == theirs
    assert other.numbers() == [NUMBER, "+13035550100"]

    # Each tenant's list is its own: the same number is a new entry of 314's.
    ours = data(acme.add(NUMBER), 201)
    assert ours["tenantId"] == 314 and ours["dncId"] != theirs["dncId"]
    assert acme.delete(NUMBER).status_code == 204
    assert data(other.get(NUMBER)) == theirs


def test_another_tenants_campaign_is_404_as_an_unknown_one(
    acme: Lists, other: Lists, other_campaign: int
) -> None:
    data(other.add(NUMBER, campaignId=other_campaign), 201)
    message = f"campaign {other_campaign} not found"
    for response in (
        acme.page(campaignid=other_campaign),
        acme.get(NUMBER, other_campaign),
        acme.delete(NUMBER, other_campaign),
        acme.add("+13035550100", campaignId=other_campaign),
    ):
        assert_error(response, 404, message)
    bulk = acme.bulk([{"phoneNumber": "+13035550100"}, {"phoneNumber": NUMBER, "campaignId": 0}])
    assert_error(bulk, 400, "[1].campaignId")
    bulk = acme.bulk(
        [{"phoneNumber": "+13035550100"}, {"phoneNumber": NUMBER, "campaignId": other_campaign}]
    )
    assert_error(bulk, 404, f"[1].campaignId: {message}")
    assert acme.numbers() == []
    assert other.numbers(other_campaign) == [NUMBER]


# -- bulk ------------------------------------------------------------------------------------


def test_bulk_adds_new_numbers_and_counts_listed_ones(acme: Lists, acme_campaign: int) -> None:
    listed = data(acme.add(NUMBER, source="earlier"), 201)
    rows = [
        {"phoneNumber": "(303) 696-3303", "source": "feed"},  # listed already
        {"phoneNumber": "303-555-0100", "source": "feed"},
        {"phoneNumber": "+13035550100"},  # the one before, spelt otherwise
        {"phoneNumber": "303.696.3303", "campaignId": acme_campaign},
        {"phoneNumber": "303 555 0101", "campaignId": acme_campaign, "source": "feed"},
    ]
    assert data(acme.bulk(rows)) == {"added": 3, "alreadyListed": 2}
    assert acme.numbers() == [NUMBER, "+13035550100"]
    assert acme.numbers(acme_campaign) == [NUMBER, "+13035550101"]
    assert data(acme.get(NUMBER)) == listed
    added = data(acme.get("+13035550100"))
    assert (added["source"], added["campaignId"], added["tenantId"]) == ("feed", None, 314)
    assert TIMESTAMP.fullmatch(added["createdDate"])

    assert data(acme.bulk(rows)) == {"added": 0, "alreadyListed": 5}
    assert data(acme.bulk([])) == {"added": 0, "alreadyListed": 0}


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ({"phoneNumber": "abc"}, "[2].phoneNumber: 'abc' is not a phone number"),
        ({"phoneNumber": 5}, "[2].phoneNumber"),
        ({"source": "x"}, "[2].phoneNumber is required"),
        ({"phoneNumber": NUMBER, "campaignId": "c"}, "[2].campaignId"),
        ({"phoneNumber": NUMBER, "source": "s" * 101}, "[2].source"),
        ({"phoneNumber": NUMBER, "extra": 1}, "[2].extra is not a known field"),
    ],
)
def test_bulk_is_all_or_nothing(acme: Lists, bad: dict[str, Any], words: str) -> None:
    rows = [{"phoneNumber": "+13035550100"}, {"phoneNumber": "+13035550101"}, bad]
    assert_error(acme.bulk(rows), 400, words)
    assert acme.numbers() == []


def test_bulk_names_every_bad_number(acme: Lists) -> None:
    rows = [{"phoneNumber": "x"}, {"phoneNumber": NUMBER}, {"phoneNumber": "12"}]
    response = acme.bulk(rows)
    assert_error(response, 400, "[0].phoneNumber: 'x'", "[2].phoneNumber: '12'")
    assert acme.numbers() == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"phoneNumber": NUMBER}, "request body"),
        ([{"phoneNumber": NUMBER}] * 100_001, "100000"),
    ],
    ids=["an object", "over 100,000 rows"],
)
def test_a_bulk_body_that_is_no_array_of_at_most_100000_is_400(
    acme: Lists, body: Any, words: str
) -> None:
    assert_error(acme.bulk(body), 400, words)
    assert acme.numbers() == []
