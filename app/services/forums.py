"""Forums: listing and lookup.

Forums are listed in code order (codes are unique), so cursors are stable.
Every forum returned has its citations loaded.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import NotFound
from app.models import Forum
from app.models.enums import ForumKind
from app.services._query import PageResult, SortKey, paginate

FORUM_ORDER = (SortKey(Forum.code),)


async def list_forums(
    session: AsyncSession,
    *,
    kind: ForumKind | None = None,
    parent: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[Forum]:
    statement = select(Forum).options(selectinload(Forum.citations), selectinload(Forum.children))
    if kind is not None:
        statement = statement.where(Forum.kind == kind)
    if parent is not None:
        statement = statement.where(Forum.parent_code == parent)
    return await paginate(session, statement, order=FORUM_ORDER, limit=limit, cursor=cursor)


async def get_forum(session: AsyncSession, code: str) -> Forum:
    forum = await session.scalar(
        select(Forum)
        .where(Forum.code == code)
        .options(selectinload(Forum.citations), selectinload(Forum.children))
    )
    if forum is None:
        raise NotFound(f"No forum has the code {code!r}.", code="forum_not_found")
    return forum
