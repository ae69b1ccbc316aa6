"""The gate's look-ups, bound with arrays of keys, are planned for the keys they are given.

PostgreSQL's driver prepares a statement it has run five times, and the server then comes to
plan a prepared statement once for any values, as if each array held ten keys. A statement
that binds an array is therefore not prepared (`db.session`); anything else still is."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from opendialer.compliance.repository import ComplianceRepository
from opendialer.db.session import Database

RUNS = 8  # past the driver's threshold of five


def prepared(repo: ComplianceRepository, table: str) -> int:
    """How many statements prepared on the session's connection read `table`."""
    return repo.session.execute(
        text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :pattern"),
        {"pattern": f"%FROM {table} %"},
    ).scalar_one()


def test_the_gates_look_ups_are_not_prepared(database: Database, tenants: list[int]) -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    with database.sessions() as session:
        repo = ComplianceRepository(session, tenants[0])
        for _ in range(RUNS):
            assert repo.history([1, 2, 3], since) == []
        if repo.dialect != "postgresql":
            return  # SQLite plans each statement for its values anyway
        assert prepared(repo, "dialler_contacts_history") == 0
        # A look-up that binds no array is prepared: the count above can tell.
        for _ in range(RUNS):
            assert repo.debt_grouping() == "loan"
        assert prepared(repo, "tenants") == 1
