"""Forums: listing and lookup.

Forums are listed in code order (codes are unique), so cursors are stable.
Every forum returned has its citations loaded. A forum is found by its code in
any case, or by an alias or name (``CRM``, ``Puebla Process`` → RCM); ``q``
matches words of the code, names and aliases, ignoring case and accents.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import NotFound
from app.models import Forum
from app.schemas.filters import ForumFilter
from app.services import references
from app.services._query import PageResult, SortKey, paginate

FORUM_ORDER = (SortKey(Forum.code),)


async def list_forums(
    session: AsyncSession,
    filters: ForumFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[Forum]:
    filters = filters or ForumFilter()
    statement = select(Forum).options(selectinload(Forum.citations), selectinload(Forum.children))
    if filters.kind:
        statement = statement.where(Forum.kind.in_(filters.kind))
    if filters.parent:
        parents = await references.forum_codes(session, filters.parent, parameter="parent")
        statement = statement.where(Forum.parent_code.in_(parents))
    if filters.q is not None:
        rows = await session.execute(select(Forum.code, Forum.name, Forum.name_es, Forum.aliases))
        found = [
            row.code
            for row in rows
            if references.matches_words(
                filters.q, row.code, row.name, row.name_es, *(row.aliases or [])
            )
        ]
        statement = statement.where(Forum.code.in_(found))
    return await paginate(session, statement, order=FORUM_ORDER, limit=limit, cursor=cursor)


async def get_forum(session: AsyncSession, code: str) -> Forum:
    """One forum by code (any case), alias or name; ``forum_not_found`` otherwise."""
    statement = select(Forum).options(selectinload(Forum.citations), selectinload(Forum.children))
    forum = await session.scalar(statement.where(Forum.code == code))
    if forum is None and (found := await references.forum_code(session, code)) is not None:
        forum = await session.scalar(statement.where(Forum.code == found))
    if forum is None:
        raise NotFound(f"No forum has the code {code!r}.", code="forum_not_found")
    return forum
