"""Governance changes of forums, and counts of participants the documents do not name.

A count with ``count`` NULL is a fact too: the source says "many" without a number.
Lists are ordered by id.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import GovernanceChange, ParticipantCount
from app.schemas.filters import GovernanceChangeFilter, ParticipantCountFilter
from app.services import references
from app.services.paging import PageResult, SortKey, paginate

COUNT_ORDER = (SortKey(ParticipantCount.id),)
CHANGE_ORDER = (SortKey(GovernanceChange.id),)


async def list_participant_counts(
    session: AsyncSession,
    filters: ParticipantCountFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[ParticipantCount]:
    filters = filters or ParticipantCountFilter()
    statement = select(ParticipantCount).options(selectinload(ParticipantCount.citations))
    if filters.forum:
        forums = await references.forum_codes(session, filters.forum)
        statement = statement.where(ParticipantCount.forum_code.in_(forums))
    if filters.event:
        events = await references.event_ids(session, filters.event)
        statement = statement.where(ParticipantCount.event_id.in_(events))
    if filters.role:
        statement = statement.where(ParticipantCount.role.in_(filters.role))
    return await paginate(session, statement, order=COUNT_ORDER, limit=limit, cursor=cursor)


async def list_governance_changes(
    session: AsyncSession,
    filters: GovernanceChangeFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[GovernanceChange]:
    filters = filters or GovernanceChangeFilter()
    statement = select(GovernanceChange).options(selectinload(GovernanceChange.citations))
    if filters.forum:
        forums = await references.forum_codes(session, filters.forum)
        statement = statement.where(GovernanceChange.forum_code.in_(forums))
    return await paginate(session, statement, order=CHANGE_ORDER, limit=limit, cursor=cursor)
