"""source terms: each document's own terms of use

Revision ID: 6a1c4e2f8b30
Revises: 5e3f2a9c1b7d
Create Date: 2026-11-30 08:20:00

The data is CC BY 4.0; the documents it is drawn from keep their own terms, which
a partner needs beside each source. NULL where the document states none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '6a1c4e2f8b30'
down_revision: str | Sequence[str] | None = '5e3f2a9c1b7d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch_op:
        batch_op.add_column(sa.Column("terms", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source") as batch_op:
        batch_op.drop_column("terms")
