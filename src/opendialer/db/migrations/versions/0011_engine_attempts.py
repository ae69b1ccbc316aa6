"""engine processes, the SQLite lease and the attempts the engine places

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 20:50:00

Each engine process is a row with a heartbeat; on SQLite one of them holds the lease and dials.
Every call the engine places is an attempt, committed before the call is placed: a unique index
on the contact's open attempt keeps two engines from dialing one contact at once, and an engine
that starts after a crash finds the attempts left open and closes them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opendialer.db.base

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
MOMENT = opendialer.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('engine_processes',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('started_at', MOMENT, nullable=False),
    sa.Column('heartbeat_at', MOMENT, nullable=False),
    sa.Column('stopped_at', MOMENT, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engine_processes'))
    )
    op.create_table('engine_leases',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('holder_id', sa.BigInteger(), nullable=False),
    sa.Column('expires_at', MOMENT, nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_engine_leases'))
    )
    op.create_table('engine_attempts',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', BIG_ID, nullable=False),
    sa.Column('contact_id', BIG_ID, nullable=False),
    sa.Column('engine_id', sa.BigInteger(), nullable=False),
    sa.Column('phone_number_offset', sa.Integer(), nullable=False),
    sa.Column('phone_e164', sa.String(length=20), nullable=False),
    sa.Column('caller_id', sa.String(length=20), nullable=True),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('agent_id', sa.BigInteger(), nullable=True),
    sa.Column('answer_type', sa.String(length=8), nullable=True),
    sa.Column('cause', sa.Integer(), nullable=True),
    sa.Column('sip_status', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('history_id', sa.BigInteger(), nullable=True),
    sa.Column('started_at', MOMENT, nullable=False),
    sa.Column('alerted_at', MOMENT, nullable=True),
    sa.Column('answered_at', MOMENT, nullable=True),
    sa.Column('connected_at', MOMENT, nullable=True),
    sa.Column('ended_at', MOMENT, nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['dialler_campaigns.id'], name=op.f('fk_engine_attempts_campaign_id_dialler_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['dialler_contacts.id'], name=op.f('fk_engine_attempts_contact_id_dialler_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_engine_attempts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engine_attempts'))
    )
    with op.batch_alter_table('engine_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_engine_attempts_campaign_started', ['campaign_id', 'started_at'], unique=False)
        batch_op.create_index('ix_engine_attempts_open_campaign', ['campaign_id'], unique=False, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.create_index('ix_engine_attempts_open_engine', ['engine_id'], unique=False, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.create_index('ux_engine_attempts_open_contact', ['contact_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))


def downgrade() -> None:
    op.drop_table('engine_attempts')
    op.drop_table('engine_leases')
    op.drop_table('engine_processes')
