"""idempotency keys per servicer and endpoint

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 02:30:00

An Idempotency-Key was the caller's within its tenant: another servicer of the tenant sending
the same key and body was answered with the first servicer's stored answer. The key becomes
(tenant_id, path, scope, key), `scope` naming the servicer (`servicer 2`) or `tenant`.

Answers stored before the upgrade name no servicer; they are kept as the whole tenant's, so a
retry of such a request by a servicer-scoped caller within the keys' 24 hours is taken as a
new request. The downgrade fails when one key has come to be held in two scopes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "idempotent_requests"
KEY = "pk_idempotent_requests"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(
            sa.Column("scope", sa.String(length=40), nullable=False, server_default="tenant")
        )
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("scope", server_default=None)
        batch.drop_constraint(KEY, type_="primary")
        batch.create_primary_key(KEY, ["tenant_id", "path", "scope", "key"])


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(KEY, type_="primary")
        batch.create_primary_key(KEY, ["tenant_id", "key"])
        batch.drop_column("scope")
