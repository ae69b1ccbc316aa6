"""Recording call results: counters, invalid and mailbox flags, and the next try time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendialer.dialler.causes import Outcome, classify
from tests.conftest import TokenFactory

DELAYS = {
    "busy": 111,
    "no_answer": 222,
    "mailbox": 333,
    "failed": 444,
    "connected": 555,
}
START = "2024-05-01T10:00:00"
NUMBERS = {f"PhoneNumber{n}": f"(312) 555-010{n}" for n in range(1, 7)}


def assert_error(response: Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "message"}
    assert body["status"] == status
    for word in words:
        assert word in body["message"]


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def api_time(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds")


def import_contact(
    client: TestClient, auth: TokenFactory, campaign_id: int, **fields: Any
) -> dict[str, Any]:
    body = {"DiallerCampaignsID": campaign_id, "Name": "Doe", "UserData": "acct", **fields}
    response = client.post("/dialler/contacts/import", json=body, headers=auth())
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


def post_result(client: TestClient, auth: TokenFactory, contact_id: int, **fields: Any) -> Response:
    body = {"PhoneNumberOffset": 1, "dtCallStart": START, "CauseCodesID": 17, **fields}
    return client.post(f"/dialler/contacts/contact/{contact_id}/results", json=body, headers=auth())


def record(
    client: TestClient, auth: TokenFactory, contact_id: int, **fields: Any
) -> dict[str, Any]:
    response = post_result(client, auth, contact_id, **fields)
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = response.json()["records"][0]
    return entry


def fetch(client: TestClient, auth: TokenFactory, contact_id: int) -> dict[str, Any]:
    response = client.get(f"/dialler/contacts/{contact_id}", headers=auth())
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["records"][0]
    return found


def history(client: TestClient, auth: TokenFactory, contact_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/dialler/contacts/contact/{contact_id}/history", headers=auth())
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


# -- what one result does to the contact -----------------------------------------------------


def test_a_result_answers_the_new_history_record(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    response = post_result(
        client,
        auth,
        contact["ID"],
        PhoneNumberOffset=2,
        dtCallAlert="2024-05-01T10:00:03",
        dtCallEnd="2024-05-01T10:00:40",
        CauseCodesID=19,
        ANumber="+1 312 555 9999",
        UsersID=7,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"records", "count", "status"}
    assert body["count"] == 1
    assert body["status"] == 200
    (entry,) = body["records"]
    assert entry["DiallerContactsID"] == contact["ID"]
    assert entry["DiallerCampaignsID"] == contact["DiallerCampaignsID"]
    assert entry["UserData"] == "acct"
    assert entry["PhoneNumberOffset"] == 2
    assert entry["PhoneNumber"] == NUMBERS["PhoneNumber2"]
    assert entry["BNumber"] == NUMBERS["PhoneNumber2"]
    assert entry["ANumber"] == "+1 312 555 9999"
    assert entry["ANumber_CountryCodesID"] == 1
    assert entry["BNumber_CountryCodesID"] == 1
    assert entry["CauseCodesID"] == 19
    assert entry["CONNRES"] == 0
    assert entry["bMailbox"] is False
    assert entry["UsersID"] == 7
    assert entry["dtCallStart"] == "2024-05-01T10:00:00.000"
    assert entry["dtCallEnd"] == "2024-05-01T10:00:40.000"
    assert history(client, auth, contact["ID"]) == [entry]


@pytest.mark.parametrize(
    ("call", "delay", "invalid", "mailbox"),
    [
        pytest.param({"CauseCodesID": 17}, DELAYS["busy"], None, False, id="busy"),
        pytest.param({"CauseCodesID": 19}, DELAYS["no_answer"], None, False, id="no-answer-19"),
        pytest.param({"CauseCodesID": 18}, DELAYS["no_answer"], None, False, id="no-answer-18"),
        pytest.param(
            {"CauseCodesID": 16}, DELAYS["no_answer"], None, False, id="cleared-unanswered"
        ),
        pytest.param(
            {"CauseCodesID": 16, "dtCallConnect": "2024-05-01T10:00:05"},
            DELAYS["connected"],
            False,
            False,
            id="connected",
        ),
        pytest.param(
            {"CauseCodesID": 16, "dtCallConnect": "2024-05-01T10:00:05", "bMailbox": True},
            DELAYS["mailbox"],
            False,
            True,
            id="mailbox",
        ),
        pytest.param(
            {"CauseCodesID": 19, "bMailbox": True},
            DELAYS["no_answer"],
            None,
            False,
            id="mailbox-flag-without-connect",
        ),
        pytest.param({"CauseCodesID": 1}, DELAYS["failed"], True, False, id="unallocated"),
        pytest.param({"CauseCodesID": 28}, DELAYS["failed"], True, False, id="invalid-format"),
        pytest.param({"CauseCodesID": 34}, DELAYS["failed"], None, False, id="congestion"),
        pytest.param({"CauseCodesID": 21}, DELAYS["failed"], None, False, id="rejected"),
    ],
)
def test_a_result_updates_the_contacts_dialing_state(
    client: TestClient,
    auth: TokenFactory,
    contact: dict[str, Any],
    call: dict[str, Any],
    delay: int,
    invalid: bool | None,
    mailbox: bool,
) -> None:
    end = "2024-05-01T10:00:30"

    entry = record(client, auth, contact["ID"], PhoneNumberOffset=3, dtCallEnd=end, **call)

    after = fetch(client, auth, contact["ID"])
    assert after["nTriesPhoneNumber3"] == 1
    assert after["nPhoneNumber3LastCause"] == call["CauseCodesID"]
    assert after["bPhoneNumber3Invalid"] is invalid
    assert after["bLastResultMailbox"] is mailbox
    assert parse(after["dtNextTry"]) == parse(end) + timedelta(seconds=delay)
    assert after["dtLastTry"] == "2024-05-01T10:00:00.000"
    assert entry["bMailbox"] is mailbox
    assert entry["CONNRES"] == (1 if "dtCallConnect" in call else 0)
    # The other numbers are untouched.
    for n in (1, 2, 4, 5, 6):
        assert after[f"nTriesPhoneNumber{n}"] == 0
        assert after[f"nPhoneNumber{n}LastCause"] is None
        assert after[f"bPhoneNumber{n}Invalid"] is None


@pytest.mark.parametrize("offset", range(1, 7))
def test_counters_follow_the_number_dialed(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any], offset: int
) -> None:
    for cause in (17, 19, 34):
        record(client, auth, contact["ID"], PhoneNumberOffset=offset, CauseCodesID=cause)

    after = fetch(client, auth, contact["ID"])
    tries = {n: after[f"nTriesPhoneNumber{n}"] for n in range(1, 7)}
    assert tries == {n: 3 if n == offset else 0 for n in range(1, 7)}
    assert after[f"nPhoneNumber{offset}LastCause"] == 34
    assert len(history(client, auth, contact["ID"])) == 3


def test_next_try_counts_from_the_latest_time_given(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    start = parse(START)
    cases = [
        ({}, start),
        ({"dtCallAlert": "2024-05-01T10:00:04"}, start + timedelta(seconds=4)),
        (
            {"dtCallAlert": "2024-05-01T10:00:04", "dtCallEnd": "2024-05-01T10:01:00"},
            start + timedelta(seconds=60),
        ),
    ]
    for times, basis in cases:
        record(client, auth, contact["ID"], CauseCodesID=17, **times)
        after = fetch(client, auth, contact["ID"])
        assert parse(after["dtNextTry"]) == basis + timedelta(seconds=DELAYS["busy"]), times

    connected = {"dtCallConnect": "2024-05-01T10:00:09"}
    record(client, auth, contact["ID"], CauseCodesID=16, **connected)
    after = fetch(client, auth, contact["ID"])
    assert parse(after["dtNextTry"]) == start + timedelta(seconds=9 + DELAYS["connected"])


def test_times_with_an_offset_are_read_as_moments_and_answered_in_utc(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    entry = record(
        client,
        auth,
        contact["ID"],
        dtCallStart="2024-05-01T12:00:00+02:00",
        dtCallEnd="2024-05-01T07:00:20-03:00",
        CauseCodesID=17,
    )

    assert entry["dtCallStart"] == "2024-05-01T10:00:00.000"
    assert entry["dtCallEnd"] == "2024-05-01T10:00:20.000"
    after = fetch(client, auth, contact["ID"])
    assert after["dtLastTry"] == "2024-05-01T10:00:00.000"
    assert parse(after["dtNextTry"]) == datetime(2024, 5, 1, 10, 0, 20) + timedelta(
        seconds=DELAYS["busy"]
    )


def test_the_latest_result_sets_the_mailbox_flag(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    answered = {"CauseCodesID": 16, "dtCallConnect": "2024-05-01T10:00:05"}

    record(client, auth, contact["ID"], bMailbox=True, **answered)
    assert fetch(client, auth, contact["ID"])["bLastResultMailbox"] is True

    record(client, auth, contact["ID"], PhoneNumberOffset=2, CauseCodesID=17)
    assert fetch(client, auth, contact["ID"])["bLastResultMailbox"] is False


def test_a_connected_call_clears_the_invalid_mark(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    record(client, auth, contact["ID"], PhoneNumberOffset=4, CauseCodesID=1)
    assert fetch(client, auth, contact["ID"])["bPhoneNumber4Invalid"] is True

    record(client, auth, contact["ID"], PhoneNumberOffset=4, CauseCodesID=17)
    assert fetch(client, auth, contact["ID"])["bPhoneNumber4Invalid"] is True

    record(
        client,
        auth,
        contact["ID"],
        PhoneNumberOffset=4,
        CauseCodesID=16,
        dtCallConnect="2024-05-01T10:00:05",
    )
    after = fetch(client, auth, contact["ID"])
    assert after["bPhoneNumber4Invalid"] is False
    assert after["nTriesPhoneNumber4"] == 3


def test_agent_end_reasons_are_kept_per_number_and_overall(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    record(client, auth, contact["ID"], PhoneNumberOffset=2, AcdAgentEndReasonsID=5)
    record(client, auth, contact["ID"], PhoneNumberOffset=5, AcdAgentEndReasonsID=9)
    record(client, auth, contact["ID"], PhoneNumberOffset=2)

    after = fetch(client, auth, contact["ID"])
    assert after["PhoneNumber2LastAcdAgentEndReasonsID"] == 5
    assert after["PhoneNumber5LastAcdAgentEndReasonsID"] == 9
    assert after["LastAcdAgentEndReasonsID"] == 9


def test_the_campaigns_current_retry_delays_apply(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any], campaign_id: int
) -> None:
    changed = client.post(
        "/dialler/campaigns/update",
        json={"DiallerCampaignsID": campaign_id, "nRetryDelayBusy": 7200},
        headers=auth(),
    )
    assert changed.status_code == 200, changed.text

    record(client, auth, contact["ID"], CauseCodesID=17, dtCallEnd="2024-05-01T10:00:30")

    after = fetch(client, auth, contact["ID"])
    assert after["dtNextTry"] == "2024-05-01T12:00:30.000"


def test_a_campaigns_default_retry_delays(client: TestClient, auth: TokenFactory) -> None:
    response = client.post("/dialler/campaigns", json={"Name": "Defaults"}, headers=auth())
    campaign_id = response.json()["records"][0]["DiallerCampaignsID"]
    contact = import_contact(client, auth, campaign_id, PhoneNumber1="3125550100")
    end = "2024-05-01T10:00:30"
    expected = {17: 600, 19: 3600, 34: 1800}

    for cause, delay in expected.items():
        record(client, auth, contact["ID"], CauseCodesID=cause, dtCallEnd=end)
        next_try = parse(fetch(client, auth, contact["ID"])["dtNextTry"])
        assert next_try == parse(end) + timedelta(seconds=delay), cause


def test_country_codes_follow_the_campaigns_region(client: TestClient, auth: TokenFactory) -> None:
    response = client.post(
        "/dialler/campaigns",
        json={"Name": "Munich", "Region": "DE", "TimeZone": "Europe/Berlin"},
        headers=auth(),
    )
    campaign_id = response.json()["records"][0]["DiallerCampaignsID"]
    contact = import_contact(client, auth, campaign_id, PhoneNumber1="089 4614950703")

    entry = record(client, auth, contact["ID"], ANumber="+1 312 555 0100")

    assert entry["BNumber_CountryCodesID"] == 49
    assert entry["ANumber_CountryCodesID"] == 1


# -- refused results -------------------------------------------------------------------------


def assert_unchanged(client: TestClient, auth: TokenFactory, contact: dict[str, Any]) -> None:
    assert fetch(client, auth, contact["ID"]) == contact
    assert history(client, auth, contact["ID"]) == []


def test_a_result_for_an_offset_with_no_number_is_400(
    client: TestClient, auth: TokenFactory, campaign_id: int
) -> None:
    contact = import_contact(client, auth, campaign_id, PhoneNumber2="3125550102")

    for offset in (1, 3, 6):
        response = post_result(client, auth, contact["ID"], PhoneNumberOffset=offset)
        assert_error(response, 400, "PhoneNumberOffset", f"PhoneNumber{offset}")

    assert_unchanged(client, auth, contact)
    assert record(client, auth, contact["ID"], PhoneNumberOffset=2)["PhoneNumberOffset"] == 2


@pytest.mark.parametrize(
    ("times", "words"),
    [
        ({"dtCallAlert": "2024-05-01T09:59:59"}, ["dtCallAlert", "dtCallStart"]),
        ({"dtCallEnd": "2024-05-01T09:00:00"}, ["dtCallEnd", "dtCallStart"]),
        (
            {"dtCallAlert": "2024-05-01T10:00:10", "dtCallConnect": "2024-05-01T10:00:05"},
            ["dtCallConnect", "dtCallAlert"],
        ),
        (
            {"dtCallConnect": "2024-05-01T10:00:10", "dtCallEnd": "2024-05-01T10:00:09"},
            ["dtCallEnd", "dtCallConnect"],
        ),
        (
            {"dtCallAlert": "2024-05-01T10:00:10", "dtCallEnd": "2024-05-01T10:00:05"},
            ["dtCallEnd", "dtCallAlert"],
        ),
        ({"dtCallEnd": "2024-05-01T11:59:00+02:00"}, ["dtCallEnd", "dtCallStart"]),
    ],
)
def test_times_out_of_order_are_400(
    client: TestClient,
    auth: TokenFactory,
    contact: dict[str, Any],
    times: dict[str, str],
    words: list[str],
) -> None:
    response = post_result(client, auth, contact["ID"], **times)

    assert_error(response, 400, *words)
    assert_unchanged(client, auth, contact)


@pytest.mark.parametrize("field", ["dtCallStart", "dtCallAlert", "dtCallConnect", "dtCallEnd"])
def test_a_time_ahead_of_the_servers_clock_is_400(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any], field: str
) -> None:
    now = datetime.now(UTC)
    names = ["dtCallStart", "dtCallAlert", "dtCallConnect", "dtCallEnd"]
    # Every time up to `field` is now; `field` and the ones after it ten minutes ahead.
    late = names.index(field)
    times = {
        name: api_time(now + timedelta(minutes=10 if i >= late else 0))
        for i, name in enumerate(names)
    }

    response = post_result(client, auth, contact["ID"], **times)

    assert_error(response, 400, field, "in the future")
    assert_unchanged(client, auth, contact)


def test_a_time_within_the_clock_skew_is_recorded(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    start = datetime.now(UTC) + timedelta(minutes=4)
    entry = record(client, auth, contact["ID"], dtCallStart=api_time(start))
    assert entry["dtCallStart"].startswith(start.strftime("%Y-%m-%dT%H:%M"))


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"PhoneNumberOffset": 0}, "PhoneNumberOffset"),
        ({"PhoneNumberOffset": 7}, "PhoneNumberOffset"),
        ({"PhoneNumberOffset": None}, "PhoneNumberOffset"),
        ({"CauseCodesID": 128}, "CauseCodesID"),
        ({"CauseCodesID": -1}, "CauseCodesID"),
        ({"CauseCodesID": None}, "CauseCodesID"),
        ({"dtCallStart": None}, "dtCallStart"),
        ({"dtCallStart": "yesterday"}, "dtCallStart"),
        ({"bMailbox": "perhaps"}, "bMailbox"),
        ({"Duration": 30}, "Duration"),
    ],
)
def test_bad_result_fields_are_400_naming_them(
    client: TestClient,
    auth: TokenFactory,
    contact: dict[str, Any],
    fields: dict[str, Any],
    named: str,
) -> None:
    response = post_result(client, auth, contact["ID"], **fields)

    assert_error(response, 400, named)
    assert_unchanged(client, auth, contact)


@pytest.mark.parametrize("missing", ["PhoneNumberOffset", "dtCallStart", "CauseCodesID"])
def test_mandatory_result_fields_are_named_when_missing(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any], missing: str
) -> None:
    body = {"PhoneNumberOffset": 1, "dtCallStart": START, "CauseCodesID": 17}
    del body[missing]

    response = client.post(
        f"/dialler/contacts/contact/{contact['ID']}/results", json=body, headers=auth()
    )

    assert_error(response, 400, missing, "required")
    assert_unchanged(client, auth, contact)


def test_a_result_for_an_unknown_or_foreign_contact_is_404(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    body = {"PhoneNumberOffset": 1, "dtCallStart": START, "CauseCodesID": 17}

    unknown = client.post("/dialler/contacts/contact/987654/results", json=body, headers=auth())
    foreign = client.post(
        f"/dialler/contacts/contact/{contact['ID']}/results", json=body, headers=auth(tenant=315)
    )

    assert_error(unknown, 404, "987654")
    assert_error(foreign, 404)
    assert_unchanged(client, auth, contact)


def test_a_result_sent_again_with_its_key_is_recorded_once(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    path = f"/dialler/contacts/contact/{contact['ID']}/results"
    body = {"PhoneNumberOffset": 1, "dtCallStart": START, "CauseCodesID": 17}
    headers = {**auth(), "Idempotency-Key": "attempt-1"}

    first = client.post(path, json=body, headers=headers)
    again = client.post(path, json=body, headers=headers)

    assert first.status_code == again.status_code == 200, again.text
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(history(client, auth, contact["ID"])) == 1
    assert fetch(client, auth, contact["ID"])["nTriesPhoneNumber1"] == 1


def test_a_results_key_names_one_request_per_contact(
    client: TestClient, auth: TokenFactory, campaign_id: int, contact: dict[str, Any]
) -> None:
    other = import_contact(client, auth, campaign_id, UserData="other", **NUMBERS)
    body = {"PhoneNumberOffset": 1, "dtCallStart": START, "CauseCodesID": 17}
    headers = {**auth(), "Idempotency-Key": "attempt-1"}
    path = "/dialler/contacts/contact/{}/results"

    assert client.post(path.format(contact["ID"]), json=body, headers=headers).status_code == 200
    second = client.post(path.format(other["ID"]), json=body, headers=headers)
    changed = client.post(
        path.format(contact["ID"]), json={**body, "CauseCodesID": 16}, headers=headers
    )

    assert second.status_code == 200, second.text
    assert "Idempotent-Replayed" not in second.headers
    assert_error(changed, 409, "attempt-1", "different request")
    assert len(history(client, auth, contact["ID"])) == 1
    assert len(history(client, auth, other["ID"])) == 1


def test_agents_and_report_readers_may_not_record_results(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    body = {"PhoneNumberOffset": 1, "dtCallStart": START, "CauseCodesID": 17}
    path = f"/dialler/contacts/contact/{contact['ID']}/results"

    assert_error(client.post(path, json=body, headers=auth(role="agent")), 403)
    assert_error(client.post(path, json=body, headers=auth(role="reports_admin")), 403)
    assert_unchanged(client, auth, contact)


# -- the rule over its whole space -----------------------------------------------------------


def expected_outcome(cause: int, connected: bool, mailbox: bool) -> str:
    """The outcome table of the API documentation."""
    if connected:
        return "mailbox" if mailbox else "connected"
    if cause in (1, 28):
        return "invalid"
    if cause == 17:
        return "busy"
    if cause in (16, 18, 19):
        return "no_answer"
    return "failed"


causes = st.integers(min_value=0, max_value=127)


@given(cause=causes, connected=st.booleans(), mailbox=st.booleans())
def test_classify_follows_the_documented_outcome_table(
    cause: int, connected: bool, mailbox: bool
) -> None:
    assert classify(cause, connected, mailbox) == Outcome(
        expected_outcome(cause, connected, mailbox)
    )


@given(cause=causes, mailbox=st.booleans())
def test_an_answered_call_is_never_busy_invalid_or_failed(cause: int, mailbox: bool) -> None:
    assert classify(cause, True, mailbox) in {Outcome.CONNECTED, Outcome.MAILBOX}


@given(cause=causes)
def test_the_mailbox_flag_alone_never_makes_a_mailbox(cause: int) -> None:
    assert classify(cause, False, True) == classify(cause, False, False)


seconds = st.integers(min_value=0, max_value=3600)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    offset=st.integers(min_value=1, max_value=6),
    cause=causes,
    mailbox=st.booleans(),
    # Calls that have happened: the latest time (at most three hours after the start) is past.
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2025, 1, 1)).map(
        lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    ),
    alert=st.none() | seconds,
    connect=st.none() | seconds,
    end=st.none() | seconds,
)
def test_any_result_sets_counters_flags_and_next_try_as_documented(
    client: TestClient,
    auth: TokenFactory,
    contact: dict[str, Any],
    offset: int,
    cause: int,
    mailbox: bool,
    start: datetime,
    alert: int | None,
    connect: int | None,
    end: int | None,
) -> None:
    # Each time is that many seconds after the one before it that was given.
    times: dict[str, datetime] = {"dtCallStart": start}
    latest = start
    for name, gap in (("dtCallAlert", alert), ("dtCallConnect", connect), ("dtCallEnd", end)):
        if gap is not None:
            latest = latest + timedelta(seconds=gap)
            times[name] = latest
    before = fetch(client, auth, contact["ID"])
    sent = {name: api_time(value) for name, value in times.items()}

    entry = record(
        client,
        auth,
        contact["ID"],
        PhoneNumberOffset=offset,
        CauseCodesID=cause,
        bMailbox=mailbox,
        **sent,
    )

    after = fetch(client, auth, contact["ID"])
    outcome = expected_outcome(cause, connect is not None, mailbox)
    delay = DELAYS["failed" if outcome == "invalid" else outcome]
    assert after[f"nTriesPhoneNumber{offset}"] == before[f"nTriesPhoneNumber{offset}"] + 1
    assert after[f"nPhoneNumber{offset}LastCause"] == cause
    assert after["bLastResultMailbox"] is (outcome == "mailbox")
    assert parse(after["dtNextTry"]) == latest + timedelta(seconds=delay)
    assert after["dtLastTry"] == api_time(start)
    if outcome == "invalid":
        assert after[f"bPhoneNumber{offset}Invalid"] is True
    elif connect is not None:
        assert after[f"bPhoneNumber{offset}Invalid"] is False
    else:
        assert after[f"bPhoneNumber{offset}Invalid"] == before[f"bPhoneNumber{offset}Invalid"]
    for name, value in sent.items():
        assert entry[name] == value
    assert entry["CONNRES"] == (0 if connect is None else 1)
    assert entry["bMailbox"] is (outcome == "mailbox")
    others = [n for n in range(1, 7) if n != offset]
    assert [after[f"nTriesPhoneNumber{n}"] for n in others] == [
        before[f"nTriesPhoneNumber{n}"] for n in others
    ]
