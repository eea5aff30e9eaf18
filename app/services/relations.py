"""Batch lookups of related records for GraphQL loaders and REST embedding.

Each function takes a sequence of keys and answers one result per key, **in key
order** (keys may repeat): the record or ``None`` for a to-one lookup, a list
(empty when nothing is related) for a to-many relation. Each runs a fixed number
of statements however many keys it gets, so a caller that batches the keys of a
whole response level never issues one query per row.

A relation lists the same rows, in the same order, as the aggregate's own list
filtered by that key: the filters (``participations.filtered``,
``pledges.PledgeFilter``) and orderings (``PARTICIPATION_ORDER``, ...) come from
the aggregate's service module. Records come back with the relations their read
shapes embed (a pledge's pledgers and objectives, an event's hosts; participations
as rows carrying their actor's columns) but without their citations, which
``citations_by_facts`` loads for any mix of facts at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import (
    Actor,
    Citation,
    Event,
    EventHost,
    Forum,
    FundingShare,
    Participation,
    Pledge,
    PledgePledger,
    Source,
)
from app.models.enums import Certainty, Entity, Role
from app.models.source import CITED_COLUMNS
from app.schemas.filters import PledgeFilter
from app.services import participations as participation_service
from app.services import pledges as pledge_service
from app.services import references
from app.services import sources as source_service
from app.services.events import EVENT_ORDER
from app.services.forums import FORUM_ORDER
from app.services.funding import SHARE_ORDER

# One ordering helper for pages and relations, so both place NULLs alike on each engine.
from app.services.paging import MAX_LIMIT, order_clauses
from app.services.participations import PARTICIPATION_ORDER, ParticipationRow
from app.services.pledges import PledgeRow

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")

PERCENT = Decimal("0.0001")

# fact kind -> the citation column pointing at a fact of that kind
CITATION_COLUMN: dict[Entity, str] = {
    Entity(column.removesuffix("_id").removesuffix("_code")): column for column in CITED_COLUMNS
}


def _one(keys: Sequence[K], rows: Iterable[R], key_of: Callable[[R], K]) -> list[R | None]:
    found = {key_of(row): row for row in rows}
    return [found.get(key) for key in keys]


def _many(keys: Sequence[K], pairs: Iterable[tuple[K, R]]) -> list[list[R]]:
    grouped: dict[K, list[R]] = defaultdict(list)
    for key, row in pairs:
        grouped[key].append(row)
    return [list(grouped.get(key, ())) for key in keys]


# --- to-one lookups -----------------------------------------------------------------


async def forums_by_codes(session: AsyncSession, codes: Sequence[str]) -> list[Forum | None]:
    if not codes:
        return []
    rows = await session.scalars(select(Forum).where(Forum.code.in_(set(codes))))
    return _one(codes, rows, lambda forum: forum.code)


async def actors_by_ids(session: AsyncSession, ids: Sequence[str]) -> list[Actor | None]:
    if not ids:
        return []
    rows = await session.scalars(select(Actor).where(Actor.id.in_(set(ids))))
    return _one(ids, rows, lambda actor: actor.id)


async def events_by_ids(session: AsyncSession, ids: Sequence[str]) -> list[Event | None]:
    if not ids:
        return []
    rows = await session.scalars(
        select(Event).where(Event.id.in_(set(ids))).options(*_event_options())
    )
    return _one(ids, rows, lambda event: event.id)


async def sources_by_ids(session: AsyncSession, ids: Sequence[str]) -> list[Source | None]:
    if not ids:
        return []
    rows = await session.scalars(select(Source).where(Source.id.in_(set(ids))))
    return _one(ids, rows, lambda source: source.id)


# --- forums -------------------------------------------------------------------------


async def children_by_forum_codes(session: AsyncSession, codes: Sequence[str]) -> list[list[Forum]]:
    """The forums whose parent is each code, in code order."""
    if not codes:
        return []
    rows = await session.scalars(
        select(Forum).where(Forum.parent_code.in_(set(codes))).order_by(*order_clauses(FORUM_ORDER))
    )
    return _many(codes, ((forum.parent_code, forum) for forum in rows if forum.parent_code))


# --- participations -----------------------------------------------------------------


async def participations_by_forum_codes(
    session: AsyncSession,
    codes: Sequence[str],
    *,
    as_of: dt.date | None = None,
    roles: Sequence[Role] = (),
    certainty: Certainty | None = None,
    disputed: bool | None = None,
) -> list[list[ParticipationRow]]:
    """Each forum's participants, with the ``as_of``/role rules of ``services.participations``,
    as ``participations.ROW_STATEMENT`` rows (the participation with its actor's columns)."""
    if not codes:
        return []
    rows = await _participation_rows(
        session,
        Participation.forum_code.in_(set(codes)),
        *participation_service.conditions(
            roles=roles, as_of=as_of, certainty=certainty, disputed=disputed
        ),
    )
    return _many(codes, ((row.forum_code, row) for row in rows))


async def participations_by_actor_ids(
    session: AsyncSession,
    ids: Sequence[str],
    *,
    forums: Sequence[str] = (),
    as_of: dt.date | None = None,
    roles: Sequence[Role] = (),
    certainty: Certainty | None = None,
    disputed: bool | None = None,
) -> list[list[ParticipationRow]]:
    """Each actor's roles (in ``forums``, any of them, when given), ordered like the list,
    as ``participations.ROW_STATEMENT`` rows.

    Forum codes resolve as ``services.references`` says; an unknown one is refused.
    """
    if not ids:
        return []
    rows = await _participation_rows(
        session,
        Participation.actor_id.in_(set(ids)),
        *participation_service.conditions(
            forums=await references.forum_codes(session, forums),
            roles=roles,
            as_of=as_of,
            certainty=certainty,
            disputed=disputed,
        ),
    )
    return _many(ids, ((row.actor_id, row) for row in rows if row.actor_id is not None))


async def _participation_rows(
    session: AsyncSession, *conditions: ColumnElement[bool]
) -> Sequence[ParticipationRow]:
    statement = participation_service.ROW_STATEMENT.where(*conditions).order_by(
        *order_clauses(PARTICIPATION_ORDER)
    )
    rows: Sequence[ParticipationRow] = (await session.execute(statement)).all()
    return rows


# --- funding shares -----------------------------------------------------------------


async def funding_shares_by_forum_codes(
    session: AsyncSession, codes: Sequence[str]
) -> list[list[FundingShare]]:
    if not codes:
        return []
    rows = await session.scalars(
        select(FundingShare)
        .where(FundingShare.forum_code.in_(set(codes)))
        .order_by(*order_clauses(SHARE_ORDER))
    )
    return _many(codes, ((share.forum_code, share) for share in rows))


async def funding_shares_by_actor_ids(
    session: AsyncSession, ids: Sequence[str]
) -> list[list[FundingShare]]:
    if not ids:
        return []
    rows = await session.scalars(
        select(FundingShare)
        .where(FundingShare.actor_id.in_(set(ids)))
        .order_by(*order_clauses(SHARE_ORDER))
    )
    return _many(ids, ((share.actor_id, share) for share in rows))


async def funding_totals_by_forum_codes(
    session: AsyncSession, codes: Sequence[str]
) -> list[Decimal]:
    """Sum of each forum's shares, as given (never rescaled to 100); 0 without shares."""
    if not codes:
        return []
    rows = await session.execute(
        select(FundingShare.forum_code, func.sum(FundingShare.share_pct))
        .where(FundingShare.forum_code.in_(set(codes)))
        .group_by(FundingShare.forum_code)
    )
    totals = {code: Decimal(total or 0) for code, total in rows}
    return [totals.get(code, Decimal(0)).quantize(PERCENT) for code in codes]


# --- events -------------------------------------------------------------------------


def _event_options() -> tuple[Any, ...]:
    return (
        selectinload(Event.hosts).selectinload(EventHost.actor),
        selectinload(Event.objectives),
    )


async def events_by_forum_codes(session: AsyncSession, codes: Sequence[str]) -> list[list[Event]]:
    if not codes:
        return []
    rows = await session.scalars(
        select(Event)
        .where(Event.forum_code.in_(set(codes)))
        .options(*_event_options())
        .order_by(*order_clauses(EVENT_ORDER))
    )
    return _many(codes, ((event.forum_code, event) for event in rows if event.forum_code))


# --- pledges ------------------------------------------------------------------------


async def _pledges_per(
    session: AsyncSession,
    owner: Any,
    wanted: Iterable[str],
    filters: PledgeFilter | None,
    limit: int,
) -> list[tuple[str, PledgeRow]]:
    """``(owner, pledge)`` pairs: at most ``limit`` pledges per owner, the earliest recorded
    first, matching ``filters``.

    ``owner`` is the column a pledge hangs from (its forum, its event, or one of its
    pledgers). The cut is made in SQL with ``row_number()`` over each owner, so a forum
    of 49,000 pledges costs the database ``limit`` rows, not all of them.
    """
    resolved = await pledge_service.resolve_filter(session, filters)
    ranked = pledge_service.apply_filter(
        select(
            owner.label("owner"),
            Pledge.id.label("pledge_id"),
            func.row_number().over(partition_by=owner, order_by=Pledge.id).label("rank"),
        ).where(owner.in_(set(wanted))),
        resolved,
    )
    if owner.class_ is PledgePledger:
        ranked = ranked.join_from(Pledge, PledgePledger, PledgePledger.pledge_id == Pledge.id)
    cut = ranked.subquery()
    statement = (
        pledge_service.READ_STATEMENT.add_columns(cut.c.owner)
        .join(cut, cut.c.pledge_id == Pledge.id)
        .where(cut.c.rank <= limit)
        .order_by(cut.c.owner, Pledge.id)
    )
    rows = (await session.execute(statement)).all()
    return list(
        zip((row.owner for row in rows), pledge_service.pledge_rows_from(rows), strict=True)
    )


async def pledges_by_forum_codes(
    session: AsyncSession,
    codes: Sequence[str],
    filters: PledgeFilter | None = None,
    limit: int = MAX_LIMIT,
) -> list[list[PledgeRow]]:
    """Pledges made to each forum (matching ``filters``), at most ``limit`` each, in id order."""
    if not codes:
        return []
    return _many(codes, await _pledges_per(session, Pledge.forum_code, codes, filters, limit))


async def pledges_by_event_ids(
    session: AsyncSession,
    ids: Sequence[str],
    filters: PledgeFilter | None = None,
    limit: int = MAX_LIMIT,
) -> list[list[PledgeRow]]:
    """Pledges announced at each event (matching ``filters``), at most ``limit`` each, in id
    order."""
    if not ids:
        return []
    return _many(ids, await _pledges_per(session, Pledge.event_id, ids, filters, limit))


async def pledges_by_actor_ids(
    session: AsyncSession,
    ids: Sequence[str],
    filters: PledgeFilter | None = None,
    limit: int = MAX_LIMIT,
) -> list[list[PledgeRow]]:
    """Pledges each actor made, alone or jointly (matching ``filters``), at most ``limit``
    each, in id order."""
    if not ids:
        return []
    return _many(ids, await _pledges_per(session, PledgePledger.actor_id, ids, filters, limit))


# --- citations and sources ----------------------------------------------------------


async def citations_by_facts(
    session: AsyncSession, facts: Sequence[tuple[Entity, str | int]]
) -> list[list[Citation]]:
    """The citations of each ``(kind, id)`` fact, any mix of kinds, in one statement."""
    if not facts:
        return []
    wanted: dict[Entity, set[str | int]] = defaultdict(set)
    for kind, fact_id in facts:
        wanted[kind].add(fact_id)
    columns = {kind: CITATION_COLUMN[kind] for kind in wanted}
    rows = await session.scalars(
        select(Citation)
        .where(or_(*(getattr(Citation, columns[kind]).in_(ids) for kind, ids in wanted.items())))
        .order_by(Citation.id)
    )
    pairs: list[tuple[tuple[Entity, str | int], Citation]] = []
    for citation in rows:
        for kind, column in columns.items():
            fact_id = getattr(citation, column)
            if fact_id is not None:
                pairs.append(((kind, fact_id), citation))
    return _many(facts, pairs)


async def citation_counts_by_source_ids(
    session: AsyncSession, ids: Sequence[str]
) -> list[dict[str, int]]:
    """For each source, how many facts of each kind cite it (``sources.citation_counts``)."""
    counts = await source_service.citation_counts(session, list(dict.fromkeys(ids)))
    return [dict(counts.get(source_id, {})) for source_id in ids]
