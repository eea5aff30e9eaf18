"""inferred values: what no cited passage states, each with its reasoning

A curated fact's values that follow from others (a date bounded by the term it was
listed under, a year read from the document's own date) are listed with a one-line
reasoning: ``[{"field": ..., "reasoning": ...}]``. Every other value is stated by a
cited passage.

Revision ID: 8c3e6f9d2b51
Revises: 7b2d5e8c1a40
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '8c3e6f9d2b51'
down_revision: str | Sequence[str] | None = '7b2d5e8c1a40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    'source',
    'forum',
    'participation',
    'funding_share',
    'event',
    'pledge',
    'programme',
    'money_record',
    'participant_count',
    'governance_change',
)


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('inferred', sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('inferred')
