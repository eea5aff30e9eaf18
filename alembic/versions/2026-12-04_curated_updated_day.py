"""curated updated day: data_version records the day the curated dataset last changed

The loader stores ``updated`` of data/dataset.yaml with the data it loads, so "when
did the data last change" is read from the database the answers come from, never
from a folder beside the server.

Revision ID: e5c9f3a7b2d4
Revises: d4b8e2f6a1c3
Create Date: 2026-12-04 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'e5c9f3a7b2d4'
down_revision: str | Sequence[str] | None = 'd4b8e2f6a1c3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('data_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('curated_updated', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('data_version', schema=None) as batch_op:
        batch_op.drop_column('curated_updated')
