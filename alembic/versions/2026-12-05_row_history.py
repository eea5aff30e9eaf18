"""row history: every published version of the data stays readable

Adds ``row_image`` (an image of each row every write leaves, stamped with the version
the write created), the triggers that write it on every versioned table, and
``data_version.history_from``. The rows present now are imaged as of the current
version, which becomes the oldest readable one: what earlier versions held was not
kept, so they are refused rather than guessed (``app.db.history``).

Revision ID: c4d8f2a7b9e1
Revises: a7c2e9d4f1b6
Create Date: 2026-12-05 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import history

revision: str = 'c4d8f2a7b9e1'
down_revision: str | Sequence[str] | None = 'a7c2e9d4f1b6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table('data_version', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('history_from', sa.BigInteger(), server_default='0', nullable=False)
        )
    op.create_table(
        'row_image',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=True),
        sa.Column('table_name', sa.String(length=63), nullable=False),
        sa.Column('row_key', sa.String(length=400), nullable=False),
        sa.Column('image', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_row_image')),
    )
    op.create_index(
        'ix_row_image_table_name_row_key',
        'row_image',
        ['table_name', 'row_key', 'version', 'id'],
        unique=False,
    )
    op.create_index('ix_row_image_version', 'row_image', ['version'], unique=False)
    op.create_index(
        'ix_row_image_pending',
        'row_image',
        ['id'],
        unique=False,
        postgresql_where=sa.text('version IS NULL'),
        sqlite_where=sa.text('version IS NULL'),
    )
    bind = op.get_bind()
    current = bind.execute(sa.text("SELECT version FROM data_version WHERE id = 1")).scalar()
    start = int(current or 0)
    history.image_everything(bind, start)
    bind.execute(sa.text("UPDATE data_version SET history_from = :v"), {"v": start})
    history.install_triggers(bind)


def downgrade() -> None:
    history.drop_triggers(op.get_bind())
    op.drop_index('ix_row_image_pending', table_name='row_image')
    op.drop_index('ix_row_image_version', table_name='row_image')
    op.drop_index('ix_row_image_table_name_row_key', table_name='row_image')
    op.drop_table('row_image')
    with op.batch_alter_table('data_version', schema=None) as batch_op:
        batch_op.drop_column('history_from')
