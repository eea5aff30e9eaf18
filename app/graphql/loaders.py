"""Per-request DataLoaders over the batch functions of ``services.relations``.

One ``Loaders`` is built for each request (``context_getter``), so nothing is
cached across requests or users. Every loader collects the keys a response level
asks for, calls one service batch function with the session borrowed for that
call only, and hands back its results in key order (``None`` or ``[]`` where
nothing is related), which is the contract of ``services.relations``.

A relation with arguments (``Forum.participants(asOf, role)``) is keyed by
``(key, arguments)``: keys sharing arguments are fetched together, and two
selections with different arguments never share a cached result.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from app.models import (
    Actor,
    Citation,
    Dispute,
    Event,
    Forum,
    FundingShare,
    MoneyRecord,
    Source,
)
from app.models.enums import Certainty, Entity, Role
from app.schemas.filters import PledgeFilter
from app.schemas.programme import ProgrammeRead
from app.services import disputes, money_records, programmes, relations
from app.services.participations import ParticipationRow
from app.services.pledges import PledgeRow

K = TypeVar("K", bound=Hashable)
A = TypeVar("A", bound=Hashable)
R = TypeVar("R")

NestedPledges = tuple[PledgeFilter, int]
"""A nested pledge list's arguments: its filter and how many per parent (``first``)."""

SessionScope = Callable[[], AbstractAsyncContextManager[AsyncSession]]
Fact = tuple[Entity, str | int]


@dataclass(frozen=True)
class ParticipationArgs:
    """Arguments of ``participants``/``participations``; part of the loader key."""

    as_of: dt.date | None = None
    roles: tuple[Role, ...] = ()
    certainty: Certainty | None = None
    disputed: bool | None = None
    forums: tuple[str, ...] = ()


class Loaders:
    """One request's DataLoaders, each made on first use: a request touches a few of
    nineteen, and making them all cost a one-pledge query about a seventh of its time."""

    def __init__(self, db: SessionScope) -> None:
        self._db = db

    @cached_property
    def forum(self) -> DataLoader[str, Forum | None]:
        return self._plain(relations.forums_by_codes)

    @cached_property
    def actor(self) -> DataLoader[str, Actor | None]:
        return self._plain(relations.actors_by_ids)

    @cached_property
    def event(self) -> DataLoader[str, Event | None]:
        return self._plain(relations.events_by_ids)

    @cached_property
    def source(self) -> DataLoader[str, Source | None]:
        return self._plain(relations.sources_by_ids)

    @cached_property
    def dispute(self) -> DataLoader[str, tuple[Dispute, disputes.DisputedRows] | None]:
        return self._plain(disputes.disputes_by_ids)

    @cached_property
    def children(self) -> DataLoader[str, list[Forum]]:
        return self._plain(relations.children_by_forum_codes)

    @cached_property
    def funding_shares_by_forum(self) -> DataLoader[str, list[FundingShare]]:
        return self._plain(relations.funding_shares_by_forum_codes)

    @cached_property
    def funding_shares_by_actor(self) -> DataLoader[str, list[FundingShare]]:
        return self._plain(relations.funding_shares_by_actor_ids)

    @cached_property
    def funding_total(self) -> DataLoader[str, Decimal]:
        return self._plain(relations.funding_totals_by_forum_codes)

    @cached_property
    def events_by_forum(self) -> DataLoader[str, list[Event]]:
        return self._plain(relations.events_by_forum_codes)

    @cached_property
    def money_records_by_forum(self) -> DataLoader[str, list[MoneyRecord]]:
        return self._plain(money_records.money_records_by_forum_codes)

    @cached_property
    def money_records_by_programme(self) -> DataLoader[tuple[str, bool], list[MoneyRecord]]:
        return self._with_args(money_records.money_records_by_programme_ids)

    @cached_property
    def programmes_by_forum(self) -> DataLoader[str, list[ProgrammeRead]]:
        return self._plain(programmes.programmes_by_forum_codes)

    @cached_property
    def citations(self) -> DataLoader[Fact, list[Citation]]:
        return self._plain(relations.citations_by_facts)

    @cached_property
    def cited_by(self) -> DataLoader[str, dict[str, int]]:
        return self._plain(relations.citation_counts_by_source_ids)

    @cached_property
    def participations_by_forum(
        self,
    ) -> DataLoader[tuple[str, ParticipationArgs], list[ParticipationRow]]:
        return self._with_args(
            lambda session, codes, args: relations.participations_by_forum_codes(
                session,
                codes,
                as_of=args.as_of,
                roles=args.roles,
                certainty=args.certainty,
                disputed=args.disputed,
            )
        )

    @cached_property
    def participations_by_actor(
        self,
    ) -> DataLoader[tuple[str, ParticipationArgs], list[ParticipationRow]]:
        return self._with_args(
            lambda session, ids, args: relations.participations_by_actor_ids(
                session,
                ids,
                forums=args.forums,
                as_of=args.as_of,
                roles=args.roles,
                certainty=args.certainty,
                disputed=args.disputed,
            )
        )

    @cached_property
    def pledges_by_forum(self) -> DataLoader[tuple[str, NestedPledges], list[PledgeRow]]:
        return self._with_args(
            lambda session, keys, args: relations.pledges_by_forum_codes(session, keys, *args)
        )

    @cached_property
    def pledges_by_actor(self) -> DataLoader[tuple[str, NestedPledges], list[PledgeRow]]:
        return self._with_args(
            lambda session, keys, args: relations.pledges_by_actor_ids(session, keys, *args)
        )

    @cached_property
    def pledges_by_event(self) -> DataLoader[tuple[str, NestedPledges], list[PledgeRow]]:
        return self._with_args(
            lambda session, keys, args: relations.pledges_by_event_ids(session, keys, *args)
        )

    def _plain(
        self, fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[Sequence[R]]]
    ) -> DataLoader[K, R]:
        async def load(keys: list[K]) -> Sequence[R]:
            async with self._db() as session:
                return await fetch(session, keys)

        return DataLoader(load_fn=load)

    def _with_args(
        self, fetch: Callable[[AsyncSession, Sequence[K], A], Awaitable[Sequence[R]]]
    ) -> DataLoader[tuple[K, A], R]:
        async def load(keys: list[tuple[K, A]]) -> list[R]:
            groups: dict[A, list[K]] = defaultdict(list)
            for key, args in keys:
                groups[args].append(key)
            found: dict[tuple[K, A], R] = {}
            for args, group in groups.items():
                async with self._db() as session:
                    results = await fetch(session, group, args)
                found.update(zip(((key, args) for key in group), results, strict=True))
            return [found[key] for key in keys]

        return DataLoader(load_fn=load)
