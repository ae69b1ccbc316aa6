"""A campaign's dialing settings and its start, pause and stop, over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from opendialer.dialler.schedule import parse_hours
from opendialer.errors import Invalid
from tests.conftest import TokenFactory
from tests.dialler.test_campaigns_api import assert_error, create, created, update


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"DialingMode": "predictive"}, "predictive pacing"),
        ({"DialingMode": "robot"}, "DialingMode"),
        ({"CallerID": "3125550199"}, "CallerID"),
        ({"CallerID": "+1312555"}, "CallerID"),
        ({"RingTimeoutSeconds": 14}, "RingTimeoutSeconds"),
        ({"RingTimeoutSeconds": 301}, "RingTimeoutSeconds"),
        ({"MaxLines": 0}, "MaxLines"),
        ({"MaxLines": -2}, "MaxLines"),
        ({"MaxCallsPerSecond": 0}, "MaxCallsPerSecond"),
        ({"DialRatio": 0.5}, "DialRatio"),
        ({"AbandonRateLimit": 0.031}, "AbandonRateLimit"),
        ({"AbandonRateLimit": -0.01}, "AbandonRateLimit"),
        ({"CallableHours": ""}, "CallableHours"),
        ({"CallableHours": "Weekdays 09:00-17:00"}, "weekday"),
        ({"CallableHours": "Mon-Fri"}, "no time range"),
        ({"CallableHours": "Mon-Fri 9-17"}, "HH:MM-HH:MM"),
        ({"CallableHours": "Mon 17:00-09:00"}, "ends before it starts"),
        ({"CallableHours": "Fri-Mon 09:00-17:00"}, "backwards"),
        ({"CallableHours": "Mon 09:00-25:00"}, "time of day"),
        ({"Priority": -1}, "Priority"),
    ],
)
def test_bad_dialing_settings_are_400_naming_them(
    client: TestClient, auth: TokenFactory, fields: dict[str, Any], named: str
) -> None:
    assert_error(create(client, auth, Name="Bad", **fields), 400, named)
    campaign = created(client, auth, "Good")
    assert_error(update(client, auth, campaign["DiallerCampaignsID"], **fields), 400, named)
    unchanged = client.get(
        f"/dialler/campaigns/{campaign['DiallerCampaignsID']}", headers=auth()
    ).json()["records"][0]
    assert unchanged == campaign


def test_callable_hours_and_caller_id_can_be_cleared(
    client: TestClient, auth: TokenFactory
) -> None:
    campaign = created(client, auth, "Daytime")
    campaign_id = campaign["DiallerCampaignsID"]
    set_ = update(
        client, auth, campaign_id, CallableHours="Mon-Fri 09:00-17:00", CallerID="+13125550199"
    )
    assert set_.json()["records"][0]["CallableHours"] == "Mon-Fri 09:00-17:00"

    cleared = update(client, auth, campaign_id, CallableHours=None, CallerID=None)

    assert cleared.status_code == 200, cleared.text
    record = cleared.json()["records"][0]
    assert record["CallableHours"] is None and record["CallerID"] is None
    # Settings that always have a value cannot be cleared.
    assert_error(update(client, auth, campaign_id, RingTimeoutSeconds=None), 400, "cannot be null")


def test_start_pause_and_stop_set_the_dialing_state(client: TestClient, auth: TokenFactory) -> None:
    campaign_id = created(client, auth, "Controlled")["DiallerCampaignsID"]

    for action, state in [("start", "running"), ("pause", "paused"), ("start", "running"),
                          ("stop", "stopped")]:  # fmt: skip
        response = client.post(f"/dialler/campaigns/{campaign_id}/{action}", headers=auth())
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == 200 and body["count"] == 1
        assert body["records"][0]["DialingState"] == state
        read = client.get(f"/dialler/campaigns/{campaign_id}", headers=auth()).json()
        assert read["records"][0]["DialingState"] == state


def test_the_dialing_state_is_not_set_by_an_update(client: TestClient, auth: TokenFactory) -> None:
    campaign_id = created(client, auth, "Quiet")["DiallerCampaignsID"]

    assert_error(update(client, auth, campaign_id, DialingState="running"), 400, "DialingState")
    read = client.get(f"/dialler/campaigns/{campaign_id}", headers=auth()).json()
    assert read["records"][0]["DialingState"] == "stopped"


@pytest.mark.parametrize("action", ["start", "pause", "stop"])
def test_control_is_for_the_campaigns_own_tenant_and_writers(
    client: TestClient, auth: TokenFactory, action: str
) -> None:
    campaign_id = created(client, auth, "Mine")["DiallerCampaignsID"]

    assert_error(client.post(f"/dialler/campaigns/{campaign_id}/{action}",
                             headers=auth(tenant=315)), 404)  # fmt: skip
    assert_error(client.post(f"/dialler/campaigns/{campaign_id}/{action}",
                             headers=auth(role="reports_admin")), 403)  # fmt: skip
    assert_error(client.post("/dialler/campaigns/999999/start", headers=auth()), 404)
    read = client.get(f"/dialler/campaigns/{campaign_id}", headers=auth()).json()
    assert read["records"][0]["DialingState"] == "stopped"


# -- callable hours, as the engine reads them -------------------------------------------------


def test_callable_hours_allow_only_the_times_they_name() -> None:
    hours = parse_hours("Mon-Fri 09:00-12:00 13:00-20:00; sat 10:00-14:00")
    chicago = ZoneInfo("America/Chicago")

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 12, 7 + day, hour, minute, tzinfo=chicago)  # 7th: a Monday

    assert hours.allows(at(0, 9)) and hours.allows(at(4, 19, 59))
    assert not hours.allows(at(0, 8, 59)) and not hours.allows(at(0, 12, 30))
    assert not hours.allows(at(2, 20))
    assert hours.allows(at(5, 10)) and not hours.allows(at(5, 14))
    assert not hours.allows(at(6, 11))  # Sunday is named by no clause
    assert parse_hours("Sun 00:00-24:00").allows(at(6, 23, 59))


def test_unreadable_callable_hours_name_the_clause() -> None:
    with pytest.raises(Invalid, match="'Tue 10:00'"):
        parse_hours("Mon 09:00-10:00; Tue 10:00")
