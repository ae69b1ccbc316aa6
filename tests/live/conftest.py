"""OpenDialer served by uvicorn in a process of its own, on a database of its own, and talked
to over real sockets by many clients at once: what concurrency does to one server process
cannot be seen through the in-process test client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from opendialer.auth.principal import Principal, Role
from opendialer.auth.service import NewClient, create_client
from opendialer.auth.tokens import issue_token
from opendialer.db.migrate import upgrade
from opendialer.db.session import Database
from opendialer.tenancy.service import create_servicer, create_tenant
from tests.conftest import TEST_KEY

TENANT = 314


@dataclass
class Server:
    url: str
    database: Database
    api_client: NewClient
    log: Path

    def headers(self, role: Role = Role.ACCOUNT_ADMIN) -> dict[str, str]:
        principal = Principal("test", role, TENANT, None, None)
        return {"Authorization": f"Bearer {issue_token(principal, TEST_KEY, 3600)}"}

    def client(self, **options: Any) -> httpx2.Client:
        return httpx2.Client(base_url=self.url, timeout=options.pop("timeout", 30), **options)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(database_url: str, log: Path, **settings: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "OPENDIALER_DATABASE_URL": database_url,
        "OPENDIALER_SECRET_KEY": TEST_KEY,
        "OPENDIALER_DAILY_CALL_LIST": "false",
        **{f"OPENDIALER_{name.upper()}": value for name, value in settings.items()},
    }
    command = [sys.executable, "-m", "uvicorn", "opendialer.asgi:app", "--port", str(port)]
    with log.open("ab") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped at start:\n{log.read_text()}")
        try:
            if httpx2.get(f"{url}/openapi.json", timeout=1).status_code == 200:
                return process, url
        except httpx2.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not answer within 30 s:\n{log.read_text()}")


@pytest.fixture
def server_settings() -> dict[str, str]:
    """OPENDIALER_* settings of the served process, by lower-case name without the prefix."""
    return {}


@pytest.fixture
def server(
    cli_database_url: str, tmp_path: Path, server_settings: dict[str, str]
) -> Iterator[Server]:
    database = Database.from_url(cli_database_url)
    upgrade(database.engine)
    with database.transaction() as session:
        create_tenant(session, TENANT, "Acme Servicing")
        create_servicer(session, TENANT, 2, "Acme Main")
        api_client = create_client(session, Role.ACCOUNT_ADMIN, tenant_id=TENANT)
    log = tmp_path / "server.log"
    process, url = serve(cli_database_url, log, **server_settings)
    try:
        yield Server(url, database, api_client, log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        database.engine.dispose()
