"""index pledges of a forum newest first

Revision ID: 5e3f2a9c1b7d
Revises: 5d1e0f7a9b21
Create Date: 2026-11-30 06:10:00

A forum's page of pledges newest first (``sort=-announced_on``, unknown dates
last) was a sort of every pledge of the forum on each request: at 200,000
pledges, a scan of the biggest forum's 49,000 rows. This index answers it in
order, so the page reads its 101 rows and stops. PostgreSQL only: SQLite puts
NULLs last in descending order on its own and takes no NULLS LAST in an index.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '5e3f2a9c1b7d'
down_revision: str | Sequence[str] | None = '5d1e0f7a9b21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_pledge_forum_newest ON pledge "
            "(forum_code, announced_date DESC NULLS LAST, id DESC)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_pledge_forum_newest")
