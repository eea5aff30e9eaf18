"""Programmes: funds, programmes, initiatives, plans, policies, campaigns and tools.

A programme's successors are the programmes naming it as predecessor; its parts, the
programmes naming it as parent, in their recorded order. ``as_of`` keeps the
programmes that may be running on a day, judged on their bounds as participations
are (start inclusive, end exclusive, a missing bound unbounded), and labels each
``certain`` or ``possible``. Lists are ordered by id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import Programme
from app.models.enums import Certainty
from app.models.participation import certain_on, certainty, possible_on
from app.schemas.filters import ProgrammeFilter
from app.schemas.programme import ProgrammeRead
from app.services import references
from app.services.paging import PageResult, SortKey, left_out, paginate
from app.services.participations import require_day

PROGRAMME_ORDER = (SortKey(Programme.id),)


@dataclass
class ProgrammePage(PageResult[Programme]):
    reads: list[ProgrammeRead] = field(default_factory=list)


async def _reads(
    session: AsyncSession, rows: Sequence[Programme], as_of: dt.date | None, lang: str = "en"
) -> list[ProgrammeRead]:
    """Rows as read shapes, with their successors and parts (one statement for all), their
    name and description in ``lang``."""
    ids = [row.id for row in rows]
    successors: dict[str, list[str]] = {i: [] for i in ids}
    parts: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        linked = await session.execute(
            select(Programme.id, Programme.parent_id, Programme.predecessor_id)
            .where(or_(Programme.parent_id.in_(ids), Programme.predecessor_id.in_(ids)))
            .order_by(Programme.position, Programme.id)
        )
        for row in linked:
            if row.parent_id in parts:
                parts[row.parent_id].append(row.id)
            if row.predecessor_id in successors:
                successors[row.predecessor_id].append(row.id)
    return [
        ProgrammeRead.from_model(
            row,
            successors=successors[row.id],
            parts=parts[row.id],
            lang=lang,
            certainty=None
            if as_of is None
            else certainty(
                as_of, row.start_earliest, row.start_latest, row.end_earliest, row.end_latest
            ),
        )
        for row in rows
    ]


async def list_programmes(
    session: AsyncSession,
    filters: ProgrammeFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
    lang: str = "en",
) -> ProgrammePage:
    filters = filters or ProgrammeFilter()
    require_day(filters.as_of, filters.certainty)
    statement = select(Programme).options(selectinload(Programme.citations))
    if filters.kind:
        statement = statement.where(Programme.kind.in_(filters.kind))
    if filters.forum:
        forums = await references.forum_codes(session, filters.forum)
        statement = statement.where(
            or_(Programme.forum_code.in_(forums), Programme.owner_forum_code.in_(forums))
        )
    if filters.owner:
        owners = await references.actor_ids(session, filters.owner, parameter="owner")
        statement = statement.where(Programme.owner_actor_id.in_(owners))
    if filters.parent:
        parents = await references.programme_ids(session, filters.parent, parameter="parent")
        statement = statement.where(Programme.parent_id.in_(parents))
    if filters.q is not None:
        rows = await session.execute(
            select(Programme.id, Programme.name, Programme.name_es, Programme.aliases)
        )
        found = [
            row.id
            for row in rows
            if references.matches_words(filters.q, row.name, row.name_es, *(row.aliases or []))
        ]
        statement = statement.where(Programme.id.in_(found))
    possible = statement
    if filters.as_of is not None:
        possible = statement.where(possible_on(filters.as_of, Programme))
        rule = certain_on if filters.certainty is Certainty.CERTAIN else possible_on
        statement = statement.where(rule(filters.as_of, Programme))
    page = await paginate(session, statement, order=PROGRAMME_ORDER, limit=limit, cursor=cursor)
    if filters.certainty is Certainty.CERTAIN:
        await left_out(session, possible, page)
    return ProgrammePage(
        items=page.items,
        total=page.total,
        next_cursor=page.next_cursor,
        possible_left_out=page.possible_left_out,
        reads=await _reads(session, page.items, filters.as_of, lang),
    )


async def get_programme(
    session: AsyncSession, programme_id: str, *, lang: str = "en"
) -> ProgrammeRead:
    """One programme by id (any case); ``programme_not_found`` otherwise."""
    statement = select(Programme).options(selectinload(Programme.citations))
    row = await session.scalar(statement.where(func.lower(Programme.id) == programme_id.lower()))
    if row is None:
        raise await references.missing(session, "programme", programme_id, parameter="programme_id")
    (read,) = await _reads(session, [row], None, lang)
    return read


async def programmes_by_forum_codes(
    session: AsyncSession, codes: Sequence[str]
) -> list[list[ProgrammeRead]]:
    """For each forum code, the programmes it runs or that serve it, by id."""
    if not codes:
        return []
    wanted = set(codes)
    rows = list(
        await session.scalars(
            select(Programme)
            .where(or_(Programme.forum_code.in_(wanted), Programme.owner_forum_code.in_(wanted)))
            .options(selectinload(Programme.citations))
            .order_by(Programme.id)
        )
    )
    found: dict[str, list[ProgrammeRead]] = {code: [] for code in wanted}
    for row, read in zip(rows, await _reads(session, rows, None), strict=True):
        for code in dict.fromkeys((row.forum_code, row.owner_forum_code)):
            if code in found:
                found[code].append(read)
    return [found[code] for code in codes]
