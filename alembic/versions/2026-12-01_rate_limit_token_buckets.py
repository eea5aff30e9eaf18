"""write quotas as token buckets: rate_limit_bucket replaces rate_limit_window

Revision ID: 8c4d2e7f1b93
Revises: 3f8a1c6e9d24
Create Date: 2026-12-01 12:00:00

Fixed one-minute windows let a key write twice its quota around a window's edge
(852 writes in 11.5 s against 600 a minute). A key's quota is now a token bucket
(GCRA): one row per key holding the moment its bucket is full again, so no span
of a window ever admits more than the quota, and a batch takes one token per
pledge. The old counters say nothing the new bucket needs: every key starts full.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '8c4d2e7f1b93'
down_revision: str | Sequence[str] | None = '3f8a1c6e9d24'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rate_limit_bucket',
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('full_at_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], name=op.f('fk_rate_limit_bucket_api_key_id_api_key'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('api_key_id', name=op.f('pk_rate_limit_bucket'))
    )
    op.drop_table('rate_limit_window')


def downgrade() -> None:
    op.create_table('rate_limit_window',
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], name=op.f('fk_rate_limit_window_api_key_id_api_key'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('api_key_id', 'window_start', name=op.f('pk_rate_limit_window'))
    )
    op.drop_table('rate_limit_bucket')
