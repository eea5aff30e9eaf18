"""Actors: states and organisations.

Forum conditions on an actor list are read on the ``as_of`` day (today when not
given), with the participation rules of ``services.participations`` and
``services.periods``:

* ``member_of``: holds the ``member`` role in *every* listed forum;
* ``has_role`` (``FORUM:ROLE``): holds every listed role;
* ``not_member_of``: may hold the ``member`` role in *none* of the listed forums (a
  membership that is only possible on the day still excludes: the answer never
  claims more than it knows), so it never weakens a row's certainty.

Each ``member_of`` forum and each ``has_role`` claim is one ``RoleCondition``. An
actor meeting it does so as surely as its surest claim to that role (a disputed
claim is sure only when its rival claims are sure too, ``periods.settled_rank``).
A row's ``certainty`` is the weakest over every condition it met, and
``certainty_set_by`` names the conditions at that weakest level, so "a certain
member of MIRPS, a possible GCM champion" answers ``possible``, set by
``has_role=GCM:champion``. ``conditions_met`` gives every condition with its own
certainty and the disputes (ids) over the claims that meet it, so a disputed
membership never turns ``possible`` without saying why. ``certainty=certain`` keeps only the actors certain
under every condition. It needs ``as_of`` (a certainty is judged on a stated day,
as everywhere else) and a condition to judge; without either it is refused.

``role_conditions`` is the one place these are resolved. Codes resolve as
``services.references`` says (case, aliases), and an unknown one is refused.
``q`` matches words in the id, English or Spanish name and short name, ignoring
case and accents. Lists are ordered by id.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import InvalidInput
from app.models import Actor, Participation
from app.models.enums import Certainty, Role
from app.schemas.actor import ConditionMetRead
from app.schemas.filters import EVER, ActorFilter, When, join_when, split_when
from app.schemas.participation import ParticipationRead
from app.services import periods, references
from app.services.paging import FilterNote, PageResult, SortKey, left_out, paginate
from app.services.participations import participations_of_actor

ACTOR_ORDER = (SortKey(Actor.id),)


@dataclass(frozen=True)
class RoleCondition:
    """One condition of an actor list that a row meets more or less surely: holding
    ``role`` in ``forum_code`` on the day. ``parameter`` and ``value`` say it as the
    filter does (``member_of`` ``MIRPS``; ``has_role`` ``GCM:champion``), codes resolved."""

    parameter: str
    value: str
    forum_code: str
    role: Role
    when: When | None = None  # its own time (``@ever``, ``@1989-05-30``); else ``as_of``

    def day(self, as_of: dt.date) -> dt.date | None:
        """The day this condition is judged on; None when judged over all time (``@ever``)."""
        if self.when == EVER:
            return None
        return self.when if isinstance(self.when, dt.date) else as_of


@dataclass
class ActorPage(PageResult[Actor]):
    """A page of actors; with ``member_of`` or ``has_role``, each actor's certainty on the
    day and the conditions that set it."""

    certainty: dict[str, Certainty] = field(default_factory=dict)
    certainty_set_by: dict[str, list[RoleCondition]] = field(default_factory=dict)
    met: dict[str, list[ConditionMetRead]] = field(default_factory=dict)

    def conditions_met(self, actor_id: str) -> list[ConditionMetRead] | None:
        """Each condition ``actor_id`` met, with its certainty and disputes, if judged."""
        return self.met.get(actor_id)

    def conditions_setting(self, actor_id: str) -> list[tuple[str, str]] | None:
        """(parameter, value) of the conditions that set ``actor_id``'s certainty, if any."""
        found = self.certainty_set_by.get(actor_id)
        return None if found is None else [(c.parameter, c.value) for c in found]


def _role_rank(condition: RoleCondition, as_of: dt.date) -> Select[str | None, int]:
    """Per actor, the rank of its surest claim to ``condition`` on its day (``as_of``
    unless it has its own) (2 certain, 1 possible, 0 not in effect). Over all time
    (``@ever``) every claim is certain: each row says the role was held at some time."""
    day = condition.day(as_of)
    rank = func.max(literal(2) if day is None else periods.settled_rank(day))
    return (
        select(Participation.actor_id, rank.label("rank"))
        .where(
            Participation.forum_code == condition.forum_code,
            Participation.role == condition.role,
            Participation.actor_id.is_not(None),
        )
        .group_by(Participation.actor_id)
    )


def _holding(forum_code: str, role: Role, day: dt.date | None) -> Any:
    """Ids of the actors that may hold ``role`` in ``forum_code`` on ``day`` (at any time
    when None)."""
    return select(Participation.actor_id).where(
        Participation.forum_code == forum_code,
        Participation.role == role,
        Participation.actor_id.is_not(None),
        periods.in_effect_on(day, None) if day is not None else true(),
    )


async def _timed_forums(
    session: AsyncSession, values: Sequence[str], parameter: str
) -> list[tuple[str, When | None]]:
    """Each ``FORUM[@when]`` with its forum resolved (``services.references``)."""
    split = [split_when(value) for value in values]
    codes = await references.forum_codes(session, [code for code, _ in split], parameter=parameter)
    if len(codes) != len(split):  # two names of one forum: resolve them one by one
        codes = tuple(
            [
                (await references.forum_codes(session, [code], parameter=parameter))[0]
                for code, _ in split
            ]
        )
    return [(code, when) for code, (_, when) in zip(codes, split, strict=True)]


async def role_conditions(session: AsyncSession, filters: ActorFilter) -> list[RoleCondition]:
    """The ``member_of`` forums and ``has_role`` claims, resolved, in the order given,
    each with its own time when it states one."""
    conditions = [
        RoleCondition("member_of", join_when(code, when), code, Role.MEMBER, when)
        for code, when in await _timed_forums(session, filters.member_of, "member_of")
    ]
    for claim in filters.has_role:
        bare, when = split_when(claim)
        forum, _, role = bare.rpartition(":")
        (code,) = await references.forum_codes(session, [forum], parameter="has_role")
        conditions.append(
            RoleCondition("has_role", join_when(f"{code}:{role}", when), code, Role(role), when)
        )
    return list(dict.fromkeys(conditions))


def _refuse_unjudged(filters: ActorFilter) -> None:
    """``certainty`` judges the role conditions on ``as_of``: refuse it without either."""
    problems: list[dict[str, object]] = []
    timed = all(
        split_when(value)[1] is not None for value in (*filters.member_of, *filters.has_role)
    )
    if filters.as_of is None and not (timed and (filters.member_of or filters.has_role)):
        problems.append(
            {
                "field": "certainty",
                "detail": "certainty needs as_of: a role is certain or possible on a given day.",
                "requires": ["as_of"],
            }
        )
    if not filters.member_of and not filters.has_role:
        problems.append(
            {
                "field": "certainty",
                "detail": "certainty judges member_of and has_role: name the forums or roles "
                "it judges.",
                "requires": ["member_of", "has_role"],
            }
        )
    if problems:
        detail = " ".join(str(problem["detail"]) for problem in problems)
        raise InvalidInput(detail, field="certainty", errors=problems)


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
    if filters.certainty is not None:
        _refuse_unjudged(filters)
    day = filters.as_of or dt.date.today()
    statement = select(Actor).options(selectinload(Actor.citations))
    if filters.kind:
        statement = statement.where(Actor.kind.in_(filters.kind))
    if filters.exclude_kind:
        statement = statement.where(Actor.kind.not_in(filters.exclude_kind))
    for code, when in await _timed_forums(session, filters.not_member_of, "not_member_of"):
        held_on = RoleCondition("not_member_of", code, code, Role.MEMBER, when).day(day)
        statement = statement.where(Actor.id.not_in(_holding(code, Role.MEMBER, held_on)))
    if filters.q is not None:
        statement = statement.where(Actor.id.in_(await _matching_words(session, filters.q)))
    conditions = await role_conditions(session, filters)
    sure = filters.certainty is Certainty.CERTAIN
    page = await paginate(
        session,
        _meeting(statement, conditions, day, sure=sure),
        order=ACTOR_ORDER,
        limit=limit,
        cursor=cursor,
    )
    if sure:
        await left_out(session, _meeting(statement, conditions, day, sure=False), page)
    result = ActorPage(
        items=page.items,
        total=page.total,
        next_cursor=page.next_cursor,
        possible_left_out=page.possible_left_out,
    )
    if conditions and page.items:
        await _judge(session, result, conditions, day)
    if conditions and not page.total:
        result.notes = await _notes(session, conditions, day)
    return result


async def _notes(
    session: AsyncSession, conditions: list[RoleCondition], as_of: dt.date
) -> list[FilterNote]:
    """A note for each condition judged on a day when no actor held its role, though the
    forum records holders of it at other times: an empty answer says why."""
    notes: list[FilterNote] = []
    for condition in conditions:
        day = condition.day(as_of)
        if day is None:
            continue
        held = (
            select(Participation.id)
            .where(
                Participation.forum_code == condition.forum_code,
                Participation.role == condition.role,
                Participation.actor_id.is_not(None),
            )
            .limit(1)
        )
        if await session.scalar(held.where(periods.in_effect_on(day, None))) is not None:
            continue
        if await session.scalar(held) is None:
            continue
        span = (
            await session.execute(
                select(
                    func.min(Participation.start_earliest),
                    func.max(Participation.end_latest),
                    func.count(Participation.id) - func.count(Participation.end_latest),
                ).where(
                    Participation.forum_code == condition.forum_code,
                    Participation.role == condition.role,
                    Participation.actor_id.is_not(None),
                )
            )
        ).one()
        earliest, latest, open_ended = span
        notes.append(
            FilterNote(
                parameter=condition.parameter,
                value=condition.value,
                day=day,
                earliest=earliest,
                latest=None if open_ended else latest,
            )
        )
    return notes


def _meeting(
    statement: Select[Any], conditions: list[RoleCondition], day: dt.date, *, sure: bool
) -> Select[Any]:
    """``statement`` narrowed to the actors meeting every condition on ``day``: surely with
    ``sure``, possibly otherwise."""
    for condition in conditions:
        ranks = _role_rank(condition, day).subquery()
        statement = statement.where(
            Actor.id.in_(select(ranks.c.actor_id).where(ranks.c.rank >= (2 if sure else 1)))
        )
    return statement


async def _judge(
    session: AsyncSession, page: ActorPage, conditions: list[RoleCondition], day: dt.date
) -> None:
    """Each actor's certainty on ``day``: the weakest over ``conditions``, and which set it."""
    ids = [actor.id for actor in page.items]
    met: dict[str, dict[RoleCondition, Certainty | None]] = defaultdict(dict)
    disputed: dict[tuple[str, RoleCondition], set[str]] = defaultdict(set)
    for condition in conditions:
        rows = await session.execute(
            _role_rank(condition, day).where(Participation.actor_id.in_(ids))
        )
        for actor_id, rank in rows:
            if actor_id is not None:
                met[actor_id][condition] = periods.RANKED[int(rank)]
        claims = await session.execute(
            select(Participation.actor_id, Participation.dispute).where(
                Participation.forum_code == condition.forum_code,
                Participation.role == condition.role,
                Participation.actor_id.in_(ids),
                Participation.dispute.is_not(None),
                periods.in_effect_on(day, None),
            )
        )
        for actor_id, dispute in claims:
            if actor_id is not None and dispute is not None:
                disputed[(actor_id, condition)].add(dispute)
    for actor_id in ids:
        found = [met[actor_id].get(condition) for condition in conditions]
        page.met[actor_id] = [
            ConditionMetRead.trusted(
                parameter=condition.parameter,
                value=condition.value,
                certainty=certainty,
                disputes=sorted(disputed.get((actor_id, condition), ())),
            )
            for condition, certainty in zip(conditions, found, strict=True)
        ]
        weakest = periods.weakest(found)
        if weakest is not None:
            page.certainty[actor_id] = weakest
            page.certainty_set_by[actor_id] = [
                condition
                for condition, certainty in zip(conditions, found, strict=True)
                if certainty is weakest
            ]


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
