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

from app.models import Forum
from app.schemas.filters import ForumFilter
from app.services import references
from app.services.paging import PageResult, SortKey, paginate

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


async def get_forum(session: AsyncSession, code: str, *, embedded: bool = True) -> Forum:
    """One forum by code (any case), alias or name; ``forum_not_found`` otherwise.

    With ``embedded`` its citations and sub-forums come loaded, as the REST shape
    embeds them; GraphQL loads those only when a query asks.
    """
    statement = select(Forum)
    if embedded:
        statement = statement.options(selectinload(Forum.citations), selectinload(Forum.children))
    forum = await session.scalar(statement.where(Forum.code == code))
    if forum is None:
        found = await forum_code_of(session, code)
        forum = await session.scalar(statement.where(Forum.code == found))
    if forum is None:  # deleted between the two reads
        raise await references.missing(session, "forum", code, parameter="code")
    return forum


async def forum_code_of(session: AsyncSession, code: str) -> str:
    """The code of the forum ``code`` names, as ``get_forum`` finds it, without loading
    the forum; ``forum_not_found`` otherwise."""
    found = await session.scalar(select(Forum.code).where(Forum.code == code))
    if found is None:
        found = await references.forum_code(session, code)
    if found is None:
        raise await references.missing(session, "forum", code, parameter="code")
    return found
