"""Actors: states and organisations.

``member_of`` finds actors holding the ``member`` role in *every* listed forum on
the ``as_of`` date (today when not given), using the participation rules of
``services.participations``. Each such actor carries a certainty: in one forum,
that of its surest membership claim (a disputed claim is sure only when its rival
claims are sure too, ``periods.settled_rank``); across forums, the weakest of
those. ``certainty=certain`` keeps only actors certain in every forum; without
``member_of`` there is nothing to judge, so ``certainty`` is refused. Lists are
ordered by id.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import InvalidInput, NotFound
from app.models import Actor, Participation
from app.models.enums import ActorKind, Certainty, Role
from app.services import periods
from app.services._query import PageResult, SortKey, paginate

ACTOR_ORDER = (SortKey(Actor.id),)


@dataclass
class ActorPage(PageResult[Actor]):
    """A page of actors; with ``member_of``, each actor's certainty on the day."""

    certainty: dict[str, Certainty] = field(default_factory=dict)


def _membership_rank(forum_code: str, day: dt.date) -> Select[str | None, int]:
    """Per actor, the rank of its surest ``member`` claim in ``forum_code`` on ``day``."""
    rank = func.max(periods.settled_rank(day))
    return (
        select(Participation.actor_id, rank.label("rank"))
        .where(
            Participation.forum_code == forum_code,
            Participation.role == Role.MEMBER,
            Participation.actor_id.is_not(None),
        )
        .group_by(Participation.actor_id)
    )


async def list_actors(
    session: AsyncSession,
    *,
    kind: ActorKind | None = None,
    member_of: Sequence[str] = (),
    as_of: dt.date | None = None,
    certainty: Certainty | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> ActorPage:
    if certainty is not None and not member_of:
        raise InvalidInput(
            "certainty applies to member_of: name the forums whose membership it judges.",
            field="certainty",
        )
    statement = select(Actor).options(selectinload(Actor.citations))
    if kind is not None:
        statement = statement.where(Actor.kind == kind)
    day = as_of or dt.date.today()
    forums = list(dict.fromkeys(member_of))
    needed = 2 if certainty is Certainty.CERTAIN else 1
    for forum_code in forums:
        ranks = _membership_rank(forum_code, day).subquery()
        statement = statement.where(
            Actor.id.in_(select(ranks.c.actor_id).where(ranks.c.rank >= needed))
        )
    page = await paginate(session, statement, order=ACTOR_ORDER, limit=limit, cursor=cursor)
    result = ActorPage(items=page.items, total=page.total, next_cursor=page.next_cursor)
    if forums and page.items:
        ids = [actor.id for actor in page.items]
        found: dict[str, list[Certainty | None]] = defaultdict(list)
        for forum_code in forums:
            rows = await session.execute(
                _membership_rank(forum_code, day).where(Participation.actor_id.in_(ids))
            )
            for actor_id, rank in rows:
                if actor_id is not None:
                    found[actor_id].append(periods.RANKED[int(rank)])
        for actor_id in ids:
            weakest = (
                periods.weakest(found[actor_id]) if len(found[actor_id]) == len(forums) else None
            )
            if weakest is not None:
                result.certainty[actor_id] = weakest
    return result


async def get_actor(session: AsyncSession, actor_id: str) -> Actor:
    actor = await session.scalar(
        select(Actor).where(Actor.id == actor_id).options(selectinload(Actor.citations))
    )
    if actor is None:
        raise NotFound(f"No actor has the id {actor_id!r}.", code="actor_not_found")
    return actor
