"""Bad input over HTTP: each is a 4xx in the face's envelope, names what is wrong, and changes
nothing. No input yields a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendialer.dialler.schemas import CONTACT_INPUT_FIELDS
from tests.conftest import TokenFactory

JSON = {"content-type": "application/json"}
MIB = 1024 * 1024
BIG = 2**63
RESULT = {"PhoneNumberOffset": 1, "dtCallStart": "2024-03-01T15:00:00", "CauseCodesID": 16}


def contact(**fields: Any) -> dict[str, Any]:
    """A valid import body (its campaign filled in by the test), with `fields` changed."""
    body = {"DiallerCampaignsID": "{campaign}", "Name": "Doe", "PhoneNumber1": "3125550100"}
    return {**body, **fields}


def raw(text: str) -> dict[str, Any]:
    """A body sent exactly as written, as JSON."""
    return {"content": text.encode(), "headers": JSON}


NAMELESS = {**contact(), "DiallerCampaignsID": None}

# Import bodies answered 400: {case: (request, what the message must name)}.
IMPORT_BODIES: dict[str, tuple[dict[str, Any], str]] = {
    # the body as a whole
    "malformed JSON": (raw('{"Name": "Doe", '), "not valid JSON"),
    "JSON array": ({"json": [contact()]}, "request body"),
    "JSON string": ({"json": "Doe"}, "request body"),
    "JSON null": (raw("null"), "request body"),
    "no body": ({}, "request body is required"),
    "plain text": ({"content": b"Doe", "headers": {"content-type": "text/plain"}}, "body"),
    "form-encoded": ({"data": {"Name": "Doe"}}, "request body"),
    "invalid UTF-8": ({"content": b'{"Name": "\xff"}', "headers": JSON}, "body"),
    "nested too deep": (raw("[" * 100_000 + "]" * 100_000), "body"),
    "UTF-16": ({"content": json.dumps(contact()).encode("utf-16"), "headers": JSON}, "UTF-8"),
    "UTF-16 without a byte order mark": (
        {"content": json.dumps(contact()).encode("utf-16-le"), "headers": JSON},
        "UTF-8",
    ),
    "UTF-8 byte order mark": (
        {"content": b"\xef\xbb\xbf" + json.dumps(contact()).encode(), "headers": JSON},
        "byte order mark",
    ),
    "charset other than UTF-8": (
        {
            "content": json.dumps(contact()).encode(),
            "headers": {"content-type": "application/json; charset=iso-8859-1"},
        },
        "UTF-8",
    ),
    "number too long to parse": (raw('{"RandomSortOrder": ' + "9" * 5000 + "}"), "body"),
    # wrong types and values out of range
    "Name as number": ({"json": contact(Name=12345)}, "Name"),
    "Name as object": ({"json": contact(Name={"first": "J"})}, "Name"),
    "Amount as text": ({"json": contact(Amount="abc")}, "Amount"),
    "Amount NaN": (raw('{"Name": "Doe", "PhoneNumber1": "1", "Amount": NaN}'), "Amount"),
    "Amount Infinity": (raw('{"Name": "D", "PhoneNumber1": "1", "Amount": Infinity}'), "Amount"),
    "Amount too large": ({"json": contact(Amount=1e20)}, "Amount"),
    "dtBeginDate not a date": ({"json": contact(dtBeginDate="not-a-date")}, "dtBeginDate"),
    "dtBeginDate 30 February": ({"json": contact(dtBeginDate="2020-02-30T00:00")}, "dtBeginDate"),
    "dtBeginDate a number": ({"json": contact(dtBeginDate=0)}, "dtBeginDate: Value error"),
    "dtBeginDate a tiny number": ({"json": contact(dtBeginDate=4e-220)}, "dtBeginDate"),
    "dtBeginDate digits": ({"json": contact(dtBeginDate="1600000000")}, "ISO 8601"),
    "dtEndDate before year 1 in UTC": (
        {"json": contact(dtEndDate="0001-01-01T00:00:00+14:00")},
        "dtEndDate",
    ),
    "FollowUpDateTime after 9999 in UTC": (
        {"json": contact(FollowUpDateTime="9999-12-31T23:00:00-05:00")},
        "FollowUpDateTime",
    ),
    "RandomSortOrder 2**40": ({"json": contact(RandomSortOrder=2**40)}, "RandomSortOrder"),
    "RandomSortOrder fractional": ({"json": contact(RandomSortOrder=1.5)}, "RandomSortOrder"),
    "DiallerCampaignsID as text": (
        {"json": contact(DiallerCampaignsID="abc")},
        "DiallerCampaignsID",
    ),
    "DiallerCampaignsID 2**63": ({"json": contact(DiallerCampaignsID=BIG)}, "DiallerCampaignsID"),
    "DiallerCampaignsID negative": ({"json": contact(DiallerCampaignsID=-1)}, "DiallerCampaignsID"),
    # unknown names, lengths, characters
    "unknown field": ({"json": contact(Nmae="Doe")}, "Nmae is not a known field"),
    "field in the wrong case": ({"json": contact(name="Doe")}, "name is not a known field"),
    "Name over its column": ({"json": contact(Name="x" * 256)}, "Name"),
    "PostalCode over its column": ({"json": contact(PostalCode="1" * 33)}, "PostalCode"),
    "PhoneNumber1 over its column": ({"json": contact(PhoneNumber1="1" * 65)}, "PhoneNumber1"),
    "ExternalSystemLink over its column": (
        {"json": contact(ExternalSystemLink="http://x/" + "a" * 1000)},
        "ExternalSystemLink",
    ),
    "DiallerCampaignsName over a name": (
        {"json": {**NAMELESS, "DiallerCampaignsName": "c" * 201}},
        "DiallerCampaignsName",
    ),
    "NUL in Name": ({"json": contact(Name="Do\x00e")}, "Name"),
    "NUL in Comment": ({"json": contact(Comment="a\x00b")}, "Comment"),
    "CR in Name": (
        {"json": contact(Name="Doe\r")},
        "Name: Value error, must not contain the control",
    ),
    "LF in UserData": ({"json": contact(UserData="LN-1\nLN-2")}, "U+000A"),
    "TAB in PhoneNumber1": ({"json": contact(PhoneNumber1="312\t5550100")}, "PhoneNumber1"),
    "ESC in Comment": ({"json": contact(Comment="\x1b[31mred")}, "Comment"),
    "C1 control in FirstName": ({"json": contact(FirstName="Jo\x85")}, "FirstName"),
    "right-to-left override in Name": ({"json": contact(Name="Doe\u202e")}, "U+202E"),
    "bidi isolate in Comment": ({"json": contact(Comment="a\u2066b")}, "Comment"),
    "zero-width space in UserData": ({"json": contact(UserData="LN\u200b1")}, "U+200B"),
    "byte order mark in Name": ({"json": contact(Name="\ufeffDoe")}, "Name"),
    "lone surrogate in Name": (
        raw('{"DiallerCampaignsID": "{campaign}", "Name": "\\ud800", "PhoneNumber1": "1"}'),
        "Name",
    ),
    # what the seed makes mandatory, and campaigns that do not exist
    "no Name": ({"json": contact(Name=None)}, "Name"),
    "blank Name": ({"json": contact(Name="   ")}, "Name"),
    "no phone number": ({"json": contact(PhoneNumber1=None)}, "PhoneNumber1..PhoneNumber6"),
    "no campaign": ({"json": NAMELESS}, "DiallerCampaignsID or DiallerCampaignsName"),
    "unknown campaign ID": (
        {"json": contact(DiallerCampaignsID=987654321)},
        "DiallerCampaignsID 987654321 does not exist",
    ),
    "unknown campaign name": (
        {"json": {**NAMELESS, "DiallerCampaignsName": "Nope"}},
        "DiallerCampaignsName 'Nope' does not exist",
    ),
    "overwriteDuplicates not a boolean": (
        {"json": contact(), "params": {"overwriteDuplicates": "perhaps"}},
        "overwriteDuplicates",
    ),
}

UPDATE_BODIES: dict[str, tuple[dict[str, Any], str]] = {
    "malformed JSON": (raw('{"ID": '), "not valid JSON"),
    "JSON array": ({"json": [{"ID": "{contact}"}]}, "request body"),
    "ID as text": ({"json": {"ID": "abc", "Name": "X"}}, "ID"),
    "ID over 2**63": ({"json": {"ID": BIG, "Name": "X"}}, "ID"),
    "Amount as text": ({"json": {"ID": "{contact}", "Amount": "abc"}}, "Amount"),
    "unknown field": ({"json": {"ID": "{contact}", "Nmae": "X"}}, "Nmae is not a known field"),
    "Name emptied": ({"json": {"ID": "{contact}", "Name": ""}}, "Name"),
    "last phone number removed": (
        {"json": {"ID": "{contact}", "PhoneNumber1": None}},
        "PhoneNumber1..PhoneNumber6",
    ),
    "neither ID nor UserData": ({"json": {"Name": "X"}}, "ID or UserData"),
    "UserData over its column": ({"json": {"ID": "{contact}", "UserData": "u" * 256}}, "UserData"),
    "NUL in UserData": ({"json": {"UserData": "LN\x00"}}, "UserData"),
}

RESULT_BODIES: dict[str, tuple[dict[str, Any], str]] = {
    "PhoneNumberOffset 7": ({"PhoneNumberOffset": 7}, "PhoneNumberOffset"),
    "a number the contact lacks": ({"PhoneNumberOffset": 3}, "PhoneNumber3"),
    "CauseCodesID as text": ({"CauseCodesID": "busy"}, "CauseCodesID"),
    "dtCallStart not a date": ({"dtCallStart": "today"}, "dtCallStart"),
    "no dtCallStart": ({"dtCallStart": None}, "dtCallStart"),
    "dtCallEnd before dtCallStart": ({"dtCallEnd": "2024-03-01T14:00:00"}, "dtCallEnd"),
    "UsersID over its column": ({"UsersID": 2**40}, "UsersID"),
    "ServiceNumbersID over 2**64": ({"ServiceNumbersID": 2**64}, "ServiceNumbersID"),
    "next try after 9999": ({"dtCallStart": "9999-12-31T23:00:00"}, "dtCallStart"),
    "dtCallStart before year 1 in UTC": ({"dtCallStart": "0001-01-01T00:00+01:00"}, "dtCallStart"),
}

CAMPAIGN_BODIES: dict[str, tuple[dict[str, Any], str]] = {
    "no Name": ({"TimeZone": "America/Chicago"}, "Name"),
    "Name over its column": ({"Name": "c" * 201}, "Name"),
    "unknown time zone": ({"Name": "N", "TimeZone": "Mars/Base"}, "TimeZone"),
    "time zone a directory": ({"Name": "N", "TimeZone": "America"}, "TimeZone"),
    "time zone a path": ({"Name": "N", "TimeZone": "../../etc/passwd"}, "TimeZone"),
    "unknown Region": ({"Name": "N", "Region": "ZZ"}, "Region"),
    "negative retry delay": ({"Name": "N", "nRetryDelayBusy": -5}, "nRetryDelayBusy"),
    "retry delay over its column": ({"Name": "N", "nRetryDelayBusy": 2**31}, "nRetryDelayBusy"),
    "bActive as text": ({"Name": "N", "bActive": "sometimes"}, "bActive"),
    "unknown field": ({"Name": "N", "MaxTries": 3}, "MaxTries is not a known field"),
}

CAMPAIGN_UPDATES: dict[str, tuple[dict[str, Any], str]] = {
    "no DiallerCampaignsID": ({"Name": "N"}, "DiallerCampaignsID is required"),
    "Name null": ({"DiallerCampaignsID": "{campaign}", "Name": None}, "Name"),
}

# Paths and query parameters answered 400: {case: (method, path, what the message must name)}.
BAD_URLS: dict[str, tuple[str, str, str]] = {
    "contact ID not a number": ("GET", "/dialler/contacts/abc", "diallerContactsID"),
    "contact ID fractional": ("GET", "/dialler/contacts/1.5", "diallerContactsID"),
    "contact ID negative": ("GET", "/dialler/contacts/-1", "diallerContactsID"),
    "contact ID over 2**63": ("GET", f"/dialler/contacts/{BIG}", "diallerContactsID"),
    "contact ID far over 2**63": ("GET", f"/dialler/contacts/{10**40}", "diallerContactsID"),
    "lock: ID not a number": ("PATCH", "/dialler/contacts/contact/xyz/lock", "diallerContactsID"),
    "unlock: ID over 2**63": ("PATCH", f"/dialler/contacts/contact/{BIG}/unlock", "ContactsID"),
    "reset: ID not a number": ("PATCH", "/dialler/contacts/contact/xyz/reset", "ContactsID"),
    "history: ID not a number": ("GET", "/dialler/contacts/contact/xyz/history", "ContactsID"),
    "delete: ID not a number": ("DELETE", "/dialler/contacts/contact/xyz", "diallerContactsID"),
    "delete: ID over 2**63": ("DELETE", f"/dialler/contacts/contact/{BIG}", "diallerContactsID"),
    "results: ID not a number": ("POST", "/dialler/contacts/contact/xyz/results", "ContactsID"),
    "campaign ID not a number": ("GET", "/dialler/campaigns/abc", "diallerCampaignsID"),
    "campaign delete: ID over 2**63": ("DELETE", f"/dialler/campaigns/{BIG}", "CampaignsID"),
    "diallerCampaignsID not a number": (
        "GET",
        "/dialler/contacts?diallerCampaignsID=abc",
        "diallerCampaignsID",
    ),
    "diallerCampaignsID over 2**63": (
        "GET",
        f"/dialler/contacts?diallerCampaignsID={BIG}",
        "diallerCampaignsID",
    ),
    "limitPageSize below -1": ("GET", "/dialler/contacts?limitPageSize=-2", "limitPageSize"),
    "limitStart not a number": ("GET", "/dialler/contacts?limitStart=abc", "limitStart"),
    "userData missing": ("GET", "/dialler/contacts/contact", "userData is required"),
    "userData over its column": (
        "GET",
        "/dialler/contacts/contact?userData=" + "u" * 256,
        "userData",
    ),
    "NUL in userData": ("GET", "/dialler/contacts/contact?userData=LN%00", "userData"),
    "delete: NUL in userData": ("DELETE", "/dialler/contacts/contact?userData=LN%00", "userData"),
    "lock: userData missing": ("PATCH", "/dialler/contacts/contact/lock", "userData"),
    "deleteContacts not a boolean": (
        "DELETE",
        "/dialler/campaigns/{campaign}?deleteContacts=x",
        "deleteContacts",
    ),
    "tenantid not a number": ("GET", "/dialler/contacts?tenantid=abc", "tenantid"),
}

RESULTS_PATH = "/dialler/contacts/contact/{contact}/results"

# (case, method, path, request, status, what the message must name)
CASES: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    *[
        (f"import: {k}", "POST", "/dialler/contacts/import", r, 400, n)
        for k, (r, n) in IMPORT_BODIES.items()
    ],
    *[
        (f"update: {k}", "POST", "/dialler/contacts/update", r, 400, n)
        for k, (r, n) in UPDATE_BODIES.items()
    ],
    *[
        (f"results: {k}", "POST", RESULTS_PATH, {"json": {**RESULT, **b}}, 400, n)
        for k, (b, n) in RESULT_BODIES.items()
    ],
    *[
        (f"campaign: {k}", "POST", "/dialler/campaigns", {"json": b}, 400, n)
        for k, (b, n) in CAMPAIGN_BODIES.items()
    ],
    *[
        (f"campaign update: {k}", "POST", "/dialler/campaigns/update", {"json": b}, 400, n)
        for k, (b, n) in CAMPAIGN_UPDATES.items()
    ],
    *[(k, method, path, {}, 400, n) for k, (method, path, n) in BAD_URLS.items()],
    (
        "unknown campaign in the list",
        "GET",
        "/dialler/contacts?diallerCampaignsID=98765",
        {},
        404,
        "98765",
    ),
    (
        "update of an unknown contact",
        "POST",
        "/dialler/contacts/update",
        {"json": {"ID": 98765, "Name": "X"}},
        404,
        "98765",
    ),
    (
        "update of an unknown campaign",
        "POST",
        "/dialler/campaigns/update",
        {"json": {"DiallerCampaignsID": 98765, "bActive": False}},
        404,
        "98765",
    ),
    (
        "body over 1 MiB",
        "POST",
        "/dialler/contacts/import",
        {"content": b" " * (MIB + 1), "headers": JSON},
        413,
        "bytes",
    ),
    (
        "update body over 1 MiB",
        "POST",
        "/dialler/contacts/update",
        {"json": {"ID": "{contact}", "Comment": "c" * MIB}},
        413,
        "bytes",
    ),
    ("unknown path", "GET", "/dialler/contact", {}, 404, "/dialler/contact"),
    ("unknown path under a contact", "GET", "/dialler/contacts/contact/1/x", {}, 404, "/1/x"),
    ("unknown path outside the faces", "GET", "/nothing/here", {}, 404, "/nothing/here"),
    ("PUT on import", "PUT", "/dialler/contacts/import", {"json": contact()}, 405, "PUT"),
    ("DELETE on the contact list", "DELETE", "/dialler/contacts", {}, 405, "DELETE"),
    ("POST on a contact", "POST", "/dialler/contacts/{contact}", {"json": {}}, 405, "POST"),
    ("PATCH on update", "PATCH", "/dialler/contacts/update", {"json": {}}, 405, "PATCH"),
    ("GET on import", "GET", "/dialler/contacts/import", {}, 405, "it takes POST"),
    ("DELETE on import", "DELETE", "/dialler/contacts/import", {}, 405, "it takes POST"),
    ("GET on results", "GET", "/dialler/contacts/contact/{contact}/results", {}, 405, "GET"),
]


def fill(value: Any, names: dict[str, Any]) -> Any:
    """Puts the test's real campaign and contact IDs where a case says "{campaign}"."""
    if isinstance(value, str):
        if value in ("{campaign}", "{contact}"):
            return names[value[1:-1]]
        return value.replace("{campaign}", str(names["campaign"])).replace(
            "{contact}", str(names["contact"])
        )
    if isinstance(value, bytes):
        return fill(value.decode("utf-8", "surrogateescape"), names).encode(
            "utf-8", "surrogateescape"
        )
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    return value


@pytest.fixture
def names(client: TestClient, auth: TokenFactory, campaign: dict[str, Any]) -> dict[str, Any]:
    """Tenant 314's campaign and one contact in it, with only PhoneNumber1."""
    body = {
        "DiallerCampaignsID": campaign["DiallerCampaignsID"],
        "Name": "Doe",
        "UserData": "LN-1",
        "PhoneNumber1": "3125550100",
    }
    response = client.post("/dialler/contacts/import", json=body, headers=auth())
    assert response.status_code == 200, response.text
    return {
        "campaign": campaign["DiallerCampaignsID"],
        "contact": response.json()["records"][0]["ID"],
    }


def snapshot(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    contacts = client.get("/dialler/contacts", headers=headers).json()
    campaigns = client.get("/dialler/campaigns", headers=headers).json()
    return {"contacts": contacts, "campaigns": campaigns}


def assert_refused(response: Response, status: int, needle: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "message"}, body
    assert body["status"] == status
    assert needle in body["message"], body["message"]


def test_a_method_a_path_does_not_take_names_those_it_takes(
    client: TestClient, auth: TokenFactory
) -> None:
    for method, path, allow in [
        ("GET", "/dialler/contacts/import", "POST"),
        ("PUT", "/dialler/contacts", "GET, HEAD"),
        ("GET", "/dialler/contacts/contact/1/results", "POST"),
        ("GET", "/loans/bulk", "POST"),
        ("DELETE", "/auth/token", "POST"),
    ]:
        response = client.request(method, path, headers=auth())
        assert response.status_code == 405, (method, path, response.text)
        assert response.headers["Allow"] == allow, (method, path)


def test_free_text_keeps_its_line_breaks_and_tabs(
    client: TestClient, auth: TokenFactory, names: dict[str, Any]
) -> None:
    text = "first line\r\nsecond\tline"
    body = {"ID": names["contact"], "Comment": text, "Address": "1 Main St\nSuite 2"}
    response = client.post("/dialler/contacts/update", json=body, headers=auth())
    assert response.status_code == 200, response.text
    assert response.json()["records"][0]["Comment"] == text


@pytest.mark.parametrize(
    ("method", "path", "request_args", "status", "needle"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_is_refused_and_changes_nothing(
    client: TestClient,
    auth: TokenFactory,
    names: dict[str, Any],
    method: str,
    path: str,
    request_args: dict[str, Any],
    status: int,
    needle: str,
) -> None:
    before = snapshot(client, auth())
    kwargs = fill(request_args, names)
    kwargs["headers"] = {**kwargs.get("headers", {}), **auth()}
    response = client.request(method, fill(path, names), **kwargs)
    assert_refused(response, status, fill(needle, names))
    after = snapshot(client, auth())
    assert after == before
    assert after["contacts"]["count"] == 1


def test_a_body_over_the_limit_is_refused_even_without_a_length(
    client: TestClient, auth: TokenFactory, names: dict[str, Any]
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"Comment": "'
        for _ in range(17):
            yield b"c" * 65536
        yield b'"}'

    before = snapshot(client, auth())
    response = client.post("/dialler/contacts/import", content=chunks(), headers={**auth(), **JSON})
    assert "transfer-encoding" in response.request.headers
    assert_refused(response, 413, "bytes")
    assert snapshot(client, auth()) == before


def test_a_body_just_under_the_limit_is_read(
    client: TestClient, auth: TokenFactory, names: dict[str, Any]
) -> None:
    body = {"ID": names["contact"], "Comment": ""}
    padding = MIB - len(json.dumps(body))
    body["Comment"] = "c" * padding
    assert len(json.dumps(body)) == MIB
    response = client.post(
        "/dialler/contacts/update", content=json.dumps(body), headers={**auth(), **JSON}
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["records"][0]["Comment"]) == padding


def test_the_message_names_every_bad_field(
    client: TestClient, auth: TokenFactory, names: dict[str, Any]
) -> None:
    body = contact(Name=5, Amount="abc", dtBeginDate="never", Nmae="x")
    response = client.post("/dialler/contacts/import", json=fill(body, names), headers=auth())
    assert response.status_code == 400
    message = response.json()["message"]
    for field in ("Name", "Amount", "dtBeginDate", "Nmae is not a known field"):
        assert field in message


# -- no input yields a 500 -------------------------------------------------------------------


@pytest.mark.parametrize("value", [str(BIG), "9" * 30, "-" + "9" * 30])
@pytest.mark.parametrize(
    ("path", "header"),
    [("/dialler/contacts", "tenantid"), ("/loans", "servicerid"), ("/loans", "tenantid")],
)
def test_an_id_header_out_of_range_is_400(
    client: TestClient,
    auth: TokenFactory,
    names: dict[str, Any],
    path: str,
    header: str,
    value: str,
) -> None:
    partner = {**auth("partner_admin", partner=90), "tenantid": "314"}
    for headers in (auth(), partner):
        response = client.get(path, headers={**headers, header: value})
        assert response.status_code == 400, response.text
        assert header in response.json()["message"]


FIELD_NAMES = [api for api, _ in CONTACT_INPUT_FIELDS]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=300),
    st.sampled_from(["2020-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31", "\x00"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
BODIES = st.dictionaries(
    st.one_of(st.sampled_from([*FIELD_NAMES, "ID", "DiallerCampaignsID"]), st.text(max_size=10)),
    VALUES,
    max_size=8,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(["/dialler/contacts/import", "/dialler/contacts/update"]),
    body=BODIES,
)
def test_no_body_yields_a_500(
    client: TestClient, auth: TokenFactory, names: dict[str, Any], path: str, body: dict[str, Any]
) -> None:
    response = client.post(path, json=body, headers=auth())
    assert response.status_code < 500, response.text
    assert response.json()["status"] == response.status_code


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    segment=st.text(min_size=1, max_size=40).filter(lambda s: s not in (".", "..")),
    action=st.sampled_from(["", "/lock", "/unlock", "/reset", "/history"]),
    user_data=st.text(max_size=300),
)
def test_no_id_or_user_data_yields_a_500(
    client: TestClient,
    auth: TokenFactory,
    names: dict[str, Any],
    segment: str,
    action: str,
    user_data: str,
) -> None:
    path = f"/dialler/contacts/contact/{quote(segment, safe='')}{action}"
    method = "GET" if action in ("", "/history") else "PATCH"
    for response in (
        client.request(method, path, headers=auth()),
        client.get("/dialler/contacts/contact", params={"userData": user_data}, headers=auth()),
        client.get(f"/dialler/contacts/{quote(segment, safe='')}", headers=auth()),
    ):
        assert response.status_code < 500, response.text
        assert response.json()["status"] == response.status_code


# The OpenAPI document marks what a create must send, as the service refuses it.


@pytest.mark.parametrize(
    ("path", "required"),
    [
        ("/dialler/campaigns", ["Name"]),
        ("/dialler/contacts/import", ["Name"]),
        ("/lenders", ["lenderName"]),
        ("/loans", ["loanStatus"]),
        (
            "/buckets",
            [
                "callCode",
                "callDaysStart",
                "callDaysEnd",
                "callAttemptsPerBucket",
                "callContactsPerBucket",
            ],
        ),
    ],
)
def test_the_openapi_document_marks_the_fields_a_create_must_send(
    client: TestClient, auth: TokenFactory, path: str, required: list[str]
) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert schema["required"] == required

    response = client.post(path, json={}, headers={**auth(), "servicerid": "2"})

    assert response.status_code == 400, response.text
    for name in required:
        assert name in response.json()["message"]


@pytest.mark.parametrize("path", ["/lenders/{lenderId}", "/loans/{loanId}"])
def test_a_change_needs_no_field(client: TestClient, path: str) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["paths"][path]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert "required" not in spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]


# A NUL character where the loan-servicing faces and the call reports read an id, a filter or
# a key: PostgreSQL refuses it in any query, so it must be refused first, whichever database
# is behind. (method, path, body, the name the 400 must give).
NUL_INPUTS = [
    ("GET", "/lenders/a%00b", None, "lenderId"),
    ("GET", "/borrowers/a%00b", None, "borrowerId"),
    ("GET", "/loans/a%00b", None, "loanId"),
    ("PATCH", "/loans/a%00b", {"loanNumber": "1"}, "loanId"),
    ("GET", "/buckets/a%00b", None, "bucketId"),
    ("GET", "/lenders?lendername=a%00b", None, "lendername"),
    ("GET", "/loans?externalreferenceid=a%00b", None, "externalreferenceid"),
    ("POST", "/loans", {"loanStatus": "repayment", "lenderId": "a\x00b"}, "lenderId"),
    ("POST", "/loans", {"loanStatus": "repayment", "borrowerId": "a\x00b"}, "borrowerId"),
    (
        "POST",
        "/call-reports",
        [
            {
                "uniqueId": "a\x00b",
                "time": "2022-10-10T00:00Z",
                "direction": "IN",
                "disposition": "BUSY",
            }
        ],
        "uniqueId",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "name"), NUL_INPUTS)
def test_a_nul_character_in_an_id_filter_or_key_is_400(
    client: TestClient, auth: TokenFactory, method: str, path: str, body: Any, name: str
) -> None:
    headers = {**auth(), "tenantid": "314", "servicerid": "2"}
    response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == 400, response.text
    assert name in response.json()["message"]
    assert "NUL" in response.json()["message"]
