"""call list entries without a foreign key to their build

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 21:05:00

A build writes up to a million entries at once, and the key was checked for each of them (on
PostgreSQL a trigger call per entry, a sixth of the build). Entries are only ever written by a
build, which deletes the day's earlier entries and build record together.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "fk_call_list_entries_tenant_id_call_list_builds"


def upgrade() -> None:
    with op.batch_alter_table("call_list_entries") as batch:
        batch.drop_constraint(CONSTRAINT, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("call_list_entries") as batch:
        batch.create_foreign_key(
            CONSTRAINT,
            "call_list_builds",
            ["tenant_id", "list_date", "servicer_id"],
            ["tenant_id", "list_date", "servicer_id"],
            ondelete="CASCADE",
        )
