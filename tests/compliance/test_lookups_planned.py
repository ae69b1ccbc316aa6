"""The gate's look-ups keep their plan however many keys they are given, prepared or not.

Keys are bound as one JSON array (`db.repository.one_of`, `none_of`). The server takes the set
for the same number of rows whatever its length, so PostgreSQL's plan for any values (which it
uses for a statement the driver has prepared) is the plan for these values. A contact's other
contacts are found by leaving out the batch's own: that exclusion is built once and looked up
by hashing (PostgreSQL) or in a list (SQLite), not compared with every key for each row, as
`<> ALL(array)` was in a plan made for any values."""

from __future__ import annotations

import re

from psycopg.sql import Literal
from sqlalchemy.orm import Session

from opendialer.compliance.repository import ComplianceRepository, _statements
from opendialer.db.session import Database

KNOWN = list(range(1, 1001))


def plan(session: Session, repo: ComplianceRepository) -> str:
    """The plan of the look-up of the loans' other contacts, for any values on PostgreSQL."""
    statement = _statements(repo.dialect).linked_others.statement
    compiled = statement.compile(dialect=session.get_bind().dialect)
    values = compiled.construct_params(
        {"tenant": repo.tenant_id, "loans": repo.values(["LN-1"]), "known": repo.values(KNOWN)}
    )
    connection = session.connection()
    if repo.dialect != "postgresql":
        order = compiled.positiontup or []
        rows = connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled.string}", tuple(values[name] for name in order)
        )
        return "\n".join(row[-1] for row in rows)
    names: list[str] = []

    def numbered(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    sql = re.sub(r"%\((\w+)\)s", numbered, compiled.string)
    connection.exec_driver_sql(f"PREPARE others AS {sql}")
    connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    driver = connection.connection.driver_connection
    arguments = ", ".join(Literal(values[name]).as_string(driver) for name in names)
    rows = connection.exec_driver_sql(f"EXPLAIN EXECUTE others({arguments})")
    return "\n".join(row[0] for row in rows)


def test_the_batchs_own_contacts_are_left_out_by_one_look_up(
    database: Database, tenants: list[int]
) -> None:
    with database.sessions() as session:
        repo = ComplianceRepository(session, tenants[0])
        assert repo.links_of_loans(["LN-1"], KNOWN).answer() == []
        found = plan(session, repo)
        if repo.dialect == "postgresql":
            assert "hashed SubPlan" in found, found
            assert "ALL" not in found, found
        else:
            assert "LIST SUBQUERY" in found, found
        session.rollback()
