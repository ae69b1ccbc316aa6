"""POST /auth/token and the Authorization header every other call needs, over HTTP."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, update

from opendialer.app import create_app
from opendialer.auth.models import ApiClient
from opendialer.auth.principal import Principal, Role
from opendialer.auth.service import NewClient, create_client, revoke_client
from opendialer.auth.tokens import issue_token
from opendialer.config import Settings
from opendialer.db.base import utcnow
from opendialer.db.session import Database
from opendialer.tenancy.models import Tenant
from opendialer.tenancy.service import create_tenant
from tests.conftest import TEST_KEY, TokenFactory

TOKEN_KEYS = {"access_token", "token_type", "expires_in"}
OAUTH_ERROR_KEYS = {"error", "error_description"}


def new_client(database: Database, role: Role = Role.ACCOUNT_ADMIN, **scope: Any) -> NewClient:
    if role is not Role.PARTNER_ADMIN:
        scope.setdefault("tenant_id", 314)
    with database.transaction() as session:
        return create_client(session, role, **scope)


def form(api_client: NewClient, **overrides: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": api_client.client_id,
        "client_secret": api_client.client_secret,
        **overrides,
    }


def basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def token_of(client: TestClient, api_client: NewClient) -> str:
    response = client.post("/auth/token", data=form(api_client))
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def assert_oauth_error(response: Any, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == OAUTH_ERROR_KEYS
    assert body["error"] == error
    assert isinstance(body["error_description"], str) and body["error_description"]


# -- POST /auth/token ------------------------------------------------------------------------


def test_form_credentials_give_a_bearer_token(
    client: TestClient, database: Database, tenants: list[int]
) -> None:
    api_client = new_client(database)
    response = client.post("/auth/token", data=form(api_client))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == TOKEN_KEYS
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", body["access_token"])


def test_basic_credentials_give_a_token(
    client: TestClient, database: Database, tenants: list[int]
) -> None:
    api_client = new_client(database)
    response = client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(api_client.client_id, api_client.client_secret),
    )
    assert response.status_code == 200, response.text
    assert set(response.json()) == TOKEN_KEYS
    assert response.json()["token_type"] == "Bearer"


@pytest.mark.parametrize("scheme", ["Bearer {}", "bearer {}", "{}", "  Bearer   {}  "])
def test_the_token_works_as_bearer_and_as_the_bare_token(
    client: TestClient, database: Database, campaign: dict[str, Any], scheme: str
) -> None:
    token = token_of(client, new_client(database))
    response = client.get("/dialler/campaigns", headers={"Authorization": scheme.format(token)})
    assert response.status_code == 200, response.text
    names = [record["Name"] for record in response.json()["records"]]
    assert names == [campaign["Name"]]


def test_the_token_acts_for_the_clients_own_tenant(
    client: TestClient, database: Database, campaign: dict[str, Any]
) -> None:
    token = token_of(client, new_client(database, tenant_id=315))
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/dialler/campaigns", headers=headers)
    assert listed.status_code == 200
    assert listed.json()["records"] == []
    fetched = client.get(f"/dialler/campaigns/{campaign['DiallerCampaignsID']}", headers=headers)
    assert fetched.status_code == 404


def test_the_token_carries_the_clients_role(
    client: TestClient, database: Database, campaign: dict[str, Any]
) -> None:
    token = token_of(client, new_client(database, Role.REPORTS_ADMIN))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/dialler/campaigns", headers=headers).status_code == 200
    refused = client.post("/dialler/campaigns", json={"Name": "Late Stage"}, headers=headers)
    assert refused.status_code == 403
    assert refused.json() == {"status": 403, "message": refused.json()["message"]}


def test_a_partner_clients_token_names_the_tenant_per_call(
    client: TestClient, database: Database, campaign: dict[str, Any]
) -> None:
    token = token_of(client, new_client(database, Role.PARTNER_ADMIN, partner_id=90))
    headers = {"Authorization": f"Bearer {token}", "tenantid": "314"}
    response = client.get("/dialler/campaigns", headers=headers)
    assert response.status_code == 200, response.text
    assert [r["DiallerCampaignsID"] for r in response.json()["records"]] == [
        campaign["DiallerCampaignsID"]
    ]


def test_the_lifetime_follows_the_settings(
    settings: Settings, database: Database, tenants: list[int]
) -> None:
    api_client = new_client(database)
    app = create_app(settings.model_copy(update={"token_ttl_seconds": 120}), database)
    with TestClient(app, raise_server_exceptions=False) as short_lived:
        response = short_lived.post("/auth/token", data=form(api_client))
    assert response.status_code == 200, response.text
    assert response.json()["expires_in"] == 120
    claims = jwt.decode(response.json()["access_token"], TEST_KEY, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 120
    assert claims["tenant"] == 314
    assert claims["role"] == "account_admin"


@pytest.mark.parametrize(
    ("case", "status", "error"),
    [
        ("wrong secret in the form", 401, "invalid_client"),
        ("wrong secret as Basic", 401, "invalid_client"),
        ("unknown client in the form", 401, "invalid_client"),
        ("unknown client as Basic", 401, "invalid_client"),
        ("no secret", 401, "invalid_client"),
        ("no credentials at all", 401, "invalid_client"),
        ("Basic that is not base64", 401, "invalid_client"),
        ("Basic without a colon", 401, "invalid_client"),
        ("NUL in the client id", 401, "invalid_client"),
        ("grant_type password", 400, "invalid_request"),
        ("no grant_type", 400, "invalid_request"),
        ("JSON instead of a form", 400, "invalid_request"),
        ("client id longer than allowed", 400, "invalid_request"),
    ],
)
def test_refused_token_requests(
    client: TestClient,
    database: Database,
    tenants: list[int],
    case: str,
    status: int,
    error: str,
) -> None:
    api_client = new_client(database)
    wrong = api_client.client_secret[::-1]
    requests: dict[str, dict[str, Any]] = {
        "wrong secret in the form": {"data": form(api_client, client_secret=wrong)},
        "wrong secret as Basic": {
            "data": {"grant_type": "client_credentials"},
            "headers": basic(api_client.client_id, wrong),
        },
        "unknown client in the form": {"data": form(api_client, client_id="odc_nobody")},
        "unknown client as Basic": {
            "data": {"grant_type": "client_credentials"},
            "headers": basic("odc_nobody", api_client.client_secret),
        },
        "no secret": {
            "data": {"grant_type": "client_credentials", "client_id": api_client.client_id}
        },
        "no credentials at all": {"data": {"grant_type": "client_credentials"}},
        "Basic that is not base64": {
            "data": {"grant_type": "client_credentials"},
            "headers": {"Authorization": "Basic !!not-base64!!"},
        },
        "Basic without a colon": {
            "data": {"grant_type": "client_credentials"},
            "headers": {"Authorization": "Basic " + base64.b64encode(b"justanid").decode()},
        },
        "NUL in the client id": {"data": form(api_client, client_id="odc_\x00")},
        "grant_type password": {"data": form(api_client, grant_type="password")},
        "no grant_type": {
            "data": {"client_id": api_client.client_id, "client_secret": api_client.client_secret}
        },
        "JSON instead of a form": {"json": form(api_client)},
        "client id longer than allowed": {"data": form(api_client, client_id="x" * 201)},
    }
    response = client.post("/auth/token", **requests[case])
    assert_oauth_error(response, status, error)
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    assert "access_token" not in response.text


def test_a_revoked_client_gets_no_token(
    client: TestClient, database: Database, tenants: list[int]
) -> None:
    api_client = new_client(database)
    with database.transaction() as session:
        session.execute(
            update(ApiClient)
            .where(ApiClient.client_id == api_client.client_id)
            .values(revoked_at=utcnow())
        )
    assert_oauth_error(client.post("/auth/token", data=form(api_client)), 401, "invalid_client")


def guarded(settings: Settings, database: Database, limit: int = 3) -> FastAPI:
    """The app with `limit` failed attempts allowed per client id and per address."""
    limits = {"token_failure_limit": limit, "token_failure_window_seconds": 60}
    return create_app(settings.model_copy(update=limits), database)


def from_address(app: FastAPI, address: str = "203.0.113.5") -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(address, 50000))


def test_repeated_failures_lock_the_client_out_even_with_the_right_secret(
    settings: Settings, database: Database, tenants: list[int]
) -> None:
    api_client = new_client(database)
    wrong = form(api_client, client_secret="wrong")
    app = guarded(settings, database)
    with from_address(app) as attacker:
        failures = [attacker.post("/auth/token", data=wrong) for _ in range(3)]
        locked = attacker.post("/auth/token", data=wrong)
    # The client's own server, from another address, is locked out as well.
    with from_address(app, "198.51.100.7") as owner:
        right = owner.post("/auth/token", data=form(api_client))

    assert [f.status_code for f in failures] == [401] * 3
    for refused in (locked, right):
        assert_oauth_error(refused, 429, "invalid_client")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "too many failed attempts" in refused.json()["error_description"]


def test_repeated_failures_from_one_address_lock_it_out_for_any_client(
    settings: Settings, database: Database, tenants: list[int]
) -> None:
    api_client = new_client(database)
    with from_address(guarded(settings, database)) as attacker:
        guesses = [
            attacker.post("/auth/token", data=form(api_client, client_id=f"odc_guess{n}"))
            for n in range(4)
        ]
        known = attacker.post("/auth/token", data=form(api_client))

    assert [g.status_code for g in guesses] == [401, 401, 401, 429]
    assert_oauth_error(known, 429, "invalid_client")


def test_successful_requests_count_against_no_limit(
    settings: Settings, database: Database, tenants: list[int]
) -> None:
    api_client = new_client(database)
    with from_address(guarded(settings, database, limit=2)) as client:
        answers = [client.post("/auth/token", data=form(api_client)) for _ in range(5)]
        failed = client.post("/auth/token", data=form(api_client, client_secret="wrong"))
        still = client.post("/auth/token", data=form(api_client))

    assert [a.status_code for a in answers] == [200] * 5
    assert failed.status_code == 401
    assert still.status_code == 200


def test_an_unknown_client_costs_one_secret_check_as_a_wrong_secret_does(
    client: TestClient, database: Database, tenants: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    api_client = new_client(database)
    client.post("/auth/token", data=form(api_client, client_id="odc_warmup"))
    checks: list[int] = []
    scrypt = hashlib.scrypt

    def counted(*args: Any, **kwargs: Any) -> bytes:
        checks.append(1)
        return scrypt(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    unknown = client.post("/auth/token", data=form(api_client, client_id="odc_nobody"))
    unknown_checks = len(checks)
    wrong = client.post("/auth/token", data=form(api_client, client_secret="wrong"))

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert unknown_checks == len(checks) - unknown_checks == 1


def strict_revocation(settings: Settings, database: Database) -> TestClient:
    """The app reading who is revoked before every request, as a refresh interval of 0 says."""
    app = create_app(settings.model_copy(update={"revocation_refresh_seconds": 0}), database)
    return TestClient(app, raise_server_exceptions=False)


def test_a_revoked_clients_tokens_stop_working(
    settings: Settings, database: Database, tenants: list[int]
) -> None:
    api_client, other = new_client(database), new_client(database)
    with strict_revocation(settings, database) as client:
        token, kept = token_of(client, api_client), token_of(client, other)
        before = client.get("/dialler/campaigns", headers={"Authorization": f"Bearer {token}"})
        with database.transaction() as session:
            revoke_client(session, api_client.client_id)
        after = client.get("/dialler/campaigns", headers={"Authorization": f"Bearer {token}"})
        untouched = client.get("/dialler/campaigns", headers={"Authorization": f"Bearer {kept}"})

    assert before.status_code == 200
    assert after.status_code == 401
    assert after.json()["message"] == "the access token's client has been revoked"
    assert untouched.status_code == 200


def test_a_deleted_tenants_tokens_stop_working(
    settings: Settings, database: Database, tenants: list[int]
) -> None:
    api_client = new_client(database, tenant_id=316)
    with strict_revocation(settings, database) as client:
        headers = {"Authorization": f"Bearer {token_of(client, api_client)}"}
        before = client.get("/dialler/campaigns", headers=headers)
        with database.transaction() as session:
            session.execute(delete(Tenant).where(Tenant.id == 316))
        read = client.get("/dialler/campaigns", headers=headers)
        written = client.post("/call-reports", json=[], headers=headers)

    assert before.status_code == 200
    for refused in (read, written):
        assert refused.status_code == 401, refused.text
        assert refused.json()["message"] == "the access token's tenant no longer exists"


def test_a_deleted_tenants_write_before_the_service_knows_is_refused_not_failed(
    settings: Settings, database: Database, tenants: list[int]
) -> None:
    """Within the refresh interval the token still passes; what it writes then names a tenant
    that is gone, which the database refuses: a 409, never a 500."""
    slow = settings.model_copy(update={"revocation_refresh_seconds": 3600})
    api_client = new_client(database, tenant_id=316)
    record = {"uniqueId": "u-1", "time": "2024-03-01T12:00:00Z", "direction": "OUT",
              "disposition": "ANSWERED"}  # fmt: skip
    with TestClient(create_app(slow, database), raise_server_exceptions=False) as client:
        headers = {"Authorization": f"Bearer {token_of(client, api_client)}"}
        assert client.get("/dialler/campaigns", headers=headers).status_code == 200
        with database.transaction() as session:
            session.execute(delete(Tenant).where(Tenant.id == 316))
        written = client.post("/call-reports", json=[record], headers=headers)
        imported = client.post("/dialler/campaigns", json={"Name": "Gone"}, headers=headers)

    for refused in (written, imported):
        assert refused.status_code in (401, 409), refused.text


def test_a_tenant_made_after_the_service_started_is_served_at_once(
    client: TestClient, database: Database, auth: TokenFactory
) -> None:
    with database.transaction() as session:
        create_tenant(session, 777, "New Servicing")

    assert client.get("/dialler/campaigns", headers=auth(tenant=777)).status_code == 200
    assert client.get("/dialler/campaigns", headers=auth(tenant=778)).status_code == 401


def test_the_token_path_answers_a_wrong_method_in_its_own_envelope(client: TestClient) -> None:
    assert_oauth_error(client.get("/auth/token"), 405, "invalid_request")


# -- the Authorization header on every other call --------------------------------------------


def _api_calls() -> list[tuple[str, str]]:
    """Every method and path the application serves, besides the token endpoint itself."""
    paths = create_app(Settings(secret_key=TEST_KEY)).openapi()["paths"]
    calls = []
    for path, operations in paths.items():
        if path == "/auth/token":
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        calls.extend((method.upper(), concrete) for method in operations)
    return calls


API_CALLS = _api_calls()


def _forged_token() -> str:
    return issue_token(
        Principal("test", Role.ACCOUNT_ADMIN, 314),
        "another-signing-key-that-is-not-the-servers",
        3600,
    )


def _unsigned_token() -> str:
    claims = {"iss": "opendialer", "sub": "x", "role": "account_admin", "tenant": 314}
    now = utcnow()
    claims |= {"iat": now, "exp": now + timedelta(hours=1)}
    return jwt.encode(claims, None, algorithm="none")


def _signed(claims: dict[str, Any]) -> str:
    now = utcnow()
    full = {"iss": "opendialer", "sub": "x", "iat": now, "exp": now + timedelta(hours=1)}
    return jwt.encode({**full, **claims}, TEST_KEY, algorithm="HS256")


BAD_AUTHORIZATION = {
    "missing": lambda auth: {},
    "empty": lambda auth: {"Authorization": ""},
    "three words": lambda auth: {"Authorization": "Bearer a b c"},
    "Basic scheme": lambda auth: {"Authorization": "Basic dXNlcjpwYXNz"},
    "not a token": lambda auth: {"Authorization": "Bearer not-a-token"},
    "forged": lambda auth: {"Authorization": f"Bearer {_forged_token()}"},
    "unsigned": lambda auth: {"Authorization": f"Bearer {_unsigned_token()}"},
    "expired": lambda auth: auth(ttl=-60),
    "unknown role": lambda auth: {"Authorization": _signed({"role": "root", "tenant": 314})},
    "tenant not an integer": lambda auth: {
        "Authorization": _signed({"role": "account_admin", "tenant": "314"})
    },
    "no role": lambda auth: {"Authorization": _signed({"tenant": 314})},
    "wrong issuer": lambda auth: {
        "Authorization": _signed({"role": "account_admin", "tenant": 314, "iss": "elsewhere"})
    },
    "latin-1 bytes": lambda auth: {"Authorization": "Bearer caf\xe9".encode("latin-1")},
}


@pytest.mark.parametrize("kind", list(BAD_AUTHORIZATION))
def test_dialler_calls_without_a_valid_token_answer_401(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], kind: str
) -> None:
    headers = BAD_AUTHORIZATION[kind](auth)
    response = client.get("/dialler/campaigns", headers=headers)
    assert response.status_code == 401, response.text
    body = response.json()
    assert set(body) == {"status", "message"}
    assert body["status"] == 401
    assert isinstance(body["message"], str) and body["message"]
    assert response.headers["www-authenticate"] == "Bearer"
    assert campaign["Name"] not in response.text


def test_an_expired_token_is_named_as_expired(client: TestClient, auth: TokenFactory) -> None:
    response = client.get("/dialler/campaigns", headers=auth(ttl=-60))
    assert response.json() == {"status": 401, "message": "the access token has expired"}


@pytest.mark.parametrize("kind", ["missing", "three words", "forged", "expired"])
@pytest.mark.parametrize(("method", "path"), API_CALLS)
def test_every_call_needs_authorization(
    client: TestClient,
    auth: TokenFactory,
    campaign: dict[str, Any],
    method: str,
    path: str,
    kind: str,
) -> None:
    before = client.get("/dialler/campaigns", headers=auth()).json()
    response = client.request(
        method,
        path,
        params={"userData": "x"},
        json={} if method in ("POST", "PATCH", "PUT") else None,
        headers=BAD_AUTHORIZATION[kind](auth),
    )
    assert response.status_code == 401, response.text
    if path.startswith("/dialler"):
        assert response.json() == {"status": 401, "message": response.json()["message"]}
    assert client.get("/dialler/campaigns", headers=auth()).json() == before
