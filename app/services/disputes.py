"""Disputes: where the documents disagree, and which rows carry each disagreement.

A dispute is curated (``data/disputes.yaml``): its subject (entity, id, field), a
summary written for migov, and two or more claims, each with its value and
citations. The competing rows stay where they are (participations, funding shares,
event hosts), each flagged with the dispute's id; nothing here picks a winner.
Lists are ordered by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Dispute, EventHost, FundingShare, Participation
from app.models.enums import Entity
from app.services import references
from app.services.paging import PageResult, SortKey, paginate

DISPUTE_ORDER = (SortKey(Dispute.id),)

DisputedRows = list[tuple[Entity, str]]


@dataclass
class DisputePage(PageResult[Dispute]):
    """A page of disputes, with the rows that carry each one."""

    rows: dict[str, DisputedRows] = field(default_factory=dict)


async def rows_by_dispute_ids(session: AsyncSession, ids: Sequence[str]) -> list[DisputedRows]:
    """For each dispute id, the rows flagged with it, in key order (three statements)."""
    if not ids:
        return []
    wanted = set(ids)
    found: dict[str, DisputedRows] = {key: [] for key in wanted}
    participations = await session.execute(
        select(Participation.dispute, Participation.id)
        .where(Participation.dispute.in_(wanted))
        .order_by(Participation.id)
    )
    for dispute, row_id in participations:
        if dispute is not None:
            found[dispute].append((Entity.PARTICIPATION, str(row_id)))
    shares = await session.execute(
        select(FundingShare.dispute, FundingShare.id)
        .where(FundingShare.dispute.in_(wanted))
        .order_by(FundingShare.id)
    )
    for dispute, row_id in shares:
        if dispute is not None:
            found[dispute].append((Entity.FUNDING_SHARE, str(row_id)))
    hosts = await session.execute(
        select(EventHost.dispute, EventHost.event_id)
        .where(EventHost.dispute.in_(wanted))
        .order_by(EventHost.event_id, EventHost.position)
    )
    for dispute, event_id in hosts:
        if dispute is not None and (Entity.EVENT, event_id) not in found[dispute]:
            found[dispute].append((Entity.EVENT, event_id))
    return [list(found[key]) for key in ids]


async def list_disputes(
    session: AsyncSession, *, limit: int | None = None, cursor: str | None = None
) -> DisputePage:
    page = await paginate(session, select(Dispute), order=DISPUTE_ORDER, limit=limit, cursor=cursor)
    ids = [dispute.id for dispute in page.items]
    rows = dict(zip(ids, await rows_by_dispute_ids(session, ids), strict=True))
    return DisputePage(items=page.items, total=page.total, next_cursor=page.next_cursor, rows=rows)


async def disputes_by_ids(
    session: AsyncSession, ids: Sequence[str]
) -> list[tuple[Dispute, DisputedRows] | None]:
    """For each dispute id, the dispute and its rows, in key order (``None`` for an unknown
    id); four statements however many ids."""
    if not ids:
        return []
    found = {d.id: d for d in await session.scalars(select(Dispute).where(Dispute.id.in_(ids)))}
    known = [key for key in dict.fromkeys(ids) if key in found]
    rows = dict(zip(known, await rows_by_dispute_ids(session, known), strict=True))
    return [(found[key], rows[key]) if key in found else None for key in ids]


async def get_dispute(session: AsyncSession, dispute_id: str) -> tuple[Dispute, DisputedRows]:
    dispute = await session.get(Dispute, dispute_id)
    if dispute is None:
        raise await references.missing(session, "dispute", dispute_id, parameter="dispute_id")
    (rows,) = await rows_by_dispute_ids(session, [dispute_id])
    return dispute, rows
