"""Browser pages of the origins OPENDIALER_CORS_ORIGINS names may call the API, with the
seeds' custom headers; pages of any other origin get no CORS header at all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from pydantic import ValidationError

from opendialer.app import create_app
from opendialer.config import Settings
from opendialer.db.session import Database
from tests.conftest import TEST_KEY, TokenFactory

APP = "https://app.example.com"
OPS = "https://ops.example.com:8443"
CALLS = "/calltrackingapi/calltracking/calls"


@pytest.fixture
def browser(
    monkeypatch: pytest.MonkeyPatch, database_url: str, database: Database
) -> Iterator[TestClient]:
    """The service configured for two origins, written as one might copy them."""
    monkeypatch.setenv("OPENDIALER_CORS_ORIGINS", f"{APP}/, HTTPS://OPS.example.com:8443")
    settings = Settings(database_url=database_url, secret_key=TEST_KEY, daily_call_list=False)
    with TestClient(create_app(settings, database), raise_server_exceptions=False) as client:
        yield client


def preflight(client: TestClient, origin: str, method: str = "GET") -> Response:
    return client.options(
        CALLS,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,tenantid,servicerid",
        },
    )


def cors_headers(response: Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


@pytest.mark.parametrize("origin", [APP, OPS])
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_a_preflight_from_an_allowed_origin_allows_the_seeds_headers(
    browser: TestClient, origin: str, method: str
) -> None:
    response = preflight(browser, origin, method)

    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == origin
    assert method in response.headers["access-control-allow-methods"].split(", ")
    allowed = response.headers["access-control-allow-headers"].lower().split(",")
    assert {"authorization", "tenantid", "servicerid"} <= {h.strip() for h in allowed}
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in response.headers["vary"]


def test_a_call_from_an_allowed_origin_can_be_read_by_the_page(
    browser: TestClient, auth: TokenFactory
) -> None:
    # As the seed's JavaScript sample sends it.
    headers = {**auth(), "tenantid": "314", "servicerid": "2", "Origin": APP}

    response = browser.get(f"{CALLS}?loanid=2c809e08-a5ba-4559-9c1c-4ac2555fb1e6", headers=headers)

    assert response.status_code == 200, response.text
    assert response.json()["data"] == []
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "Idempotent-Replayed"


def test_an_error_from_an_allowed_origin_can_be_read_by_the_page(browser: TestClient) -> None:
    response = browser.get(CALLS, headers={"Origin": APP})

    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == APP


def test_another_origin_gets_no_cors_header(browser: TestClient, auth: TokenFactory) -> None:
    stranger = "https://evil.example.net"

    refused = preflight(browser, stranger)
    answered = browser.get(CALLS, headers={**auth(), "tenantid": "314", "Origin": stranger})

    assert refused.status_code == 405
    assert cors_headers(refused) == {}
    assert answered.status_code == 200
    assert cors_headers(answered) == {}
    assert "Origin" in answered.headers["vary"]


def test_without_configured_origins_there_is_no_cors(client: TestClient) -> None:
    response = preflight(client, APP)

    assert response.status_code == 405
    assert cors_headers(response) == {}


@pytest.mark.parametrize("origins", ["app.example.com", "https://app.example.com/path", "*"])
def test_a_configured_origin_that_is_no_origin_stops_the_service_naming_it(
    monkeypatch: pytest.MonkeyPatch, origins: str
) -> None:
    monkeypatch.setenv("OPENDIALER_CORS_ORIGINS", f"{APP}, {origins}")

    with pytest.raises(ValidationError, match="is not an origin"):
        Settings()
