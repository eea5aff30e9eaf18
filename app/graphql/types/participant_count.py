"""GraphQL type and root field for counts of participants the documents do not name,
built from the read shape REST returns."""

from __future__ import annotations

import strawberry

from app.graphql.context import Info
from app.graphql.types.common import (
    After,
    Connection,
    First,
    list_connection,
)
from app.graphql.types.filters import (
    ParticipantCountFilterInput,
    to_filter,
)
from app.graphql.types.source import (
    CitationType,
    InferredValueType,
    citation_types,
    inferred_values,
)
from app.models import ParticipantCount
from app.models.enums import (
    ActorKind,
    Role,
)
from app.schemas.descriptions import INFERRED
from app.schemas.filters import (
    ParticipantCountFilter,
)
from app.schemas.governance import ParticipantCountRead
from app.services import governance as governance_service
from app.services.paging import DEFAULT_LIMIT


@strawberry.type(name="ParticipantCount", description="How many unnamed actors held a role.")
class ParticipantCountType:
    id: str
    forum_code: str | None
    event_id: str | None
    role: Role
    actor_kind: ActorKind | None
    count: int | None = strawberry.field(description="Null when the source says only 'many'.")
    reported: str | None
    description: str
    citations: list[CitationType]

    inferred: list[InferredValueType] = strawberry.field(description=INFERRED)

    @classmethod
    def from_model(cls, row: ParticipantCount) -> ParticipantCountType:
        read = ParticipantCountRead.from_model(row)
        return cls(
            inferred=inferred_values(read.inferred),
            id=read.id,
            forum_code=read.forum,
            event_id=read.event,
            role=read.role,
            actor_kind=read.actor_kind,
            count=read.count,
            reported=read.reported,
            description=read.description,
            citations=citation_types(read.citations),
        )


@strawberry.type
class ParticipantCountQuery:
    @strawberry.field(description="Counts of participants the documents do not name, by id.")
    async def participant_counts(
        self,
        info: Info,
        filter: ParticipantCountFilterInput | None = None,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> Connection[ParticipantCountType] | None:
        criteria = to_filter(ParticipantCountFilter, filter)
        return await list_connection(
            info,
            lambda session, limit: governance_service.list_participant_counts(
                session, criteria, limit=limit, cursor=after
            ),
            governance_service.COUNT_ORDER,
            ParticipantCountType.from_model,
            first=first,
            after=after,
        )
