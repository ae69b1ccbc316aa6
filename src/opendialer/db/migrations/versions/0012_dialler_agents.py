"""dialler agents

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 21:15:00

The people (or simulated ones) who take the answered calls of a tenant's campaigns: their
state (signed out, not ready, ready, wrap-up, reserved for a call, on a call), the call they
are on, and the API client that acts as each.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opendialer.db.base

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('dialler_agents',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('campaign_id', BIG_ID, nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('state_since', opendialer.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempt_id', sa.BigInteger(), nullable=True),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['dialler_campaigns.id'], name=op.f('fk_dialler_agents_campaign_id_dialler_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_dialler_agents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dialler_agents'))
    )
    with op.batch_alter_table('dialler_agents', schema=None) as batch_op:
        batch_op.create_index('ix_dialler_agents_tenant_state', ['tenant_id', 'state'], unique=False)


def downgrade() -> None:
    op.drop_table('dialler_agents')
