"""GraphQL Pledge type, pledge totals, and their root fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.errors import NotFound
from app.graphql.context import Info
from app.graphql.types import actor as actor_types
from app.graphql.types import event as event_types
from app.graphql.types import forum as forum_types
from app.graphql.types.common import (
    DATE_DOC,
    After,
    Connection,
    First,
    connection,
    page_size,
    precision,
)
from app.graphql.types.filters import PledgeFilterInput, pledge_filter
from app.graphql.types.source import CitationType, citations_of
from app.models import Pledge
from app.models.enums import (
    AmountQualifier,
    DatePrecision,
    Entity,
    PledgeKind,
    PledgeScope,
    PledgeStatus,
)
from app.schemas.dates import format_partial
from app.schemas.summary import PledgeSummaryRow, SummaryKey
from app.services import pledges as pledge_service
from app.services._query import DEFAULT_LIMIT

if TYPE_CHECKING:
    from app.graphql.types.actor import ActorType
    from app.graphql.types.event import EventType
    from app.graphql.types.forum import ForumType


@strawberry.type(
    name="Pledge",
    description="A commitment by one or more pledgers to a forum and/or at an event.",
)
class PledgeType:
    id: int
    forum_code: str | None
    event_id: str | None
    kind: PledgeKind
    scope: PledgeScope | None
    amount: Decimal | None = strawberry.field(description="Exact decimal string in `currency`.")
    amount_qualifier: AmountQualifier | None
    currency: str | None = strawberry.field(description="ISO 4217 code, as pledged.")
    amount_usd: Decimal | None = strawberry.field(
        description="USD equivalent from the dated rates table; null where no rate is known."
    )
    announced_on: str | None = strawberry.field(description=DATE_DOC)
    announced_precision: DatePrecision | None
    announced_date: dt.date | None = strawberry.field(
        description="First day of the announcement date's period."
    )
    status: PledgeStatus
    gcm_objectives: list[int] = strawberry.field(
        description="Global Compact for Migration objectives (1-23)."
    )
    title: str
    description: str | None
    external_ref: str | None
    curated: bool = strawberry.field(
        description="From the curated dataset (true) or submitted (false)."
    )
    version: int
    pledgers: list[Annotated[ActorType, strawberry.lazy("app.graphql.types.actor")]] = (
        strawberry.field(description="The lead pledger first.")
    )

    @classmethod
    def from_model(cls, pledge: Pledge) -> PledgeType:
        return cls(
            id=pledge.id,
            forum_code=pledge.forum_code,
            event_id=pledge.event_id,
            kind=PledgeKind(pledge.kind),
            scope=PledgeScope(pledge.scope) if pledge.scope else None,
            amount=pledge.amount,
            amount_qualifier=AmountQualifier(pledge.amount_qualifier)
            if pledge.amount_qualifier
            else None,
            currency=pledge.currency,
            amount_usd=pledge.amount_usd,
            announced_on=format_partial(pledge.announced_date, pledge.announced_precision),
            announced_precision=precision(pledge.announced_precision),
            announced_date=pledge.announced_date,
            status=PledgeStatus(pledge.status),
            gcm_objectives=[objective.objective for objective in pledge.objectives],
            title=pledge.title,
            description=pledge.description,
            external_ref=pledge.external_ref,
            curated=pledge.key is not None,
            version=pledge.version,
            pledgers=[actor_types.ActorType.from_model(p.actor) for p in pledge.pledgers],
        )

    @strawberry.field(description="The forum the pledge was made to.")
    async def forum(
        self, info: Info
    ) -> Annotated[ForumType, strawberry.lazy("app.graphql.types.forum")] | None:
        if self.forum_code is None:
            return None
        forum = await info.context.loaders.forum.load(self.forum_code)
        return forum_types.ForumType.from_model(forum) if forum else None

    @strawberry.field(description="The event the pledge was announced at.")
    async def event(
        self, info: Info
    ) -> Annotated[EventType, strawberry.lazy("app.graphql.types.event")] | None:
        if self.event_id is None:
            return None
        event = await info.context.loaders.event.load(self.event_id)
        return event_types.EventType.from_model(event) if event else None

    @strawberry.field(description="The sources this pledge's record rests on.")
    async def citations(self, info: Info) -> list[CitationType]:
        return await citations_of(info, Entity.PLEDGE, self.id)


@strawberry.type(name="CurrencyTotal", description="A total in one original currency.")
class CurrencyTotalType:
    currency: str = strawberry.field(description="ISO 4217 code.")
    amount: Decimal = strawberry.field(description="Exact decimal string.")


@strawberry.type(
    name="PledgeGroup",
    description="The values a group of pledges shares; null for a key not grouped by "
    "(or a value the pledges lack).",
)
class PledgeGroupType:
    forum: str | None = None
    year: int | None = None
    kind: PledgeKind | None = None
    status: PledgeStatus | None = None
    pledger: str | None = None
    currency: str | None = None


@strawberry.type(
    name="PledgeTotal",
    description="Totals of one group of pledges. Amounts in different currencies are never "
    "added together.",
)
class PledgeTotalType:
    group: PledgeGroupType
    count: int = strawberry.field(description="Pledges in the group.")
    amounts: list[CurrencyTotalType] = strawberry.field(
        description="One total per original currency."
    )
    amount_usd: Decimal = strawberry.field(
        description="Sum of the USD equivalents of the pledges that have one."
    )
    count_without_usd: int = strawberry.field(
        description="Pledges left out of `amountUsd` for want of an exchange rate or an amount."
    )

    @classmethod
    def from_row(cls, row: PledgeSummaryRow) -> PledgeTotalType:
        return cls(
            group=PledgeGroupType(
                forum=row.forum,
                year=row.year,
                kind=PledgeKind(row.kind) if row.kind else None,
                status=PledgeStatus(row.status) if row.status else None,
                pledger=row.pledger,
                currency=row.currency,
            ),
            count=row.count,
            amounts=[CurrencyTotalType(currency=a.currency, amount=a.amount) for a in row.amounts],
            amount_usd=row.amount_usd,
            count_without_usd=row.count_without_usd,
        )


@strawberry.type
class PledgeQuery:
    @strawberry.field(description="One pledge by id; null when no pledge has it.")
    async def pledge(self, info: Info, id: int) -> PledgeType | None:
        async with info.context.db() as session:
            try:
                return PledgeType.from_model(await pledge_service.get_pledge(session, id))
            except NotFound:
                return None

    @strawberry.field(description="Pledges, in the order recorded (by id).")
    async def pledges(
        self,
        info: Info,
        filter: PledgeFilterInput | None = None,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> Connection[PledgeType] | None:
        async with info.context.db() as session:
            page = await pledge_service.list_pledges(
                session, pledge_filter(filter), limit=page_size(first), cursor=after
            )
        return connection(page, pledge_service.PLEDGE_ORDER, PledgeType.from_model, after=after)

    @strawberry.field(
        description="Pledge totals per group, in each original currency and in USD. "
        "Grouped by PLEDGER, a joint pledge counts in full for each of its pledgers."
    )
    async def pledge_summary(
        self,
        info: Info,
        group_by: Annotated[
            list[SummaryKey], strawberry.argument(description="Keys to group by, in order.")
        ],
        filter: PledgeFilterInput | None = None,
    ) -> list[PledgeTotalType] | None:
        async with info.context.db() as session:
            rows = await pledge_service.summarize_pledges(
                session, pledge_filter(filter), group_by=group_by
            )
        return [PledgeTotalType.from_row(row) for row in rows]
