"""contacts by the loan they are called about

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 09:25:00

A dialler contact is called about its LoanID's loan, else about the loan its UserData names.
One index on that link lets the compliance gate find a debt's contacts with one look-up per
loan, where it took two (one by LoanID, one by UserData).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_dialler_contacts_link',
        'dialler_contacts',
        ['tenant_id', sa.text('coalesce(loan_id, user_data)')],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_dialler_contacts_link', table_name='dialler_contacts')
