"""spanish names and descriptions: events get name_es and description_es, programmes
description_es

So every forum, actor, event and programme can be served in Spanish, and an answer in
Spanish says English stood in only where a row truly has no Spanish text.

Revision ID: d4b8e2f6a1c3
Revises: c3a7d9e1f5b2
Create Date: 2026-12-04 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'd4b8e2f6a1c3'
down_revision: str | Sequence[str] | None = 'c3a7d9e1f5b2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_es', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('description_es', sa.Text(), nullable=True))
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description_es', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_column('description_es')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('description_es')
        batch_op.drop_column('name_es')
