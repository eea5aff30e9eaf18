"""event date window, and policies among programmes

An event gets the days it may fall in (``earliest`` .. ``latest``), so an occurrence of
a series the documents do not date one by one is still placed within its series; a
programme may be a policy (SICA's regional social policy, the US strategies).

Revision ID: 51eb04d37f8b
Revises: e6d979213661
Create Date: 2026-11-30 08:28:12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '51eb04d37f8b'
down_revision: str | Sequence[str] | None = 'e6d979213661'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "'programme', 'funding_envelope', 'fund', 'initiative', 'action_plan', 'action_area', "
    "'proposed_plan', 'campaign', 'tool', 'network', 'coalition', 'specialised_body'"
)
NEW_KINDS = KINDS.replace("'action_plan', ", "'action_plan', 'policy', ")


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('earliest', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('latest', sa.Date(), nullable=True))
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_programme_kind_enum'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_programme_kind_enum'), f"kind IN ({NEW_KINDS})")


def downgrade() -> None:
    op.execute("DELETE FROM citation WHERE programme_id IN (SELECT id FROM programme WHERE kind = 'policy')")
    op.execute("UPDATE programme SET parent_id = NULL WHERE parent_id IN (SELECT id FROM programme WHERE kind = 'policy')")
    op.execute("DELETE FROM programme WHERE kind = 'policy'")
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_programme_kind_enum'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_programme_kind_enum'), f"kind IN ({KINDS})")
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('latest')
        batch_op.drop_column('earliest')
