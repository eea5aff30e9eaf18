"""GraphQL Participation type (an actor's role in a forum over time) and its root field."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.types import actor as actor_types
from app.graphql.types import forum as forum_types
from app.graphql.types.common import (
    After,
    Connection,
    First,
    connection,
    page_size,
    precision,
    present,
)
from app.graphql.types.filters import ParticipationFilterInput
from app.graphql.types.source import CitationType, citations_of
from app.models import Participation
from app.models.enums import DatePrecision, Entity, Role
from app.schemas.dates import format_partial
from app.schemas.descriptions import DISPUTE_KEY, DISPUTED, ROLE_END, ROLE_START
from app.services import participations as participation_service
from app.services._query import DEFAULT_LIMIT

if TYPE_CHECKING:
    from app.graphql.types.actor import ActorType
    from app.graphql.types.forum import ForumType


@strawberry.type(
    name="Participation",
    description="An actor holding a role in a forum over a period (Popolo membership).",
)
class ParticipationType:
    id: int
    forum_code: str
    actor_id: str
    role: Role
    start: str | None = strawberry.field(description=ROLE_START)
    start_precision: DatePrecision | None
    start_date: dt.date | None = strawberry.field(description="First day of the start's period.")
    end: str | None = strawberry.field(description=ROLE_END)
    end_precision: DatePrecision | None
    end_date: dt.date | None = strawberry.field(description="First day of the end's period.")
    disputed: bool = strawberry.field(description=DISPUTED)
    dispute: str | None = strawberry.field(description=DISPUTE_KEY)
    note: str | None

    @classmethod
    def from_model(cls, row: Participation) -> ParticipationType:
        return cls(
            id=row.id,
            forum_code=row.forum_code,
            actor_id=row.actor_id,
            role=Role(row.role),
            start=format_partial(row.start_date, row.start_precision),
            start_precision=precision(row.start_precision),
            start_date=row.start_date,
            end=format_partial(row.end_date, row.end_precision),
            end_precision=precision(row.end_precision),
            end_date=row.end_date,
            disputed=row.dispute is not None,
            dispute=row.dispute,
            note=row.note,
        )

    @strawberry.field(description="Who holds the role.")
    async def actor(
        self, info: Info
    ) -> Annotated[ActorType, strawberry.lazy("app.graphql.types.actor")]:
        actor = await info.context.loaders.actor.load(self.actor_id)
        return actor_types.ActorType.from_model(present(actor, f"actor {self.actor_id}"))

    @strawberry.field(description="Where the role is held.")
    async def forum(
        self, info: Info
    ) -> Annotated[ForumType, strawberry.lazy("app.graphql.types.forum")]:
        forum = await info.context.loaders.forum.load(self.forum_code)
        return forum_types.ForumType.from_model(present(forum, f"forum {self.forum_code}"))

    @strawberry.field(description="The sources this fact rests on.")
    async def citations(self, info: Info) -> list[CitationType]:
        return await citations_of(info, Entity.PARTICIPATION, self.id)


@strawberry.type
class ParticipationQuery:
    @strawberry.field(
        description="Participations in every forum, ordered by forum, role, start, actor and id."
    )
    async def participations(
        self,
        info: Info,
        filter: ParticipationFilterInput | None = None,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> Connection[ParticipationType] | None:
        criteria = filter or ParticipationFilterInput()
        async with info.context.db() as session:
            page = await participation_service.list_participations(
                session,
                forum=criteria.forum,
                actor=criteria.actor,
                roles=criteria.role,
                as_of=criteria.as_of,
                disputed=criteria.disputed,
                limit=page_size(first),
                cursor=after,
            )
        return connection(
            page,
            participation_service.PARTICIPATION_ORDER,
            ParticipationType.from_model,
            after=after,
        )
