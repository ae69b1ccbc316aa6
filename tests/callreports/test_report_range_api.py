"""GET /call-reports: start and end on the requested zone's clock, the range limits and their
edges, daylight-saving changes, and how each record's time is written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.callreports.conftest import (
    admin,
    cdr,
    error,
    load,
    partner,
    records,
    report,
    unique_ids,
)
from tests.conftest import TokenFactory

CHICAGO = "America/Chicago"


def load_at(client: TestClient, auth: TokenFactory, *instants: str, tenant: int = 314) -> None:
    """One call per UTC instant, its uniqueId the instant itself."""
    load(client, admin(auth, tenant), [cdr(instant, instant) for instant in instants])


def times(client: TestClient, headers: dict[str, str], **params: str) -> list[tuple[str, str]]:
    return [(r["uniqueId"], r["time"]) for r in records(client, headers, **params)]


# 31 days


def test_exactly_31_days_is_allowed_and_both_ends_are_included(
    client: TestClient, auth: TokenFactory
) -> None:
    # 2024-05-01 00:00 CDT is 05:00Z; 2024-06-01 00:00 CDT is 05:00Z.
    load_at(
        client,
        auth,
        "2024-05-01T04:59:59Z",
        "2024-05-01T05:00:00Z",
        "2024-06-01T05:00:00Z",
        "2024-06-01T05:00:01Z",
    )

    got = times(
        client,
        admin(auth),
        tenantId="314",
        start="2024-05-01 00:00:00",
        end="2024-06-01 00:00:00",
        timezone=CHICAGO,
    )

    assert got == [
        ("2024-06-01T05:00:00Z", "06/01/24 00:00:00"),
        ("2024-05-01T05:00:00Z", "05/01/24 00:00:00"),
    ]


def test_one_second_over_31_days_is_refused(client: TestClient, auth: TokenFactory) -> None:
    response = report(
        client,
        admin(auth),
        tenantId="314",
        start="2024-05-01 00:00:00",
        end="2024-06-01 00:00:01",
        timezone=CHICAGO,
    )

    assert "31 days" in error(response, 400)


def test_31_days_across_the_autumn_change_counts_wall_clock_days(
    client: TestClient, auth: TokenFactory
) -> None:
    # 31 days on Chicago's clock, 31 days and one hour of real time.
    load_at(client, auth, "2022-11-01T05:00:00Z", "2022-12-02T06:00:00Z")

    ids = unique_ids(
        client,
        admin(auth),
        tenantId="314",
        start="2022-11-01 00:00:00",
        end="2022-12-02 00:00:00",
        timezone=CHICAGO,
    )

    assert ids == ["2022-12-02T06:00:00Z", "2022-11-01T05:00:00Z"]


def test_over_31_wall_clock_days_across_the_spring_change_is_refused(
    client: TestClient, auth: TokenFactory
) -> None:
    # Under 31 days of real time (the clock skips an hour), but 31 days and 30 minutes on it.
    response = report(
        client,
        admin(auth),
        tenantId="314",
        start="2022-03-01 00:00:00",
        end="2022-04-01 00:30:00",
        timezone=CHICAGO,
    )

    assert "31 days" in error(response, 400)


def test_a_partner_naming_a_tenant_gets_the_full_31_days(
    client: TestClient, auth: TokenFactory
) -> None:
    load_at(client, auth, "2024-05-01T05:00:00Z", "2024-06-01T05:00:00Z")
    window = {"start": "2024-05-01 00:00:00", "end": "2024-06-01 00:00:00", "timezone": CHICAGO}

    assert len(records(client, partner(auth), tenantId="314", **window)) == 2
    assert len(records(client, partner(auth), billingCode="ACME", **window)) == 2
    over = {**window, "end": "2024-06-01 00:00:01"}
    assert "31 days" in error(report(client, partner(auth), billingCode="ACME", **over), 400)


# A partner's 24 hours without tenantId or billingCode


def test_exactly_24_hours_is_allowed_for_all_a_partners_tenants(
    client: TestClient, auth: TokenFactory
) -> None:
    load_at(client, auth, "2024-05-01T05:00:00Z", tenant=314)
    load_at(client, auth, "2024-05-02T05:00:00Z", tenant=315)
    load_at(client, auth, "2024-05-01T12:00:00Z", tenant=316)
    load_at(client, auth, "2024-05-01T04:59:59Z", "2024-05-02T05:00:01Z", tenant=315)

    got = times(
        client,
        partner(auth),
        start="2024-05-01 00:00:00",
        end="2024-05-02 00:00:00",
        timezone=CHICAGO,
    )

    assert got == [
        ("2024-05-02T05:00:00Z", "05/02/24 00:00:00"),
        ("2024-05-01T05:00:00Z", "05/01/24 00:00:00"),
    ]


def test_one_second_over_24_hours_is_refused_for_all_a_partners_tenants(
    client: TestClient, auth: TokenFactory
) -> None:
    response = report(
        client,
        partner(auth),
        start="2024-05-01 00:00:00",
        end="2024-05-02 00:00:01",
        timezone=CHICAGO,
    )

    message = error(response, 400)
    assert "24 hours" in message and ("tenantId" in message or "billingCode" in message)


def test_the_autumn_day_of_25_real_hours_is_24_wall_clock_hours(
    client: TestClient, auth: TokenFactory
) -> None:
    # Chicago, 2022-11-06: 02:00 CDT falls back to 01:00 CST, so 01:30 happens twice.
    load_at(
        client,
        auth,
        "2022-11-06T04:59:59Z",  # 11/05 23:59:59 CDT: before start
        "2022-11-06T05:00:00Z",  # 00:00:00 CDT: start
        "2022-11-06T06:30:00Z",  # 01:30:00 CDT
        "2022-11-06T07:30:00Z",  # 01:30:00 CST
        "2022-11-06T08:00:00Z",  # 02:00:00 CST
        "2022-11-07T06:00:00Z",  # 11/07 00:00:00 CST: end
        "2022-11-07T06:00:01Z",  # after end
    )

    got = times(
        client,
        partner(auth),
        start="2022-11-06 00:00:00",
        end="2022-11-07 00:00:00",
        timezone=CHICAGO,
    )

    assert got == [
        ("2022-11-07T06:00:00Z", "11/07/22 00:00:00"),
        ("2022-11-06T08:00:00Z", "11/06/22 02:00:00"),
        ("2022-11-06T07:30:00Z", "11/06/22 01:30:00"),
        ("2022-11-06T06:30:00Z", "11/06/22 01:30:00"),
        ("2022-11-06T05:00:00Z", "11/06/22 00:00:00"),
    ]


def test_the_spring_day_of_23_real_hours_is_24_wall_clock_hours(
    client: TestClient, auth: TokenFactory
) -> None:
    # Chicago, 2022-03-13: 02:00 CST jumps to 03:00 CDT.
    load_at(
        client,
        auth,
        "2022-03-13T06:00:00Z",  # 00:00:00 CST: start
        "2022-03-13T07:59:59Z",  # 01:59:59 CST
        "2022-03-13T08:00:00Z",  # 03:00:00 CDT
        "2022-03-14T05:00:00Z",  # 03/14 00:00:00 CDT: end
        "2022-03-14T05:00:01Z",  # after end
    )

    got = times(
        client,
        partner(auth),
        start="2022-03-13 00:00:00",
        end="2022-03-14 00:00:00",
        timezone=CHICAGO,
    )

    assert got == [
        ("2022-03-14T05:00:00Z", "03/14/22 00:00:00"),
        ("2022-03-13T08:00:00Z", "03/13/22 03:00:00"),
        ("2022-03-13T07:59:59Z", "03/13/22 01:59:59"),
        ("2022-03-13T06:00:00Z", "03/13/22 00:00:00"),
    ]


def test_over_24_wall_clock_hours_on_the_spring_day_is_refused(
    client: TestClient, auth: TokenFactory
) -> None:
    # 23 hours 30 minutes of real time, but 24 hours 30 minutes on Chicago's clock.
    response = report(
        client,
        partner(auth),
        start="2022-03-13 00:00:00",
        end="2022-03-14 00:30:00",
        timezone=CHICAGO,
    )

    assert "24 hours" in error(response, 400)


def test_the_24_hour_limit_is_measured_on_the_requested_zones_clock(
    client: TestClient, auth: TokenFactory
) -> None:
    # Dublin falls back on 2022-10-30 (02:00 IST to 01:00 GMT), a week before Chicago: that
    # day has 25 real hours in Dublin and is an ordinary one in Chicago.
    load_at(client, auth, "2022-10-30T00:30:00Z", "2022-10-30T01:30:00Z", "2022-10-31T00:00:00Z")
    window = {"start": "2022-10-30 00:00:00", "end": "2022-10-31 00:00:00"}

    dublin = times(client, partner(auth), timezone="Europe/Dublin", **window)
    chicago = times(client, partner(auth), timezone=CHICAGO, **window)

    assert dublin == [
        ("2022-10-31T00:00:00Z", "10/31/22 00:00:00"),
        ("2022-10-30T01:30:00Z", "10/30/22 01:30:00"),
        ("2022-10-30T00:30:00Z", "10/30/22 01:30:00"),
    ]
    assert chicago == [("2022-10-31T00:00:00Z", "10/30/22 19:00:00")]


# The window itself


def test_start_equal_to_end_is_a_window_of_one_instant(
    client: TestClient, auth: TokenFactory
) -> None:
    load_at(client, auth, "2024-05-01T12:00:00Z", "2024-05-01T12:00:01Z")

    ids = unique_ids(
        client,
        admin(auth),
        tenantId="314",
        start="2024-05-01 07:00:00",
        end="2024-05-01 07:00:00",
    )

    assert ids == ["2024-05-01T12:00:00Z"]


def test_the_end_second_is_included_whole(client: TestClient, auth: TokenFactory) -> None:
    # A record written as 23:59:59 is inside a window ending at 23:59:59, whatever its
    # fraction of a second.
    load_at(
        client,
        auth,
        "2024-05-01T00:00:00.000Z",
        "2024-05-01T23:59:59.999Z",
        "2024-05-02T00:00:00.000Z",
    )

    got = times(
        client,
        admin(auth),
        tenantId="314",
        start="2024-05-01 00:00:00",
        end="2024-05-01 23:59:59",
        timezone="UTC",
    )

    assert got == [
        ("2024-05-01T23:59:59.999Z", "05/01/24 23:59:59"),
        ("2024-05-01T00:00:00.000Z", "05/01/24 00:00:00"),
    ]


def test_end_before_start_is_refused(client: TestClient, auth: TokenFactory) -> None:
    response = report(
        client, admin(auth), tenantId="314", start="2024-05-02 00:00:00", end="2024-05-01 23:59:59"
    )

    assert "end is before start" in error(response, 400)


@pytest.mark.parametrize("which", ["start", "end"])
@pytest.mark.parametrize(
    "value",
    [
        "2024-13-01 00:00:00",
        "2024-02-30 00:00:00",
        "2024-05-01 24:00:00",
        "2024-05-01",
        "05/01/24 00:00:00",
        "2024-05-01 00:00:00 +02:00",
        "yesterday",
    ],
)
def test_a_malformed_date_names_the_parameter_and_the_format(
    client: TestClient, auth: TokenFactory, which: str, value: str
) -> None:
    params = {"tenantId": "314", "start": "2024-05-01 00:00:00", "end": "2024-05-01 12:00:00"}
    params[which] = value

    message = error(report(client, admin(auth), **params), 400)

    assert which in message and "YYYY-MM-DD HH:MM:SS" in message


@pytest.mark.parametrize("missing", ["start", "end"])
def test_start_and_end_are_required(client: TestClient, auth: TokenFactory, missing: str) -> None:
    params = {"tenantId": "314", "start": "2024-05-01 00:00:00", "end": "2024-05-01 12:00:00"}
    del params[missing]

    assert f"{missing} is required" in error(report(client, admin(auth), **params), 400)


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "America", "america/chicago", "../../etc/passwd", "CST+6"]
)
def test_an_unknown_time_zone_is_refused(client: TestClient, auth: TokenFactory, zone: str) -> None:
    response = report(
        client,
        admin(auth),
        tenantId="314",
        start="2024-05-01 00:00:00",
        end="2024-05-01 12:00:00",
        timezone=zone,
    )

    message = error(response, 400)
    assert "timezone" in message and "IANA" in message


@pytest.mark.parametrize(
    ("start", "end", "zone"),
    [
        ("9999-12-31 00:00:00", "9999-12-31 23:59:59", CHICAGO),
        ("0001-01-01 00:00:00", "0001-01-01 12:00:00", "Asia/Tokyo"),
    ],
)
def test_a_date_that_leaves_the_calendar_in_utc_is_400_not_500(
    client: TestClient, auth: TokenFactory, start: str, end: str, zone: str
) -> None:
    response = report(client, admin(auth), tenantId="314", start=start, end=end, timezone=zone)

    assert "out of range" in error(response, 400)


def test_the_last_second_of_the_calendar_is_a_valid_end(
    client: TestClient, auth: TokenFactory
) -> None:
    load_at(client, auth, "9999-12-31T23:59:59Z")

    got = times(
        client,
        admin(auth),
        tenantId="314",
        start="9999-12-31 00:00:00",
        end="9999-12-31 23:59:59",
        timezone="UTC",
    )

    assert got == [("9999-12-31T23:59:59Z", "12/31/99 23:59:59")]


@pytest.mark.parametrize(
    ("instant", "start", "end", "zone", "written"),
    [
        # The hour 05:00Z starts on 0000-12-31 in Chicago (local mean time then, 5:50:36
        # behind UTC), before the calendar.
        (
            "0001-01-01T05:59:00Z",
            "0001-01-01 00:05:00",
            "0001-01-02 00:00:00",
            CHICAGO,
            "01/01/01 00:08:24",
        ),
        # The hour 18:00Z ends on 10000-01-01 in Kolkata, after it.
        (
            "9999-12-31T18:00:00Z",
            "9999-12-31 23:00:00",
            "9999-12-31 23:59:59",
            "Asia/Kolkata",
            "12/31/99 23:30:00",
        ),
        # The same at a whole-hour offset: 9999-12-31 23:00Z is 10000-01-01 08:00 in Tokyo.
        (
            "9999-12-31T14:30:00Z",
            "9999-12-31 23:00:00",
            "9999-12-31 23:59:59",
            "Asia/Tokyo",
            "12/31/99 23:30:00",
        ),
    ],
)
def test_times_in_an_hour_that_crosses_the_calendars_end_on_the_zones_clock(
    client: TestClient,
    auth: TokenFactory,
    instant: str,
    start: str,
    end: str,
    zone: str,
    written: str,
) -> None:
    load_at(client, auth, instant)

    got = times(client, admin(auth), tenantId="314", start=start, end=end, timezone=zone)

    assert got == [(instant, written)]


# Time zones and how `time` is written


def test_start_end_and_times_default_to_america_chicago(
    client: TestClient, auth: TokenFactory
) -> None:
    # 2024-01-15 00:00 CST is 06:00Z.
    load_at(client, auth, "2024-01-15T05:59:59Z", "2024-01-15T06:00:00Z", "2024-01-16T05:59:59Z")

    got = times(
        client, admin(auth), tenantId="314", start="2024-01-15 00:00:00", end="2024-01-15 23:59:59"
    )

    assert got == [
        ("2024-01-16T05:59:59Z", "01/15/24 23:59:59"),
        ("2024-01-15T06:00:00Z", "01/15/24 00:00:00"),
    ]


@pytest.mark.parametrize(
    ("zone", "start", "end", "written"),
    [
        ("UTC", "2024-07-04 15:00:00", "2024-07-04 15:00:00", "07/04/24 15:00:00"),
        ("America/New_York", "2024-07-04 11:00:00", "2024-07-04 11:00:00", "07/04/24 11:00:00"),
        ("Europe/Dublin", "2024-07-04 16:00:00", "2024-07-04 16:00:00", "07/04/24 16:00:00"),
        ("Asia/Kolkata", "2024-07-04 20:30:00", "2024-07-04 20:30:00", "07/04/24 20:30:00"),
        ("Pacific/Kiritimati", "2024-07-05 05:00:00", "2024-07-05 05:00:00", "07/05/24 05:00:00"),
    ],
)
def test_one_instant_is_read_and_written_on_the_requested_zones_clock(
    client: TestClient, auth: TokenFactory, zone: str, start: str, end: str, written: str
) -> None:
    load_at(client, auth, "2024-07-04T15:00:00Z")

    got = times(client, admin(auth), tenantId="314", start=start, end=end, timezone=zone)

    assert got == [("2024-07-04T15:00:00Z", written)]


def test_time_is_written_as_the_seed_does_two_digit_year_24_hour_clock(
    client: TestClient, auth: TokenFactory
) -> None:
    load_at(client, auth, "2024-01-05T03:04:05Z", "2024-12-25T23:59:59Z")
    window = {"start": "2024-01-01 00:00:00", "end": "2024-01-31 23:59:59", "timezone": "UTC"}

    assert times(client, admin(auth), tenantId="314", **window) == [
        ("2024-01-05T03:04:05Z", "01/05/24 03:04:05")
    ]
    december = {**window, "start": "2024-12-25 00:00:00", "end": "2024-12-25 23:59:59"}
    assert times(client, admin(auth), tenantId="314", **december) == [
        ("2024-12-25T23:59:59Z", "12/25/24 23:59:59")
    ]


def test_t_between_date_and_time_is_accepted(client: TestClient, auth: TokenFactory) -> None:
    load_at(client, auth, "2024-05-01T12:00:00Z")

    ids = unique_ids(
        client,
        admin(auth),
        tenantId="314",
        start="2024-05-01T00:00:00",
        end="2024-05-01T23:59:59",
        timezone="UTC",
    )

    assert ids == ["2024-05-01T12:00:00Z"]
