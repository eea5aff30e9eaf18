"""Readiness: the database answers and its schema is at the migrations' head."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.faults import DATABASE_UNAVAILABLE, RETRY_AFTER
from app.db.migrations import current_revisions, head_revisions
from app.errors import Unavailable


async def check_ready(session: AsyncSession) -> str:
    """Return the schema revision, or raise ``Unavailable`` saying what is wrong."""
    try:
        connection = await session.connection()
        current = await connection.run_sync(current_revisions)
    except (SQLAlchemyError, OSError) as exc:
        raise Unavailable(
            "The database does not answer.", code=DATABASE_UNAVAILABLE, retry_after=RETRY_AFTER
        ) from exc
    expected = head_revisions()
    if current != expected:
        raise Unavailable(
            f"The database schema is at {sorted(current) or 'no revision'}, "
            f"expected {sorted(expected)}; run `migov migrate`.",
            code="schema_not_at_head",
        )
    return ",".join(sorted(current))
