"""disputes as records, and disputed event hosts

Each disagreement between documents becomes a row of its own (subject, summary,
claims with citations); event hosts can link to one as participations and funding
shares already do. The change log learns the new entity.

Revision ID: 5d1e0f7a9b21
Revises: c9a8ff5d398e
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5d1e0f7a9b21'
down_revision: str | Sequence[str] | None = 'c9a8ff5d398e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTITIES = "'source', 'forum', 'actor', 'participation', 'funding_share', 'event', 'pledge', 'exchange_rate'"


def upgrade() -> None:
    op.create_table('dispute',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('subject_entity', sa.String(length=13), nullable=False),
    sa.Column('subject_id', sa.String(length=200), nullable=False),
    sa.Column('subject_field', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('claims', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint(f"subject_entity IN ({ENTITIES}, 'dispute')", name=op.f('ck_dispute_subject_entity_enum')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute'))
    )
    with op.batch_alter_table('event_host', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dispute', sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f('ix_event_host_dispute'), ['dispute'], unique=False)
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_change_entity_enum'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_change_entity_enum'), f"entity IN ({ENTITIES}, 'dispute')"
        )


def downgrade() -> None:
    op.execute("DELETE FROM change WHERE entity = 'dispute'")
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_change_entity_enum'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_change_entity_enum'), f"entity IN ({ENTITIES})")
    with op.batch_alter_table('event_host', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_host_dispute'))
        batch_op.drop_column('dispute')
    op.drop_table('dispute')
