"""Funding shares: each actor's percent of a forum's budget, as the sources give it.

Shares are exact decimals and are never rescaled: when a source's shares do not
add up to 100 the reported total says so. Lists are ordered by forum, share
(largest first), actor and id.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import FundingShare
from app.schemas.filters import FundingShareFilter
from app.services import references
from app.services.paging import PageResult, SortKey, paginate

SHARE_ORDER = (
    SortKey(FundingShare.forum_code),
    SortKey(FundingShare.share_pct, descending=True),
    SortKey(FundingShare.actor_id),
    SortKey(FundingShare.id),
)


@dataclass
class FundingShareList:
    page: PageResult[FundingShare]
    total_pct: Decimal


async def list_funding_shares(
    session: AsyncSession,
    filters: FundingShareFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> FundingShareList:
    """Shares matching ``filters`` (codes resolved, any of each list) and their exact sum."""
    filters = filters or FundingShareFilter()
    statement = select(FundingShare)
    if filters.forum:
        forums = await references.forum_codes(
            session, filters.forum, include_subforums=filters.include_subforums
        )
        statement = statement.where(FundingShare.forum_code.in_(forums))
    if filters.actor:
        actors = await references.actor_ids(session, filters.actor)
        statement = statement.where(FundingShare.actor_id.in_(actors))
    matching = statement.subquery()
    total = await session.scalar(select(func.coalesce(func.sum(matching.c.share_pct), 0)))
    page = await paginate(
        session,
        statement.options(selectinload(FundingShare.actor), selectinload(FundingShare.citations)),
        order=SHARE_ORDER,
        limit=limit,
        cursor=cursor,
    )
    return FundingShareList(page=page, total_pct=Decimal(total or 0).quantize(Decimal("0.0001")))
