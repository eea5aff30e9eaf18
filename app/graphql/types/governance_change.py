"""GraphQL types and root field for dated changes in how forums are run, with each role's
duties, built from the read shape REST returns."""

from __future__ import annotations

import datetime as dt

import strawberry

from app.graphql.context import Info
from app.graphql.types.common import (
    After,
    Connection,
    First,
    list_connection,
)
from app.graphql.types.filters import (
    GovernanceChangeFilterInput,
    to_filter,
)
from app.graphql.types.source import (
    CitationType,
    InferredValueType,
    citation_types,
    inferred_values,
)
from app.models import GovernanceChange
from app.models.enums import (
    Role,
)
from app.schemas.descriptions import INFERRED
from app.schemas.filters import (
    GovernanceChangeFilter,
)
from app.schemas.governance import GovernanceChangeRead
from app.services import governance as governance_service
from app.services.paging import DEFAULT_LIMIT


@strawberry.type(name="Duty", description="What a governance change asks of a role.")
class DutyType:
    role: Role
    duty: str


@strawberry.type(name="GovernanceChange", description="A dated change in how a forum is run.")
class GovernanceChangeType:
    id: str
    forum_code: str
    name: str
    introduced: str | None
    earliest: dt.date | None = strawberry.field(description="First day it may have come in.")
    latest: dt.date | None = strawberry.field(description="Last day it may have come in.")
    introduced_by_id: str | None
    duties: list[DutyType]
    description: str
    citations: list[CitationType]

    inferred: list[InferredValueType] = strawberry.field(description=INFERRED)

    @classmethod
    def from_model(cls, change: GovernanceChange) -> GovernanceChangeType:
        read = GovernanceChangeRead.from_model(change)
        return cls(
            inferred=inferred_values(read.inferred),
            id=read.id,
            forum_code=read.forum,
            name=read.name,
            introduced=read.introduced,
            earliest=read.earliest,
            latest=read.latest,
            introduced_by_id=read.introduced_by,
            duties=[DutyType(role=d.role, duty=d.duty) for d in read.duties],
            description=read.description,
            citations=citation_types(read.citations),
        )


@strawberry.type
class GovernanceChangeQuery:
    @strawberry.field(description="Dated changes in how forums are run, by id.")
    async def governance_changes(
        self,
        info: Info,
        filter: GovernanceChangeFilterInput | None = None,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> Connection[GovernanceChangeType] | None:
        criteria = to_filter(GovernanceChangeFilter, filter)
        return await list_connection(
            info,
            lambda session, limit: governance_service.list_governance_changes(
                session, criteria, limit=limit, cursor=after
            ),
            governance_service.CHANGE_ORDER,
            GovernanceChangeType.from_model,
            first=first,
            after=after,
        )
