"""citation passages: the exact span of the source's text a fact rests on

A citation names the span of its source's text (code point offsets, at most 600
characters) and the SHA-256 of that slice, so anyone holding the public document can
find the passage and check it; NULL where the source's text is not at hand.

Revision ID: 7b2d5e8c1a40
Revises: 8c4d2e7f1b93
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7b2d5e8c1a40'
down_revision: str | Sequence[str] | None = '8c4d2e7f1b93'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('passage_start', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('passage_end', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('passage_sha256', sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_citation_passage_complete'),
            "(passage_start IS NULL) = (passage_end IS NULL) "
            "AND (passage_start IS NULL) = (passage_sha256 IS NULL)",
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_citation_passage_span'),
            "passage_start IS NULL OR (passage_start >= 0 AND passage_end > passage_start "
            "AND passage_end - passage_start <= 600)",
        )


def downgrade() -> None:
    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_citation_passage_span'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_citation_passage_complete'), type_='check')
        batch_op.drop_column('passage_sha256')
        batch_op.drop_column('passage_end')
        batch_op.drop_column('passage_start')
