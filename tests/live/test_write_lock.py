"""A write that cannot get SQLite's write lock within the time writes may wait is answered 503
with Retry-After, while reads go on; before, it waited out a 30 s busy timeout and got 500."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from tests.live.conftest import Server
from tests.live.test_concurrent_writes import campaign_of, import_one


@pytest.fixture
def server_settings() -> dict[str, str]:
    return {"write_wait_seconds": "1"}


def sqlite_path(server: Server) -> str:
    url = make_url(str(server.database.engine.url))
    if url.get_backend_name() != "sqlite":
        pytest.skip("the whole database's write lock is SQLite's; PostgreSQL locks rows")
    assert url.database
    return url.database


def test_a_write_that_cannot_get_the_lock_in_time_is_503_and_readers_go_on(
    server: Server,
) -> None:
    campaign = campaign_of(server)
    # Another process (an import, a second server) writing for longer than writes may wait.
    holder = sqlite3.connect(sqlite_path(server), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        refused = import_one(server, campaign, 1)
        with server.client(timeout=5) as client:
            read = client.get(f"/dialler/campaigns/{campaign}", headers=server.headers())
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"].isdigit()
    body: dict[str, Any] = refused.json()
    assert body["status"] == 503 and "busy" in body["message"]
    assert read.status_code == 200, read.text
    assert import_one(server, campaign, 2).status_code == 200
