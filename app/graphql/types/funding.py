"""GraphQL FundingShare type (an actor's percent of a forum's budget) and its root field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.types import actor as actor_types
from app.graphql.types import forum as forum_types
from app.graphql.types.common import (
    After,
    Connection,
    Edge,
    First,
    edges_of,
    page_info,
    page_of,
    present,
)
from app.graphql.types.dispute import DISPUTE_OF_ROW, DisputeType, dispute_by_id
from app.graphql.types.filters import FundingShareFilterInput, to_filter
from app.graphql.types.source import CitationType, InferredValueType, citations_of, inferred_values
from app.models import FundingShare
from app.models.enums import DatePrecision, Entity
from app.schemas.dates import format_partial
from app.schemas.descriptions import (
    DATE_DOC,
    DISPUTE_KEY,
    DISPUTED,
    INFERRED,
    SHARE_BASIS,
    SHARE_PCT,
    SHARE_REPORTED,
)
from app.schemas.filters import FundingShareFilter
from app.services import funding as funding_service
from app.services.paging import DEFAULT_LIMIT

if TYPE_CHECKING:
    from app.graphql.types.actor import ActorType
    from app.graphql.types.forum import ForumType


@strawberry.type(
    name="FundingShare", description="The part of a forum's budget one actor provides."
)
class FundingShareType:
    id: int
    forum_code: str
    actor_id: str
    share_pct: Decimal = strawberry.field(description=SHARE_PCT)
    basis: str = strawberry.field(description=SHARE_BASIS)
    period_start: str | None = strawberry.field(description=DATE_DOC)
    period_start_precision: DatePrecision | None
    period_end: str | None = strawberry.field(description=DATE_DOC)
    period_end_precision: DatePrecision | None
    reported: str | None = strawberry.field(description=SHARE_REPORTED)
    reported_precision: DatePrecision | None
    reported_date: dt.date | None = strawberry.field(
        description="First day of the reported date's period."
    )
    disputed: bool = strawberry.field(description=DISPUTED)
    dispute_id: str | None = strawberry.field(description=DISPUTE_KEY)
    note: str | None

    inferred: list[InferredValueType] = strawberry.field(description=INFERRED)

    @classmethod
    def from_model(cls, row: FundingShare) -> FundingShareType:
        return cls(
            inferred=inferred_values(row.inferred),
            id=row.id,
            forum_code=row.forum_code,
            actor_id=row.actor_id,
            share_pct=row.share_pct,
            basis=row.basis,
            period_start=format_partial(row.period_start_date, row.period_start_precision),
            period_start_precision=row.period_start_precision,
            period_end=format_partial(row.period_end_date, row.period_end_precision),
            period_end_precision=row.period_end_precision,
            reported=format_partial(row.reported_date, row.reported_precision),
            reported_precision=row.reported_precision,
            reported_date=row.reported_date,
            disputed=row.dispute is not None,
            dispute_id=row.dispute,
            note=row.note,
        )

    @strawberry.field(description="Who provides the share.")
    async def actor(
        self, info: Info
    ) -> Annotated[ActorType, strawberry.lazy("app.graphql.types.actor")]:
        return present(await actor_types.actor_by_id(info, self.actor_id), f"actor {self.actor_id}")

    @strawberry.field(description="Whose budget it is a share of.")
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
        return await citations_of(info, Entity.FUNDING_SHARE, self.id)


@strawberry.type(name="FundingShareConnection")
class FundingShareConnection(Connection[FundingShareType]):
    total_pct: Decimal = strawberry.field(
        description="Sum of `sharePct` over every matching row (all pages). The sources' "
        "shares need not add up to 100 and are not adjusted."
    )


@strawberry.type
class FundingShareQuery:
    @strawberry.field(
        description="Funding shares, ordered by forum, share (largest first), actor and id."
    )
    async def funding_shares(
        self,
        info: Info,
        filter: FundingShareFilterInput | None = None,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> FundingShareConnection | None:
        criteria = to_filter(FundingShareFilter, filter)
        result = await page_of(
            info,
            lambda session, limit: funding_service.list_funding_shares(
                session, criteria, limit=limit, cursor=after
            ),
            first,
        )
        edges: list[Edge[FundingShareType]] = edges_of(
            result.page, funding_service.SHARE_ORDER, FundingShareType.from_model
        )
        return FundingShareConnection(
            total_count=result.page.total,
            edges=edges,
            page_info=page_info(edges, result.page, after),
            total_pct=result.total_pct,
        )
