"""people, departments, and the kinds the documents' other bodies need

Actors may be people (a name and the roles the documents give them); a participation
may name the government departments that acted for a state; forums may be summits,
task forces, intergovernmental forums or bilateral commissions; roles include founder
and rapporteur; programmes may be declarations or projects.

Revision ID: a1e5b8c4d7f3
Revises: 9d4f7a0e3c62
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a1e5b8c4d7f3'
down_revision: str | Sequence[str] | None = '9d4f7a0e3c62'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FORUM_KINDS = (
    'regional_consultative_process', 'regional_framework', 'integration_system',
    'subregional_agreement', 'support_platform', 'intergovernmental_committee',
    'international_organization', 'global_compact', 'review_forum', 'global_forum',
    'informal_forum', 'international_conference', 'plan_of_action', 'initiative',
)
NEW_FORUM_KINDS = ('summit', 'task_force', 'intergovernmental_forum', 'bilateral_commission')
ACTOR_KINDS = (
    'state', 'international_organization', 'financial_institution', 'regional_body',
    'un_entity', 'private_sector', 'civil_society', 'municipality', 'other',
)
NEW_ACTOR_KINDS = ('person',)
ROLES = (
    'member', 'associate', 'observer', 'participant', 'chair', 'co_chair',
    'pro_tempore_presidency', 'past_chair', 'incoming_chair', 'secretariat', 'champion',
    'partner',
)
NEW_ROLES = ('founder', 'rapporteur')
PROGRAMME_KINDS = (
    'programme', 'funding_envelope', 'fund', 'initiative', 'action_plan', 'policy',
    'action_area', 'proposed_plan', 'campaign', 'tool', 'network', 'coalition',
    'specialised_body',
)
NEW_PROGRAMME_KINDS = ('declaration', 'project')
# (table, column, values before, values added, nullable)
CHECKS = (
    ('forum', 'kind', FORUM_KINDS, NEW_FORUM_KINDS, False),
    ('actor', 'kind', ACTOR_KINDS, NEW_ACTOR_KINDS, False),
    ('participant_count', 'actor_kind', ACTOR_KINDS, NEW_ACTOR_KINDS, True),
    ('participation', 'role', ROLES, NEW_ROLES, False),
    ('participant_count', 'role', ROLES, NEW_ROLES, False),
    ('programme', 'kind', PROGRAMME_KINDS, NEW_PROGRAMME_KINDS, False),
)


def _condition(column: str, values: Sequence[str], nullable: bool) -> str:
    listed = ", ".join(f"'{value}'" for value in values)
    condition = f"{column} IN ({listed})"
    return f"{column} IS NULL OR {condition}" if nullable else condition


def _checks(added: bool) -> None:
    for table, column, before, new, nullable in CHECKS:
        values = (*before, *new) if added else before
        name = f'ck_{table}_{column}_enum'
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(name), type_='check')
            batch_op.create_check_constraint(batch_op.f(name), _condition(column, values, nullable))


def upgrade() -> None:
    _checks(added=True)
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('departments', sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )


def downgrade() -> None:
    op.execute("DELETE FROM citation WHERE actor_id IN (SELECT id FROM actor WHERE kind = 'person')")
    op.execute(
        "DELETE FROM citation WHERE participation_id IN (SELECT id FROM participation "
        "WHERE role IN ('founder', 'rapporteur') OR actor_id IN "
        "(SELECT id FROM actor WHERE kind = 'person'))"
    )
    op.execute(
        "DELETE FROM participation WHERE role IN ('founder', 'rapporteur') OR actor_id IN "
        "(SELECT id FROM actor WHERE kind = 'person')"
    )
    op.execute("DELETE FROM actor WHERE kind = 'person'")
    op.execute("DELETE FROM participant_count WHERE role IN ('founder', 'rapporteur')")
    op.execute("UPDATE participant_count SET actor_kind = NULL WHERE actor_kind = 'person'")
    for table, column, values in (
        ('forum', 'kind', NEW_FORUM_KINDS),
        ('programme', 'kind', NEW_PROGRAMME_KINDS),
    ):
        listed = ", ".join(f"'{v}'" for v in values)
        if table == 'forum':
            op.execute(f"UPDATE actor SET forum_code = NULL WHERE forum_code IN (SELECT code FROM forum WHERE kind IN ({listed}))")
            op.execute(f"DELETE FROM citation WHERE forum_code IN (SELECT code FROM forum WHERE kind IN ({listed}))")
            op.execute(f"DELETE FROM participation WHERE forum_code IN (SELECT code FROM forum WHERE kind IN ({listed}))")
            op.execute(f"UPDATE event SET forum_code = NULL WHERE forum_code IN (SELECT code FROM forum WHERE kind IN ({listed}))")
            op.execute(f"DELETE FROM forum WHERE kind IN ({listed})")
        else:
            op.execute(f"DELETE FROM citation WHERE programme_id IN (SELECT id FROM programme WHERE kind IN ({listed}))")
            op.execute(f"UPDATE programme SET parent_id = NULL WHERE parent_id IN (SELECT id FROM programme WHERE kind IN ({listed}))")
            op.execute(f"DELETE FROM programme WHERE kind IN ({listed})")
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.drop_column('departments')
    _checks(added=False)
