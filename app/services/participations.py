"""Participations: who holds which role in which forum, when, and how surely.

Invariants and conventions:

* Every participation carries the bounds of its start and end that the loader
  derived (``services.periods``, docs/time.md): the first day in the role lies in
  ``[start_earliest, start_latest]`` and the first day out of it (the exclusive end)
  in ``[end_earliest, end_latest]``; ``None`` is unbounded. ``start``/``end`` keep
  the dates as the documents state them.
* ``as_of=D`` keeps the claims that may be in effect on D, each labelled
  ``certain`` (every reading of its bounds covers D) or ``possible`` (some does);
  ``certainty=certain`` keeps only the sure ones, and its page says how many
  ``possible`` ones it left out. Without ``as_of`` there is no day to judge, so
  ``certainty`` is refused.
* An office recorded as vacant or undecided is a row with no actor and its
  ``holder_status``; it is answered like any other role.
* Disputed facts are kept as competing claims sharing a ``dispute`` key. ``as_of``
  returns every claim in effect on the day, each flagged and with its own
  certainty; ``disputed=false`` keeps only undisputed facts.
* Forum codes and actor ids resolve as ``services.references`` says (case,
  aliases; unknown ones refused); ``include_subforums`` widens forums to the
  forums under them.
* Lists are ordered by forum, role rank (chair, pro tempore presidency, co-chair,
  incoming chair, past chair, member, associate, observer, secretariat, ...;
  ``models.enums.ROLE_RANKS``), start (unknown first), actor (none first) and id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput, NotFound
from app.models import Actor, Citation, Participation
from app.models.enums import Certainty, Role
from app.schemas.actor import ROW_ACTOR_COLUMNS, RowActor
from app.schemas.filters import ParticipantFilter, ParticipationFilter
from app.schemas.participation import ParticipationRead
from app.services import periods, references
from app.services.forums import forum_code_of
from app.services.paging import (
    PageResult,
    SortKey,
    json_rows,
    left_out,
    order_clauses,
    paginate,
    total_of,
)
from app.services.sources import CITATION_JSON_COLUMNS, citations_in

PARTICIPATION_ORDER = (
    SortKey(Participation.forum_code),
    SortKey(Participation.role_rank),
    SortKey(Participation.start_date),
    SortKey(Participation.actor_id),
    SortKey(Participation.id),
)


def require_day(as_of: dt.date | None, certainty: Certainty | None) -> None:
    """``certainty`` judges rows on a day: refuse it without one rather than guess."""
    if certainty is not None and as_of is None:
        detail = "certainty needs as_of: a period is certain or possible on a given day."
        raise InvalidInput(
            detail,
            field="certainty",
            errors=[{"field": "certainty", "detail": detail, "requires": ["as_of"]}],
        )


def conditions(
    *,
    forums: Sequence[str] = (),
    actors: Sequence[str] = (),
    roles: Sequence[Role] = (),
    as_of: dt.date | None = None,
    certainty: Certainty | None = None,
    disputed: bool | None = None,
) -> list[ColumnElement[bool]]:
    """Conditions on ``participation`` for resolved codes (any of each list) and the rest;
    they serve the ORM statement (GraphQL) and the Core one (REST) alike."""
    require_day(as_of, certainty)
    conditions: list[ColumnElement[bool]] = []
    if forums:
        conditions.append(Participation.forum_code.in_(forums))
    if actors:
        conditions.append(Participation.actor_id.in_(actors))
    if roles:
        conditions.append(Participation.role.in_([r.value for r in roles]))
    if as_of is not None:
        conditions.append(periods.in_effect_on(as_of, certainty))
    if disputed is not None:
        conditions.append(
            Participation.dispute.is_not(None) if disputed else Participation.dispute.is_(None)
        )
    return conditions


Conditions = list[ColumnElement[bool]]


def judged(
    as_of: dt.date | None, certainty: Certainty | None, **criteria: Any
) -> tuple[Conditions, Conditions | None]:
    """``conditions(...)`` and, with ``certainty=certain``, the same with ``possible`` in its
    place: what a page counts to say how many rows it left out."""
    found = conditions(as_of=as_of, certainty=certainty, **criteria)
    if certainty is not Certainty.CERTAIN:
        return found, None
    return found, conditions(as_of=as_of, certainty=None, **criteria)


async def _filter_conditions(
    session: AsyncSession, filters: ParticipationFilter
) -> tuple[Conditions, Conditions | None]:
    return judged(
        filters.as_of,
        filters.certainty,
        forums=await references.forum_codes(
            session, filters.forum, include_subforums=filters.include_subforums
        ),
        actors=await references.actor_ids(session, filters.actor),
        roles=filters.role,
        disputed=filters.disputed,
    )


async def participations_of_actor(
    session: AsyncSession, actor_id: str, *, as_of: dt.date | None = None, lang: str = "en"
) -> list[ParticipationRead]:
    """Every role of one actor (those that may be in effect on ``as_of`` when given)."""
    statement = READ_STATEMENT.where(*conditions(actors=(actor_id,), as_of=as_of)).order_by(
        *order_clauses(PARTICIPATION_ORDER)
    )
    return [_read(row, lang, as_of) for row in await session.execute(statement)]


# --- the lean read path: Core rows straight into the read shapes ---------------------
#
# A page is one statement, and a count when the page cannot tell its total: the
# participation columns and its actor's (an outer join: a vacant office has none);
# REST adds its citations as a ``json_rows`` cell, GraphQL loads them only when a
# query asks. A profile of a forum's participants put about 60 % of the request in
# the ORM's selectin loading and instance building.

PARTICIPATION_TABLE = Participation.__table__
# A row of ``ROW_STATEMENT`` (or ``READ_STATEMENT``); columns by name through ``_mapping``.
ParticipationRow = Row[*tuple[Any, ...]]
ACTOR_TABLE = Actor.__table__
HOLDER = "holder_"  # the prefix of the actor's columns in a participation row
HOLDER_KEYS = tuple(f"{HOLDER}{column.name}" for column in ROW_ACTOR_COLUMNS)
ROW_STATEMENT = select(
    *PARTICIPATION_TABLE.c,
    Participation.role_rank,
    *(column.label(f"{HOLDER}{column.name}") for column in ROW_ACTOR_COLUMNS),
).select_from(
    PARTICIPATION_TABLE.outerjoin(ACTOR_TABLE, ACTOR_TABLE.c.id == PARTICIPATION_TABLE.c.actor_id)
)
READ_STATEMENT = ROW_STATEMENT.add_columns(
    select(json_rows(*CITATION_JSON_COLUMNS))
    .where(Citation.participation_id == PARTICIPATION_TABLE.c.id)
    .scalar_subquery()
    .label("citations_json"),
)


async def list_participation_rows(
    session: AsyncSession,
    filters: ParticipationFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[ParticipationRow]:
    """Participations matching ``filters``, a page of ``ROW_STATEMENT`` rows."""
    found, widened = await _filter_conditions(session, filters or ParticipationFilter())
    return await _row_page(
        session, ROW_STATEMENT, found, limit=limit, cursor=cursor, widened=widened
    )


async def _row_page(
    session: AsyncSession,
    statement: Select[Any],
    found: Sequence[ColumnElement[bool]],
    *,
    limit: int | None,
    cursor: str | None,
    widened: Sequence[ColumnElement[bool]] | None = None,
) -> PageResult[Any]:
    page = await paginate(
        session,
        statement.where(*found),
        order=PARTICIPATION_ORDER,
        limit=limit,
        cursor=cursor,
        rows=True,
        with_total=False,
    )
    # counted on the participation table alone: the join adds nothing to the number
    page.total = await total_of(
        session, select(Participation.id).where(*found), page, cursor=cursor
    )
    if widened is not None:
        await left_out(session, select(Participation.id).where(*widened), page)
    return page


async def list_participation_reads(
    session: AsyncSession,
    filters: ParticipationFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
    lang: str = "en",
) -> PageResult[ParticipationRead]:
    """Participations matching ``filters``, as read shapes (with their citations)."""
    filters = filters or ParticipationFilter()
    found, widened = await _filter_conditions(session, filters)
    return await _read_page(
        session, found, widened, limit=limit, cursor=cursor, lang=lang, as_of=filters.as_of
    )


async def list_participant_reads(
    session: AsyncSession,
    forum_code: str,
    filters: ParticipantFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
    lang: str = "en",
) -> PageResult[ParticipationRead]:
    """A forum's participants; 404 when the forum does not exist (code in any case or alias)."""
    filters = filters or ParticipantFilter()
    found, widened = judged(
        filters.as_of,
        filters.certainty,
        forums=(await forum_code_of(session, forum_code),),
        roles=filters.role,
        disputed=filters.disputed,
    )
    return await _read_page(
        session, found, widened, limit=limit, cursor=cursor, lang=lang, as_of=filters.as_of
    )


async def _read_page(
    session: AsyncSession,
    found: Sequence[ColumnElement[bool]],
    widened: Sequence[ColumnElement[bool]] | None,
    *,
    limit: int | None,
    cursor: str | None,
    lang: str,
    as_of: dt.date | None,
) -> PageResult[ParticipationRead]:
    page = await _row_page(
        session, READ_STATEMENT, found, limit=limit, cursor=cursor, widened=widened
    )
    return page.map(lambda row: _read(row, lang, as_of))


async def get_participation_row(session: AsyncSession, participation_id: int) -> ParticipationRow:
    """One participation as a ``ROW_STATEMENT`` row (GraphQL); ``participation_not_found``
    otherwise."""
    return await _one(session, ROW_STATEMENT, participation_id)


async def get_participation(
    session: AsyncSession, participation_id: int, *, lang: str = "en"
) -> ParticipationRead:
    """One participation with its citations, by the id lists and disputes name it."""
    return _read(await _one(session, READ_STATEMENT, participation_id), lang, None)


async def _one(
    session: AsyncSession, statement: Select[Any], participation_id: int
) -> ParticipationRow:
    found = await session.execute(statement.where(Participation.id == participation_id))
    row: ParticipationRow | None = found.first()
    if row is None:
        raise NotFound(
            f"No participation has the id {participation_id}.", code="participation_not_found"
        )
    return row


def holder_of(c: Mapping[Any, Any]) -> RowActor | None:
    """The actor of a ``ROW_STATEMENT`` row's mapping; None for a vacant office."""
    if c["actor_id"] is None:
        return None
    return RowActor.of([c[key] for key in HOLDER_KEYS])


def _read(row: Any, lang: str, as_of: dt.date | None) -> ParticipationRead:
    c = row._mapping
    holder = holder_of(c)
    actor = holder.ref(lang) if holder is not None else None
    citations = citations_in(c["citations_json"])
    return ParticipationRead.from_values(c, actor=actor, citations=citations, as_of=as_of)
