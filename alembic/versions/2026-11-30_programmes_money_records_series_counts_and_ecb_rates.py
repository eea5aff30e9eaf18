"""programmes, money records, event series, counts, governance changes and ECB rates

New fact tables (programme, money_record, participant_count, governance_change,
event_objective), each citable; events gain a parent series, a status and a topic;
participations a chair's theme and objectives; exchange rates a provider (cited or
ECB-derived) so one currency can have both; pledges the reason a USD amount is
missing. The change log and disputes learn the new entities.

Revision ID: e6d979213661
Revises: 6a1c4e2f8b30
Create Date: 2026-11-30 08:08:05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

OLD_ENTITIES = (
    "'source', 'forum', 'actor', 'participation', 'funding_share', 'event', 'pledge', "
    "'exchange_rate', 'dispute'"
)
NEW_ENTITIES = (
    f"{OLD_ENTITIES}, 'programme', 'money_record', 'participant_count', 'governance_change'"
)
OLD_CITED = (
    "forum_code", "actor_id", "participation_id", "funding_share_id", "event_id", "pledge_id",
    "exchange_rate_id",
)
NEW_CITED = (*OLD_CITED, "programme_id", "money_record_id", "participant_count_id", "governance_change_id")


def _exactly_one(columns: Sequence[str]) -> str:
    count = " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns)
    return f"{count} = 1"


revision: str = 'e6d979213661'
down_revision: str | Sequence[str] | None = '6a1c4e2f8b30'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event_objective',
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('objective', sa.Integer(), nullable=False),
    sa.CheckConstraint('objective BETWEEN 1 AND 23', name=op.f('ck_event_objective_objective_range')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_objective_event_id_event'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'objective', name=op.f('pk_event_objective'))
    )
    with op.batch_alter_table('event_objective', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_objective_objective'), ['objective'], unique=False)

    op.create_table('governance_change',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('forum_code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('introduced_date', sa.Date(), nullable=True),
    sa.Column('introduced_precision', sa.String(length=5), nullable=True),
    sa.Column('earliest', sa.Date(), nullable=True),
    sa.Column('latest', sa.Date(), nullable=True),
    sa.Column('introduced_by_actor_id', sa.String(length=64), nullable=True),
    sa.Column('duties', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("introduced_precision IS NULL OR introduced_precision IN ('day', 'month', 'year')", name=op.f('ck_governance_change_introduced_precision_enum')),
    sa.CheckConstraint('(introduced_date IS NULL) = (introduced_precision IS NULL)', name=op.f('ck_governance_change_introduced_precision_present')),
    sa.CheckConstraint('earliest IS NULL OR latest IS NULL OR latest >= earliest', name=op.f('ck_governance_change_bounds_order')),
    sa.ForeignKeyConstraint(['forum_code'], ['forum.code'], name=op.f('fk_governance_change_forum_code_forum'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['introduced_by_actor_id'], ['actor.id'], name=op.f('fk_governance_change_introduced_by_actor_id_actor'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_change'))
    )
    with op.batch_alter_table('governance_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_governance_change_forum_code'), ['forum_code'], unique=False)

    op.create_table('participant_count',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('forum_code', sa.String(length=32), nullable=True),
    sa.Column('event_id', sa.String(length=100), nullable=True),
    sa.Column('role', sa.String(length=22), nullable=False),
    sa.Column('actor_kind', sa.String(length=26), nullable=True),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('reported_date', sa.Date(), nullable=True),
    sa.Column('reported_precision', sa.String(length=5), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("actor_kind IS NULL OR actor_kind IN ('state', 'international_organization', 'financial_institution', 'regional_body', 'un_entity', 'private_sector', 'civil_society', 'municipality', 'other')", name=op.f('ck_participant_count_actor_kind_enum')),
    sa.CheckConstraint("reported_precision IS NULL OR reported_precision IN ('day', 'month', 'year')", name=op.f('ck_participant_count_reported_precision_enum')),
    sa.CheckConstraint("role IN ('member', 'associate', 'observer', 'participant', 'chair', 'co_chair', 'pro_tempore_presidency', 'past_chair', 'incoming_chair', 'secretariat', 'champion', 'partner')", name=op.f('ck_participant_count_role_enum')),
    sa.CheckConstraint('(reported_date IS NULL) = (reported_precision IS NULL)', name=op.f('ck_participant_count_reported_precision_present')),
    sa.CheckConstraint('count IS NULL OR count >= 0', name=op.f('ck_participant_count_count_non_negative')),
    sa.CheckConstraint('forum_code IS NOT NULL OR event_id IS NOT NULL', name=op.f('ck_participant_count_forum_or_event')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_participant_count_event_id_event'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['forum_code'], ['forum.code'], name=op.f('fk_participant_count_forum_code_forum'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant_count'))
    )
    with op.batch_alter_table('participant_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_count_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_participant_count_forum_code'), ['forum_code'], unique=False)

    op.create_table('programme',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_es', sa.Text(), nullable=True),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('owner_actor_id', sa.String(length=64), nullable=True),
    sa.Column('owner_forum_code', sa.String(length=32), nullable=True),
    sa.Column('forum_code', sa.String(length=32), nullable=True),
    sa.Column('parent_id', sa.String(length=100), nullable=True),
    sa.Column('predecessor_id', sa.String(length=100), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('start_precision', sa.String(length=5), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('end_precision', sa.String(length=5), nullable=True),
    sa.Column('start_earliest', sa.Date(), nullable=True),
    sa.Column('start_latest', sa.Date(), nullable=True),
    sa.Column('end_earliest', sa.Date(), nullable=True),
    sa.Column('end_latest', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("end_precision IS NULL OR end_precision IN ('day', 'month', 'year')", name=op.f('ck_programme_end_precision_enum')),
    sa.CheckConstraint("kind IN ('programme', 'funding_envelope', 'fund', 'initiative', 'action_plan', 'action_area', 'proposed_plan', 'campaign', 'tool', 'network', 'coalition', 'specialised_body')", name=op.f('ck_programme_kind_enum')),
    sa.CheckConstraint("start_precision IS NULL OR start_precision IN ('day', 'month', 'year')", name=op.f('ck_programme_start_precision_enum')),
    sa.CheckConstraint('(end_date IS NULL) = (end_precision IS NULL)', name=op.f('ck_programme_end_precision_present')),
    sa.CheckConstraint('(start_date IS NULL) = (start_precision IS NULL)', name=op.f('ck_programme_start_precision_present')),
    sa.CheckConstraint('start_date IS NULL OR end_date IS NULL OR end_date >= start_date', name=op.f('ck_programme_period_order')),
    sa.ForeignKeyConstraint(['forum_code'], ['forum.code'], name=op.f('fk_programme_forum_code_forum'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_actor_id'], ['actor.id'], name=op.f('fk_programme_owner_actor_id_actor'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_forum_code'], ['forum.code'], name=op.f('fk_programme_owner_forum_code_forum'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['programme.id'], name=op.f('fk_programme_parent_id_programme'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['predecessor_id'], ['programme.id'], name=op.f('fk_programme_predecessor_id_programme'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme'))
    )
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_forum_code'), ['forum_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_owner_actor_id'), ['owner_actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_owner_forum_code'), ['owner_forum_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_parent_id'), ['parent_id'], unique=False)

    op.create_table('money_record',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=22), nullable=False),
    sa.Column('payer_actor_id', sa.String(length=64), nullable=True),
    sa.Column('recipient_actor_id', sa.String(length=64), nullable=True),
    sa.Column('recipient_forum_code', sa.String(length=32), nullable=True),
    sa.Column('recipient_description', sa.Text(), nullable=True),
    sa.Column('forum_code', sa.String(length=32), nullable=True),
    sa.Column('programme_id', sa.String(length=100), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('currency_assumed', sa.Boolean(), nullable=False),
    sa.Column('qualifier', sa.String(length=13), nullable=True),
    sa.Column('share_pct', sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column('period_start_date', sa.Date(), nullable=True),
    sa.Column('period_start_precision', sa.String(length=5), nullable=True),
    sa.Column('period_end_date', sa.Date(), nullable=True),
    sa.Column('period_end_precision', sa.String(length=5), nullable=True),
    sa.Column('duration_months', sa.Integer(), nullable=True),
    sa.Column('reported_date', sa.Date(), nullable=True),
    sa.Column('reported_precision', sa.String(length=5), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("kind IN ('budget', 'membership_fee', 'estimated_cost', 'recorded_total', 'total_cost', 'core_contribution', 'project_funding', 'funding_share_reported')", name=op.f('ck_money_record_kind_enum')),
    sa.CheckConstraint("period_end_precision IS NULL OR period_end_precision IN ('day', 'month', 'year')", name=op.f('ck_money_record_period_end_precision_enum')),
    sa.CheckConstraint("period_start_precision IS NULL OR period_start_precision IN ('day', 'month', 'year')", name=op.f('ck_money_record_period_start_precision_enum')),
    sa.CheckConstraint("qualifier IS NULL OR qualifier IN ('exact', 'approximately', 'at_least', 'over', 'under')", name=op.f('ck_money_record_qualifier_enum')),
    sa.CheckConstraint("reported_precision IS NULL OR reported_precision IN ('day', 'month', 'year')", name=op.f('ck_money_record_reported_precision_enum')),
    sa.CheckConstraint('(amount IS NULL) = (currency IS NULL)', name=op.f('ck_money_record_amount_currency')),
    sa.CheckConstraint('(period_end_date IS NULL) = (period_end_precision IS NULL)', name=op.f('ck_money_record_period_end_precision_present')),
    sa.CheckConstraint('(period_start_date IS NULL) = (period_start_precision IS NULL)', name=op.f('ck_money_record_period_start_precision_present')),
    sa.CheckConstraint('(reported_date IS NULL) = (reported_precision IS NULL)', name=op.f('ck_money_record_reported_precision_present')),
    sa.CheckConstraint('amount IS NULL OR amount > 0', name=op.f('ck_money_record_amount_positive')),
    sa.CheckConstraint('duration_months IS NULL OR duration_months > 0', name=op.f('ck_money_record_duration_positive')),
    sa.CheckConstraint('share_pct IS NULL OR (share_pct >= 0 AND share_pct <= 100)', name=op.f('ck_money_record_share_range')),
    sa.ForeignKeyConstraint(['forum_code'], ['forum.code'], name=op.f('fk_money_record_forum_code_forum'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payer_actor_id'], ['actor.id'], name=op.f('fk_money_record_payer_actor_id_actor'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_money_record_programme_id_programme'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recipient_actor_id'], ['actor.id'], name=op.f('fk_money_record_recipient_actor_id_actor'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recipient_forum_code'], ['forum.code'], name=op.f('fk_money_record_recipient_forum_code_forum'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_record'))
    )
    with op.batch_alter_table('money_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_record_currency'), ['currency'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_record_forum_code'), ['forum_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_record_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_record_payer_actor_id'), ['payer_actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_record_programme_id'), ['programme_id'], unique=False)

    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.alter_column('entity',
               existing_type=sa.VARCHAR(length=13),
               type_=sa.String(length=17),
               existing_nullable=False)
        batch_op.drop_constraint(batch_op.f('ck_change_entity_enum'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_change_entity_enum'), f"entity IN ({NEW_ENTITIES})")

    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('money_record_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('participant_count_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('governance_change_id', sa.String(length=100), nullable=True))
        batch_op.create_index('ix_citation_governance_change_id', ['governance_change_id'], unique=False)
        batch_op.create_index('ix_citation_money_record_id', ['money_record_id'], unique=False)
        batch_op.create_index('ix_citation_participant_count_id', ['participant_count_id'], unique=False)
        batch_op.create_index('ix_citation_programme_id', ['programme_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_citation_money_record_id_money_record'), 'money_record', ['money_record_id'], ['id'], onupdate='CASCADE', ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_citation_governance_change_id_governance_change'), 'governance_change', ['governance_change_id'], ['id'], onupdate='CASCADE', ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_citation_programme_id_programme'), 'programme', ['programme_id'], ['id'], onupdate='CASCADE', ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_citation_participant_count_id_participant_count'), 'participant_count', ['participant_count_id'], ['id'], onupdate='CASCADE', ondelete='CASCADE')
        batch_op.drop_constraint(batch_op.f('ck_citation_exactly_one_fact'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_citation_exactly_one_fact'), _exactly_one(NEW_CITED))

    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.alter_column('subject_entity',
               existing_type=sa.VARCHAR(length=13),
               type_=sa.String(length=17),
               existing_nullable=False)
        batch_op.drop_constraint(batch_op.f('ck_dispute_subject_entity_enum'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_dispute_subject_entity_enum'), f"subject_entity IN ({NEW_ENTITIES})")

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=7), server_default='held', nullable=False))
        batch_op.add_column(sa.Column('topic', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_event_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_event_parent_id_event'), 'event', ['parent_id'], ['id'], onupdate='CASCADE', ondelete='SET NULL')
        batch_op.create_check_constraint(batch_op.f('ck_event_status_enum'), "status IN ('planned', 'held')")

    with op.batch_alter_table('exchange_rate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider', sa.String(length=5), server_default='cited', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_exchange_rate_currency_period_start'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_exchange_rate_currency_period_start_period_end_provider'), ['currency', 'period_start', 'period_end', 'provider'])
        batch_op.create_check_constraint(batch_op.f('ck_exchange_rate_provider_enum'), "provider IN ('cited', 'ecb')")

    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('theme', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('objectives', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))

    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_usd_note', sa.Text(), nullable=True))



def downgrade() -> None:
    new = "'programme', 'money_record', 'participant_count', 'governance_change'"
    op.execute(f"DELETE FROM change WHERE entity IN ({new})")
    op.execute(f"DELETE FROM dispute WHERE subject_entity IN ({new})")
    op.execute(
        "DELETE FROM citation WHERE programme_id IS NOT NULL OR money_record_id IS NOT NULL "
        "OR participant_count_id IS NOT NULL OR governance_change_id IS NOT NULL"
    )
    # The ECB-derived rates go; a pledge that used one loses its USD amount with it.
    op.execute(
        "UPDATE pledge SET amount_usd = NULL, exchange_rate_id = NULL WHERE exchange_rate_id IN "
        "(SELECT id FROM exchange_rate WHERE provider <> 'cited')"
    )
    op.execute("DELETE FROM exchange_rate WHERE provider <> 'cited'")
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.drop_column('amount_usd_note')

    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.drop_column('objectives')
        batch_op.drop_column('theme')

    with op.batch_alter_table('exchange_rate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_exchange_rate_provider_enum'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_exchange_rate_currency_period_start_period_end_provider'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_exchange_rate_currency_period_start'), ['currency', 'period_start'])
        batch_op.drop_column('provider')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_event_status_enum'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_event_parent_id_event'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_event_parent_id'))
        batch_op.drop_column('topic')
        batch_op.drop_column('status')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_dispute_subject_entity_enum'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_dispute_subject_entity_enum'), f"subject_entity IN ({OLD_ENTITIES})")
        batch_op.alter_column('subject_entity',
               existing_type=sa.String(length=17),
               type_=sa.VARCHAR(length=13),
               existing_nullable=False)

    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_citation_exactly_one_fact'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_citation_exactly_one_fact'), _exactly_one(OLD_CITED))
        batch_op.drop_constraint(batch_op.f('fk_citation_participant_count_id_participant_count'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_citation_programme_id_programme'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_citation_governance_change_id_governance_change'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_citation_money_record_id_money_record'), type_='foreignkey')
        batch_op.drop_index('ix_citation_programme_id')
        batch_op.drop_index('ix_citation_participant_count_id')
        batch_op.drop_index('ix_citation_money_record_id')
        batch_op.drop_index('ix_citation_governance_change_id')
        batch_op.drop_column('governance_change_id')
        batch_op.drop_column('participant_count_id')
        batch_op.drop_column('money_record_id')
        batch_op.drop_column('programme_id')

    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_change_entity_enum'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_change_entity_enum'), f"entity IN ({OLD_ENTITIES})")
        batch_op.alter_column('entity',
               existing_type=sa.String(length=17),
               type_=sa.VARCHAR(length=13),
               existing_nullable=False)

    with op.batch_alter_table('money_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_record_programme_id'))
        batch_op.drop_index(batch_op.f('ix_money_record_payer_actor_id'))
        batch_op.drop_index(batch_op.f('ix_money_record_kind'))
        batch_op.drop_index(batch_op.f('ix_money_record_forum_code'))
        batch_op.drop_index(batch_op.f('ix_money_record_currency'))

    op.drop_table('money_record')
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_parent_id'))
        batch_op.drop_index(batch_op.f('ix_programme_owner_forum_code'))
        batch_op.drop_index(batch_op.f('ix_programme_owner_actor_id'))
        batch_op.drop_index(batch_op.f('ix_programme_kind'))
        batch_op.drop_index(batch_op.f('ix_programme_forum_code'))

    op.drop_table('programme')
    with op.batch_alter_table('participant_count', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_count_forum_code'))
        batch_op.drop_index(batch_op.f('ix_participant_count_event_id'))

    op.drop_table('participant_count')
    with op.batch_alter_table('governance_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_governance_change_forum_code'))

    op.drop_table('governance_change')
    with op.batch_alter_table('event_objective', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_objective_objective'))

    op.drop_table('event_objective')
