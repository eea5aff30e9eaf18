"""answers that do not mislead: assumed currencies on pledges, series and who ran an event

A pledge whose source writes only "$" carries ``currency_assumed``, as money records
do, so an answer never serves an assumed currency as a stated one. An event says
whether it is a series (other events are its occurrences or parts) and which event's
hosts ran it (``organizers_from``: itself, or the nearest series above it naming
hosts), both derived by the loader, so a filter can leave series out and tell who ran
an event from the forum it served; the bounds its ``earliest`` and ``latest`` rest
on, each with its basis and citations; and the role ``drafter`` (drafted a forum's plan
or founding text), so a question can ask for it.

Revision ID: c3a7d9e1f5b2
Revises: b2f6c9d5e8a4
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'c3a7d9e1f5b2'
down_revision: str | Sequence[str] | None = 'b2f6c9d5e8a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ROLES = (
    'member', 'associate', 'observer', 'participant', 'chair', 'co_chair',
    'pro_tempore_presidency', 'past_chair', 'incoming_chair', 'secretariat', 'champion',
    'partner', 'founder', 'rapporteur',
)


def _roles(values: Sequence[str]) -> None:
    listed = ", ".join(f"'{value}'" for value in values)
    for table in ('participation', 'participant_count'):
        name = f'ck_{table}_role_enum'
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(name), type_='check')
            batch_op.create_check_constraint(batch_op.f(name), f"role IN ({listed})")


def upgrade() -> None:
    _roles((*ROLES, 'drafter'))
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('currency_assumed', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('series', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('organizers_from_id', sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column('bounds', sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
        batch_op.create_index(
            batch_op.f('ix_event_organizers_from_id'), ['organizers_from_id'], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_event_organizers_from_id_event'),
            'event',
            ['organizers_from_id'],
            ['id'],
            onupdate='CASCADE',
            ondelete='SET NULL',
        )


def downgrade() -> None:
    op.execute(
        "DELETE FROM citation WHERE participation_id IN "
        "(SELECT id FROM participation WHERE role = 'drafter')"
    )
    op.execute("DELETE FROM participation WHERE role = 'drafter'")
    op.execute("DELETE FROM participant_count WHERE role = 'drafter'")
    _roles(ROLES)
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_organizers_from_id_event'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_event_organizers_from_id'))
        batch_op.drop_column('bounds')
        batch_op.drop_column('organizers_from_id')
        batch_op.drop_column('series')
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.drop_column('currency_assumed')
