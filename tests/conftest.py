"""One database for the whole run (SQLite in a temp dir, or PostgreSQL when
OPENDIALER_TEST_DATABASE_URL is set), built by the migrations; each test runs inside a
transaction that is rolled back, and talks to the app over HTTP as a client would."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner, Result

from opendialer.app import create_app
from opendialer.auth.principal import Principal, Role
from opendialer.auth.tokens import issue_token
from opendialer.cli import app as cli_app
from opendialer.config import Settings
from opendialer.db.migrate import upgrade
from opendialer.db.session import Database, make_engine
from opendialer.tenancy.service import create_servicer, create_tenant
from tests import contract

TEST_KEY = "test-signing-key-not-for-production-use"

# How fast examples are generated is the shared machine's load, not the code's behaviour: a
# run beside other work must not fail for it.
hypothesis.settings.register_profile(
    "opendialer", suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile("opendialer")


def test_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("OPENDIALER_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'opendialer-test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return test_database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    if engine.dialect.name == "postgresql":
        # The test database is the suite's own: start it from an empty schema every run.
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def database(engine: Engine) -> Iterator[Database]:
    """A Database whose sessions all work inside one outer transaction, rolled back after."""
    connection = engine.connect()
    outer = connection.begin()
    sessions = sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )
    yield Database(engine, sessions)
    outer.rollback()
    connection.close()


@pytest.fixture
def cli_database_url(tmp_path: Path, database_url: str) -> Iterator[str]:
    """A database of a command's own, which it migrates and commits to: a SQLite file, or, when
    the suite runs on PostgreSQL, a schema of its own in the test database."""
    if make_url(database_url).get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'command.db'}"
        return
    schema = f"command_{uuid.uuid4().hex[:12]}"
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_KEY, daily_call_list=False)


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """The app over HTTP; each answer is checked against /openapi.json (tests/contract.py)."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.event_hooks["response"].append(contract.check)
        yield test_client


@pytest.fixture
def tenants(database: Database) -> list[int]:
    """Two tenants, 314 (servicer 2) and 315 (servicer 7), under partner 90; and tenant 316,
    which no partner owns."""
    with database.transaction() as session:
        create_tenant(session, 314, "Acme Servicing", partner_id=90, billing_code="ACME")
        create_servicer(session, 314, 2, "Acme Main")
        create_tenant(session, 315, "Other Servicing", partner_id=90, billing_code="OTHER")
        create_servicer(session, 315, 7, "Other Main")
        create_tenant(session, 316, "Independent Servicing")
    return [314, 315, 316]


TokenFactory = Callable[..., dict[str, str]]


@pytest.fixture
def auth(tenants: list[int]) -> TokenFactory:
    """Headers carrying a token: auth() for an account_admin of 314, or any role and tenant."""

    def headers(
        role: str = "account_admin",
        tenant: int | None = 314,
        partner: int | None = None,
        servicer: int | None = None,
        ttl: int = 3600,
    ) -> dict[str, str]:
        if role == "partner_admin":
            tenant = None
        principal = Principal("test", Role(role), tenant, servicer, partner)
        return {"Authorization": f"Bearer {issue_token(principal, TEST_KEY, ttl)}"}

    return headers


@pytest.fixture
def campaign(client: TestClient, auth: TokenFactory) -> dict[str, Any]:
    """A campaign of tenant 314."""
    response = client.post(
        "/dialler/campaigns",
        json={"Name": "Early Stage", "TimeZone": "America/Chicago"},
        headers=auth(),
    )
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


Run = Callable[..., Result]


def command_line(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Run:
    """`opendialer` as a shell runs it, against `database_url`: `run(*args, code=0)` runs one
    command and asserts its exit code."""
    monkeypatch.setenv("OPENDIALER_DATABASE_URL", database_url)
    monkeypatch.setenv("OPENDIALER_SECRET_KEY", TEST_KEY)
    monkeypatch.setenv("OPENDIALER_DAILY_CALL_LIST", "false")

    def run(*args: Any, code: int = 0) -> Result:
        result = CliRunner().invoke(cli_app, [str(arg) for arg in args])
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        return result

    return run


@contextmanager
def service_over(database_url: str) -> Iterator[TestClient]:
    """The API over a command's database, as a separate service would run it."""
    settings = Settings(database_url=database_url, secret_key=TEST_KEY, daily_call_list=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client
