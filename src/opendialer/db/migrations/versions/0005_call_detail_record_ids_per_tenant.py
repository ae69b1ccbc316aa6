"""call detail record ids unique per tenant

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 12:00:00

A record's id may be chosen by the client that loads it. Unique across tenants, an id another
tenant's record held was refused with 409 where a fresh one was stored: one tenant could probe
another's ids. The key becomes (tenant_id, id). On SQLite the table is copied (batch mode).

The downgrade fails when two tenants have come to hold the same id.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "call_detail_records"
KEY = "pk_call_detail_records"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(KEY, type_="primary")
        batch.create_primary_key(KEY, ["tenant_id", "id"])


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(KEY, type_="primary")
        batch.create_primary_key(KEY, ["id"])
