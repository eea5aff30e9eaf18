"""source availability: where each document is published, not a local file name

A partner cannot open a file in the project's archive: each source says where the
document is published (its url, when the document or the archive gives one) or that
no address is given. The file of a document's plain text stays in the curated files,
where the validator reads it, and leaves the database and so every answer.

Revision ID: b2f6c9d5e8a4
Revises: a1e5b8c4d7f3
Create Date: 2026-12-01 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'b2f6c9d5e8a4'
down_revision: str | Sequence[str] | None = 'a1e5b8c4d7f3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('availability', sa.Text(), nullable=True))
        batch_op.drop_column('document')


def downgrade() -> None:
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document', sa.Text(), nullable=True))
        batch_op.drop_column('availability')
