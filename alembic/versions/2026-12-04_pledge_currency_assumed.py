"""pledge currency assumed: a '$' the source never calls US dollars is flagged

A pledge whose source writes only "$" carries ``currency_assumed``, as money records
do, so an answer never serves an assumed currency as a stated one.

Revision ID: c3a7d9e1f5b2
Revises: b2f6c9d5e8a4
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'c3a7d9e1f5b2'
down_revision: str | Sequence[str] | None = 'b2f6c9d5e8a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('currency_assumed', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.drop_column('currency_assumed')
