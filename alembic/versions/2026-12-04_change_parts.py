"""change parts: each change row keeps the parts of its table family it was in before
and after the change (a pledge's forum and announced year)

The response cache keeps a cached answer across writes to other parts: a list of one
forum's pledges, or a year's totals, stays when a pledge of another forum or year is
written. Rows written before this revision have no parts; a cache that meets one
starts afresh.

Revision ID: a7c2e9d4f1b6
Revises: f6d1a4b8c3e5
Create Date: 2026-12-04 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a7c2e9d4f1b6'
down_revision: str | Sequence[str] | None = 'f6d1a4b8c3e5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parts', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_column('parts')
