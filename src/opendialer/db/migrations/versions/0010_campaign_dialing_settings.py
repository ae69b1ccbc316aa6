"""campaign dialing settings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 20:30:00

How the engine dials each campaign: its mode, caller id, ring time, lines, calls per second,
power-mode ratio, abandon rate limit, callable hours and priority, and whether it is started,
paused or stopped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('dialler_campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dialing_mode', sa.String(length=16), server_default='progressive', nullable=False))
        batch_op.add_column(sa.Column('caller_id', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('ring_timeout_seconds', sa.Integer(), server_default='25', nullable=False))
        batch_op.add_column(sa.Column('max_lines', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('max_calls_per_second', sa.Numeric(precision=8, scale=3), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('dial_ratio', sa.Numeric(precision=6, scale=3), server_default='1.5', nullable=False))
        batch_op.add_column(sa.Column('abandon_rate_limit', sa.Numeric(precision=6, scale=4), server_default='0.03', nullable=False))
        batch_op.add_column(sa.Column('callable_hours', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('priority', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('dialing_state', sa.String(length=16), server_default='stopped', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('dialler_campaigns', schema=None) as batch_op:
        for column in ('dialing_state', 'priority', 'callable_hours', 'abandon_rate_limit',
                       'dial_ratio', 'max_calls_per_second', 'max_lines',
                       'ring_timeout_seconds', 'caller_id', 'dialing_mode'):
            batch_op.drop_column(column)
