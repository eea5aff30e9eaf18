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
from app.services._query import PageResult, SortKey, paginate

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
    *,
    forum: str | None = None,
    actor: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> FundingShareList:
    statement = select(FundingShare)
    if forum is not None:
        statement = statement.where(FundingShare.forum_code == forum)
    if actor is not None:
        statement = statement.where(FundingShare.actor_id == actor)
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
