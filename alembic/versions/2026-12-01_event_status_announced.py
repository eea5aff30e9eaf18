"""event status: announced, not planned; an event is held only when a passage says so

An event the documents only announce is ``announced``, however long ago its date;
``held`` needs a cited passage that reports it held. The default is now
``announced``.

Revision ID: 9d4f7a0e3c62
Revises: 8c3e6f9d2b51
Create Date: 2026-12-01 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '9d4f7a0e3c62'
down_revision: str | Sequence[str] | None = '8c3e6f9d2b51'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _swap(old: str, new: str, default: str, length: int) -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_event_status_enum'), type_='check')
        batch_op.alter_column('status', server_default=None)
    if length > 7:
        with op.batch_alter_table('event', schema=None) as batch_op:
            batch_op.alter_column(
                'status', type_=sa.String(length=length), existing_type=sa.String(length=7)
            )
    op.execute(f"UPDATE event SET status = '{new}' WHERE status = '{old}'")
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f('ck_event_status_enum'), f"status IN ('{new}', 'held')"
        )
        batch_op.alter_column('status', server_default=sa.text(f"'{default}'"))
    if length <= 7:
        with op.batch_alter_table('event', schema=None) as batch_op:
            batch_op.alter_column(
                'status', type_=sa.String(length=length), existing_type=sa.String(length=9)
            )


def upgrade() -> None:
    _swap('planned', 'announced', 'announced', 9)


def downgrade() -> None:
    _swap('announced', 'planned', 'held', 7)
