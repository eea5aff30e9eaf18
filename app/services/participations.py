"""Participations: who holds which role in which forum, when.

Invariants and conventions:

* A period includes its start date and excludes its end date; ``end_date`` NULL
  means the role is current (or its end is not stated).
* A NULL ``start_date`` means the sources do not say when the role began; for
  ``as_of`` it is taken as the forum's founding date (or as always, when that too
  is unknown), so a member never predates its forum. Likewise a NULL
  ``end_date`` on a forum that has ended (CIREFCA, CEAM) ends with the forum.
* Month- and year-precision dates are stored as the first day of the period and
  compared as such: a member "since 2017" is a member on any day of 2017.
* Disputed facts are kept as competing claims sharing a ``dispute`` key. ``as_of``
  returns every claim in effect on the day, each flagged; ``disputed=false``
  keeps only undisputed facts.
* Lists are ordered by forum, role, start (unknown first), actor and id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from app.models import Forum, Participation
from app.models.enums import Role
from app.services._query import PageResult, SortKey, paginate
from app.services.forums import get_forum

PARTICIPATION_ORDER = (
    SortKey(Participation.forum_code),
    SortKey(Participation.role),
    SortKey(Participation.start_date),
    SortKey(Participation.actor_id),
    SortKey(Participation.id),
)


def in_effect_on(as_of: dt.date) -> Select[Any]:
    """Participation ids in effect on ``as_of`` (see the module docstring)."""
    forum = aliased(Forum)
    effective_start = func.coalesce(Participation.start_date, forum.founded_date)
    effective_end = func.coalesce(Participation.end_date, forum.ended_date)
    return (
        select(Participation.id)
        .join(forum, forum.code == Participation.forum_code)
        .where(
            or_(effective_start.is_(None), effective_start <= as_of),
            or_(effective_end.is_(None), effective_end > as_of),
        )
    )


def filtered(
    *,
    forum: str | None = None,
    actor: str | None = None,
    roles: Sequence[Role] = (),
    as_of: dt.date | None = None,
    disputed: bool | None = None,
) -> Select[Any]:
    statement = select(Participation)
    conditions = []
    if forum is not None:
        conditions.append(Participation.forum_code == forum)
    if actor is not None:
        conditions.append(Participation.actor_id == actor)
    if roles:
        conditions.append(Participation.role.in_([r.value for r in roles]))
    if as_of is not None:
        conditions.append(Participation.id.in_(in_effect_on(as_of)))
    if disputed is not None:
        conditions.append(
            Participation.dispute.is_not(None) if disputed else Participation.dispute.is_(None)
        )
    return statement.where(and_(*conditions)) if conditions else statement


async def list_participations(
    session: AsyncSession,
    *,
    forum: str | None = None,
    actor: str | None = None,
    roles: Sequence[Role] = (),
    as_of: dt.date | None = None,
    disputed: bool | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[Participation]:
    statement = filtered(
        forum=forum, actor=actor, roles=roles, as_of=as_of, disputed=disputed
    ).options(selectinload(Participation.actor), selectinload(Participation.citations))
    return await paginate(session, statement, order=PARTICIPATION_ORDER, limit=limit, cursor=cursor)


async def list_participants(
    session: AsyncSession,
    *,
    forum_code: str,
    as_of: dt.date | None = None,
    roles: Sequence[Role] = (),
    disputed: bool | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[Participation]:
    """A forum's participants; 404 when the forum does not exist."""
    await get_forum(session, forum_code)
    return await list_participations(
        session,
        forum=forum_code,
        roles=roles,
        as_of=as_of,
        disputed=disputed,
        limit=limit,
        cursor=cursor,
    )
