"""Actors: states and organisations.

``member_of`` finds actors holding the ``member`` role in *every* listed forum on
the ``as_of`` date (today when not given), using the participation rules of
``services.participations``. Lists are ordered by id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import NotFound
from app.models import Actor, Participation
from app.models.enums import ActorKind, Role
from app.services._query import PageResult, SortKey, paginate
from app.services.participations import in_effect_on

ACTOR_ORDER = (SortKey(Actor.id),)


async def list_actors(
    session: AsyncSession,
    *,
    kind: ActorKind | None = None,
    member_of: Sequence[str] = (),
    as_of: dt.date | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[Actor]:
    statement = select(Actor).options(selectinload(Actor.citations))
    if kind is not None:
        statement = statement.where(Actor.kind == kind)
    day = as_of or dt.date.today()
    for forum_code in dict.fromkeys(member_of):
        statement = statement.where(
            Actor.id.in_(
                select(Participation.actor_id).where(
                    Participation.forum_code == forum_code,
                    Participation.role == Role.MEMBER,
                    Participation.id.in_(in_effect_on(day)),
                )
            )
        )
    return await paginate(session, statement, order=ACTOR_ORDER, limit=limit, cursor=cursor)


async def get_actor(session: AsyncSession, actor_id: str) -> Actor:
    actor = await session.scalar(
        select(Actor).where(Actor.id == actor_id).options(selectinload(Actor.citations))
    )
    if actor is None:
        raise NotFound(f"No actor has the id {actor_id!r}.", code="actor_not_found")
    return actor
