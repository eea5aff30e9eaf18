"""GraphQL Participation type (an actor's role in a forum over time) and its root field."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from app.graphql.context import Info
from app.graphql.types import actor as actor_types
from app.graphql.types import forum as forum_types
from app.graphql.types.common import (
    After,
    Connection,
    First,
    list_connection,
    one_or_none,
    present,
)
from app.graphql.types.dispute import DISPUTE_OF_ROW, DisputeType, dispute_by_id
from app.graphql.types.filters import ParticipationFilterInput, to_filter
from app.graphql.types.source import CitationType, InferredValueType, citations_of, inferred_values
from app.models.enums import (
    BoundBasis,
    Certainty,
    DatePrecision,
    Entity,
    HolderStatus,
    Role,
)
from app.schemas.descriptions import (
    BOUND_BASIS,
    BOUNDS,
    CERTAINTY,
    CHAIR_OBJECTIVES,
    CHAIR_THEME,
    DEPARTMENTS,
    DISPUTE_KEY,
    DISPUTED,
    END_EARLIEST,
    END_LATEST,
    HOLDER_STATUS,
    INFERRED,
    LAST_CONFIRMED,
    LAST_CONFIRMED_SOURCE,
    ROLE_END,
    ROLE_START,
    START_EARLIEST,
    START_LATEST,
)
from app.schemas.filters import ParticipationFilter
from app.schemas.participation import shared_values
from app.services import participations as participation_service
from app.services.paging import DEFAULT_LIMIT
from app.services.participations import ParticipationRow

if TYPE_CHECKING:
    from app.graphql.types.actor import ActorType
    from app.graphql.types.forum import ForumType


@strawberry.type(name="Bound", description="One bound an answer was judged on, and why it holds.")
class BoundType:
    edge: str = strawberry.field(description="`start` or `end`.")
    side: str = strawberry.field(description="`not_before` or `not_after`.")
    day: dt.date
    basis: BoundBasis = strawberry.field(description=BOUND_BASIS)
    citations: list[CitationType]

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> BoundType:
        return cls(
            edge=value["edge"],
            side=value["side"],
            day=dt.date.fromisoformat(value["day"]),
            basis=BoundBasis(value["basis"]),
            citations=[CitationType.from_json(c) for c in value.get("citations", [])],
        )


@strawberry.type(
    name="Participation",
    description="An actor holding a role in a forum over a period (Popolo membership).",
)
class ParticipationType:
    id: int
    forum_code: str
    actor_id: str | None = strawberry.field(
        description="Null for a vacant or undecided office (see `holderStatus`)."
    )
    holder_status: HolderStatus = strawberry.field(description=HOLDER_STATUS)
    role: Role
    start: str | None = strawberry.field(description=ROLE_START)
    start_precision: DatePrecision | None
    start_date: dt.date | None = strawberry.field(description="First day of the start's period.")
    end: str | None = strawberry.field(description=ROLE_END)
    end_precision: DatePrecision | None
    end_date: dt.date | None = strawberry.field(description="First day of the end's period.")
    certainty: Certainty | None = strawberry.field(description=CERTAINTY)
    start_earliest: dt.date | None = strawberry.field(description=START_EARLIEST)
    start_latest: dt.date | None = strawberry.field(description=START_LATEST)
    end_earliest: dt.date | None = strawberry.field(description=END_EARLIEST)
    end_latest: dt.date | None = strawberry.field(description=END_LATEST)
    last_confirmed: dt.date | None = strawberry.field(description=LAST_CONFIRMED)
    last_confirmed_source: str | None = strawberry.field(description=LAST_CONFIRMED_SOURCE)
    bounds: list[BoundType] = strawberry.field(description=BOUNDS)
    disputed: bool = strawberry.field(description=DISPUTED)
    dispute_id: str | None = strawberry.field(description=DISPUTE_KEY)
    note: str | None
    theme: str | None = strawberry.field(description=CHAIR_THEME)
    objectives: list[str] = strawberry.field(description=CHAIR_OBJECTIVES)
    departments: list[str] = strawberry.field(description=DEPARTMENTS)

    holder: strawberry.Private[ActorType | None] = None

    inferred: list[InferredValueType] = strawberry.field(description=INFERRED)

    @classmethod
    def from_row(cls, row: ParticipationRow, as_of: dt.date | None = None) -> ParticipationType:
        """From a ``participations.ROW_STATEMENT`` row: the participation and its actor
        (enum columns come typed from the statement)."""
        c = row._mapping
        actor = participation_service.holder_of(c)
        holder = actor_types.ActorType.from_row_actor(actor) if actor is not None else None
        shared = shared_values(c, as_of)
        return cls(
            inferred=inferred_values(c["inferred"]),
            id=c["id"],
            forum_code=c["forum_code"],
            actor_id=c["actor_id"],
            holder=holder,
            start_date=c["start_date"],
            end_date=c["end_date"],
            bounds=[BoundType.from_json(b) for b in c["bounds"] or []],
            dispute_id=shared.pop("dispute"),
            **shared,
        )

    @strawberry.field(description="Who holds the role; null for a vacant or undecided office.")
    def actor(self) -> Annotated[ActorType, strawberry.lazy("app.graphql.types.actor")] | None:
        return self.holder

    @strawberry.field(description="Where the role is held.")
    async def forum(
        self, info: Info
    ) -> Annotated[ForumType, strawberry.lazy("app.graphql.types.forum")]:
        forum = await forum_types.forum_by_code(info, self.forum_code)
        return present(forum, f"forum {self.forum_code}")

    @strawberry.field(description=DISPUTE_OF_ROW)
    async def dispute(self, info: Info) -> DisputeType | None:
        return await dispute_by_id(info, self.dispute_id)

    @strawberry.field(description="The sources this fact rests on.")
    async def citations(self, info: Info) -> list[CitationType]:
        return await citations_of(info, Entity.PARTICIPATION, self.id)


@strawberry.type
class ParticipationQuery:
    @strawberry.field(
        description="One participation by id (as a dispute's `rows` name it); null with a "
        "`not_found` error when none has it."
    )
    async def participation(self, info: Info, id: int) -> ParticipationType | None:
        return await one_or_none(
            info,
            lambda session: participation_service.get_participation_row(session, id),
            ParticipationType.from_row,
        )

    @strawberry.field(
        description="Participations in every forum, ordered by forum, role rank (chair first), "
        "start, actor and id."
    )
    async def participations(
        self,
        info: Info,
        filter: ParticipationFilterInput | None = None,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> Connection[ParticipationType] | None:
        criteria = to_filter(ParticipationFilter, filter)
        return await list_connection(
            info,
            lambda session, limit: participation_service.list_participation_rows(
                session, criteria, limit=limit, cursor=after
            ),
            participation_service.PARTICIPATION_ORDER,
            lambda row: ParticipationType.from_row(row, criteria.as_of),
            first=first,
            after=after,
        )
