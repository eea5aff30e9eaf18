"""Actors: states and organisations.

Forum conditions on an actor list are read on the ``as_of`` day (today when not
given), with the participation rules of ``services.participations`` and
``services.periods``:

* ``member_of``: holds the ``member`` role in *every* listed forum. Each such
  actor carries a certainty: in one forum, that of its surest membership claim (a
  disputed claim is sure only when its rival claims are sure too,
  ``periods.settled_rank``); across forums, the weakest of those.
  ``certainty=certain`` keeps only actors certain in every forum; without
  ``member_of`` there is nothing to judge, so ``certainty`` is refused.
* ``not_member_of``: may hold it in *none* of them (a membership that is only
  possible on the day still excludes: the answer never claims more than it knows);
* ``has_role`` (``FORUM:ROLE``): may hold every listed role on the day.

``forum_role_conditions`` is the one place these are evaluated. Codes resolve as
``services.references`` says (case, aliases), and an unknown one is refused.
``q`` matches words in the id, English or Spanish name and short name, ignoring
case and accents. Lists are ordered by id.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import InvalidInput
from app.models import Actor, Participation
from app.models.enums import Certainty, Role
from app.schemas.filters import ActorFilter
from app.schemas.participation import ParticipationRead
from app.services import periods, references
from app.services._query import PageResult, SortKey, paginate
from app.services.participations import participations_of_actor

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


def _holding(forum_code: str, role: Role, day: dt.date) -> Any:
    """Ids of the actors that may hold ``role`` in ``forum_code`` on ``day``."""
    return select(Participation.actor_id).where(
        Participation.forum_code == forum_code,
        Participation.role == role,
        Participation.actor_id.is_not(None),
        periods.in_effect_on(day, None),
    )


async def forum_role_conditions(
    session: AsyncSession, filters: ActorFilter
) -> tuple[list[ColumnElement[bool]], list[str]]:
    """The actor conditions of ``member_of``, ``not_member_of`` and ``has_role`` on ``as_of``,
    and the ``member_of`` forums whose certainty each actor then carries."""
    day = filters.as_of or dt.date.today()
    needed = 2 if filters.certainty is Certainty.CERTAIN else 1
    conditions: list[ColumnElement[bool]] = []
    members_of = list(
        await references.forum_codes(session, filters.member_of, parameter="member_of")
    )
    for code in members_of:
        ranks = _membership_rank(code, day).subquery()
        conditions.append(Actor.id.in_(select(ranks.c.actor_id).where(ranks.c.rank >= needed)))
    for code in await references.forum_codes(
        session, filters.not_member_of, parameter="not_member_of"
    ):
        conditions.append(Actor.id.not_in(_holding(code, Role.MEMBER, day)))
    for claim in filters.has_role:
        forum, _, role = claim.rpartition(":")
        (code,) = await references.forum_codes(session, [forum], parameter="has_role")
        conditions.append(Actor.id.in_(_holding(code, Role(role), day)))
    return conditions, members_of


async def _matching_words(session: AsyncSession, q: str) -> list[str]:
    rows = await session.execute(select(Actor.id, Actor.name, Actor.name_es, Actor.short_name))
    return [row.id for row in rows if references.matches_words(q, *row)]


async def list_actors(
    session: AsyncSession,
    filters: ActorFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> ActorPage:
    filters = filters or ActorFilter()
    if filters.certainty is not None and not filters.member_of:
        detail = "certainty applies to member_of: name the forums whose membership it judges."
        raise InvalidInput(
            detail,
            field="certainty",
            errors=[{"field": "certainty", "detail": detail, "requires": ["member_of"]}],
        )
    statement = select(Actor).options(selectinload(Actor.citations))
    if filters.kind:
        statement = statement.where(Actor.kind.in_(filters.kind))
    if filters.exclude_kind:
        statement = statement.where(Actor.kind.not_in(filters.exclude_kind))
    conditions, forums = await forum_role_conditions(session, filters)
    statement = statement.where(*conditions)
    if filters.q is not None:
        statement = statement.where(Actor.id.in_(await _matching_words(session, filters.q)))
    page = await paginate(session, statement, order=ACTOR_ORDER, limit=limit, cursor=cursor)
    result = ActorPage(items=page.items, total=page.total, next_cursor=page.next_cursor)
    day = filters.as_of or dt.date.today()
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


@dataclass(frozen=True)
class ActorWithRoles:
    actor: Actor
    participations: list[ParticipationRead] | None


async def get_actor_with_roles(
    session: AsyncSession,
    actor_id: str,
    *,
    participations: bool = False,
    as_of: dt.date | None = None,
    lang: str = "en",
) -> ActorWithRoles:
    """One actor (as ``get_actor`` finds it) and, when asked, its roles on ``as_of``."""
    actor = await get_actor(session, actor_id)
    roles = (
        await participations_of_actor(session, actor.id, as_of=as_of, lang=lang)
        if participations
        else None
    )
    return ActorWithRoles(actor=actor, participations=roles)


async def get_actor(session: AsyncSession, actor_id: str) -> Actor:
    """One actor by id (any case) or short name; ``actor_not_found`` otherwise."""
    statement = select(Actor).options(selectinload(Actor.citations))
    actor = await session.scalar(statement.where(Actor.id == actor_id))
    if actor is None and (found := await references.actor_id(session, actor_id)) is not None:
        actor = await session.scalar(statement.where(Actor.id == found))
    if actor is None:
        raise await references.missing(session, "actor", actor_id, parameter="actor_id")
    return actor
