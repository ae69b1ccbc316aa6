"""db.bulk's SQLite page cache: raised for a load, and always put back for the connection's
next user."""

from __future__ import annotations

import pytest

from opendialer.db.bulk import sqlite_page_cache
from opendialer.db.session import Database


def cache_size(database: Database) -> int | None:
    with database.transaction() as session:
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            return None
        return int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())


def test_the_page_cache_is_raised_meanwhile_and_put_back(database: Database) -> None:
    before = cache_size(database)
    with database.transaction() as session, sqlite_page_cache(session, 8192):
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA cache_size").scalar_one() == -8192
    assert cache_size(database) == before


def test_the_page_cache_is_put_back_when_the_load_fails(database: Database) -> None:
    before = cache_size(database)
    with (
        pytest.raises(RuntimeError),
        database.transaction() as session,
        sqlite_page_cache(session, 8192),
    ):
        raise RuntimeError("the load failed")
    assert cache_size(database) == before
