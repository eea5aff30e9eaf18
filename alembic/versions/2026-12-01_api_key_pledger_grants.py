"""bind API keys to the actors they may pledge for

Revision ID: 3f8a1c6e9d24
Revises: 51eb04d37f8b
Create Date: 2026-12-01 09:00:00

Any key with pledges:write could pledge in the name of any state or organisation.
A key now holds grants (api_key_pledger: the actors it may pledge for) or, by an
operator's explicit choice, any_pledger. Keys that exist keep what they could do:
they are migrated to any_pledger, and `migov keys list` shows it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '3f8a1c6e9d24'
down_revision: str | Sequence[str] | None = '51eb04d37f8b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_key_pledger',
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actor.id'], name=op.f('fk_api_key_pledger_actor_id_actor'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], name=op.f('fk_api_key_pledger_api_key_id_api_key'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('api_key_id', 'actor_id', name=op.f('pk_api_key_pledger'))
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('any_pledger', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # What every existing key could do until now, kept on purpose and shown by `keys list`.
    op.execute(sa.text("UPDATE api_key SET any_pledger = :yes").bindparams(yes=True))


def downgrade() -> None:
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_column('any_pledger')
    op.drop_table('api_key_pledger')
