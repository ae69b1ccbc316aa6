"""preview dialing and dispositions

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 00:00:00

An attempt keeps the result code its agent gave it (promise to pay, wrong number, ...), and
an agent the last call it took, so that it can give one after the call has ended.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('engine_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result_code', sa.String(length=32), nullable=True))
    with op.batch_alter_table('dialler_agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_attempt_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dialler_agents', schema=None) as batch_op:
        batch_op.drop_column('last_attempt_id')
    with op.batch_alter_table('engine_attempts', schema=None) as batch_op:
        batch_op.drop_column('result_code')
