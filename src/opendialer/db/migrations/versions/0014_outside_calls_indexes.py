"""the compliance gate's look-ups of calls placed by others

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:30:00

The gate counts the dialler's own calls by their history entries; of the call detail records
and the tracked calls it reads only those placed by anyone else. It read them through indexes
that held every record, and then each row of the dialler's own to throw it away. Both indexes
now hold only the others' calls (partial indexes, stated as the gate's look-ups state them):
the record's index of numbers replaces the full one, which nothing else read and which every
call the dialler placed wrote to; the tracked calls keep their full index by loan, which the
call list's counts read, beside the new one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTSIDE_RECORD = "unique_id NOT LIKE 'opendialer-history-%'"
OUTSIDE_CALL = "created_by IS NULL OR created_by <> 'dialler'"


def upgrade() -> None:
    op.drop_index('ix_call_detail_records_number', table_name='call_detail_records')
    op.create_index(
        'ix_call_detail_records_outside_number',
        'call_detail_records',
        ['tenant_id', 'dialed_e164', 'time'],
        unique=False,
        sqlite_where=sa.text(OUTSIDE_RECORD),
        postgresql_where=sa.text(OUTSIDE_RECORD),
    )
    op.create_index(
        'ix_tracked_calls_outside_loan',
        'tracked_calls',
        ['tenant_id', 'loan_id', 'call_timestamp'],
        unique=False,
        sqlite_where=sa.text(OUTSIDE_CALL),
        postgresql_where=sa.text(OUTSIDE_CALL),
    )


def downgrade() -> None:
    op.drop_index('ix_tracked_calls_outside_loan', table_name='tracked_calls')
    op.drop_index('ix_call_detail_records_outside_number', table_name='call_detail_records')
    op.create_index(
        'ix_call_detail_records_number',
        'call_detail_records',
        ['tenant_id', 'dialed_e164', 'time'],
        unique=False,
    )
