"""idempotency created flag: an idempotency record keeps whether its request created a
resource, not the HTTP status one adapter answered

Services speak no HTTP: the REST adapter maps `created` to 201 (else 200), GraphQL to
its own answer.

Revision ID: f6d1a4b8c3e5
Revises: e5c9f3a7b2d4
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'f6d1a4b8c3e5'
down_revision: str | Sequence[str] | None = 'e5c9f3a7b2d4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created', sa.Boolean(), nullable=True))
    op.execute(
        "UPDATE idempotency_record SET created = (response_status = 201) "
        "WHERE response_status IS NOT NULL"
    )
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_column('response_status')


def downgrade() -> None:
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_status', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE idempotency_record SET response_status = CASE WHEN created THEN 201 ELSE 200 END "
        "WHERE created IS NOT NULL"
    )
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_column('created')
