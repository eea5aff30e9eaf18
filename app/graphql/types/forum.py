"""GraphQL Forum type, with the relations a forum page walks, and its root fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.execution import context_only
from app.graphql.loaders import ParticipationArgs
from app.graphql.types import event as event_types
from app.graphql.types import funding as funding_types
from app.graphql.types import money_record as money_record_types
from app.graphql.types import participation as participation_types
from app.graphql.types import pledge as pledge_types
from app.graphql.types import programme as programme_types
from app.graphql.types.common import (
    After,
    Connection,
    First,
    LangArg,
    NestedFirst,
    TextLangArg,
    list_connection,
    name_in,
    one_or_none,
)
from app.graphql.types.filters import (
    ForumFilterInput,
    PledgeFilterInput,
    to_filter,
)
from app.graphql.types.source import CitationType, InferredValueType, citations_of, inferred_values
from app.models import Forum
from app.models.enums import Certainty, DatePrecision, Entity, ForumKind, ForumScope, Role
from app.schemas.dates import format_partial
from app.schemas.descriptions import (
    DATE_DOC,
    DESCRIPTION_ES,
    FORUM_ALIASES,
    FORUM_CODE,
    FORUM_DESCRIPTION,
    FORUM_PARENT,
    FORUM_PREDECESSOR,
    INFERRED,
)
from app.schemas.filters import ForumFilter
from app.services import forums as forum_service
from app.services.paging import DEFAULT_LIMIT

if TYPE_CHECKING:
    from app.graphql.types.event import EventType
    from app.graphql.types.funding import FundingShareType
    from app.graphql.types.money_record import MoneyRecordType
    from app.graphql.types.participation import ParticipationType
    from app.graphql.types.pledge import PledgeType
    from app.graphql.types.programme import ProgrammeType


@strawberry.type(
    name="Forum",
    description="A process, platform or body through which migration is governed.",
)
class ForumType:
    code: str = strawberry.field(description=FORUM_CODE)
    name_en: strawberry.Private[str]
    name_es: str | None = strawberry.field(description="Spanish name, where one is recorded.")
    aliases: list[str] = strawberry.field(description=FORUM_ALIASES)
    kind: ForumKind
    scope: ForumScope
    region: str | None
    description_en: strawberry.Private[str | None]
    description_es: str | None = strawberry.field(description=DESCRIPTION_ES)
    founded: str | None = strawberry.field(description=f"Founding date. {DATE_DOC}")
    founded_precision: DatePrecision | None
    founded_date: dt.date | None = strawberry.field(
        description="First day of the founding date's period."
    )
    ended: str | None = strawberry.field(description=f"End date of a historical forum. {DATE_DOC}")
    ended_precision: DatePrecision | None
    ended_date: dt.date | None = strawberry.field(description="First day of the end date's period.")
    parent_code: str | None = strawberry.field(description=FORUM_PARENT)
    predecessor_code: str | None = strawberry.field(description=FORUM_PREDECESSOR)
    website: str | None

    inferred: list[InferredValueType] = strawberry.field(description=INFERRED)

    @classmethod
    def from_model(cls, forum: Forum) -> ForumType:
        return cls(
            inferred=inferred_values(forum.inferred),
            code=forum.code,
            name_en=forum.name,
            name_es=forum.name_es,
            aliases=list(forum.aliases or []),
            kind=ForumKind(forum.kind),
            scope=ForumScope(forum.scope),
            region=forum.region,
            description_en=forum.description,
            description_es=forum.description_es,
            founded=format_partial(forum.founded_date, forum.founded_precision),
            founded_precision=forum.founded_precision,
            founded_date=forum.founded_date,
            ended=format_partial(forum.ended_date, forum.ended_precision),
            ended_precision=forum.ended_precision,
            ended_date=forum.ended_date,
            parent_code=forum.parent_code,
            predecessor_code=forum.predecessor_code,
            website=forum.website,
        )

    @strawberry.field(description="Name, in English or Spanish (see `lang`).")
    @context_only
    def name(self, info: Info, lang: LangArg = strawberry.UNSET) -> str:
        return name_in(info, self.name_en, self.name_es, lang)

    @strawberry.field(description=f"{FORUM_DESCRIPTION} In English or Spanish (see `lang`).")
    @context_only
    def description(self, info: Info, lang: TextLangArg = strawberry.UNSET) -> str | None:
        if self.description_en is None:
            return None
        return name_in(info, self.description_en, self.description_es, lang)

    @strawberry.field(description="The forum this one belongs to (MIRPS for MIRPS-SP).")
    async def parent(self, info: Info) -> ForumType | None:
        if self.parent_code is None:
            return None
        return await forum_by_code(info, self.parent_code)

    @strawberry.field(description="The forum this one succeeded.")
    async def predecessor(self, info: Info) -> ForumType | None:
        if self.predecessor_code is None:
            return None
        return await forum_by_code(info, self.predecessor_code)

    @strawberry.field(description="Forums that belong to this one, in code order.")
    async def children(self, info: Info) -> list[ForumType]:
        return [
            ForumType.from_model(f) for f in await info.context.loaders.children.load(self.code)
        ]

    @strawberry.field(
        description="Who holds which role in this forum, ordered by role, start and actor. "
        "Without `asOf`, every period is listed (past, current and disputed)."
    )
    async def participants(
        self,
        info: Info,
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(
                description="Only roles that may be held on this day (start inclusive, end "
                "exclusive), each with its `certainty`."
            ),
        ] = None,
        role: Annotated[
            list[Role] | None, strawberry.argument(description="Only these roles.")
        ] = None,
        certainty: Annotated[
            Certainty | None,
            strawberry.argument(
                description="CERTAIN: only roles surely held on `asOf` (needs `asOf`)."
            ),
        ] = None,
        disputed: Annotated[
            bool | None,
            strawberry.argument(description="true: only disputed claims; false: only the rest."),
        ] = None,
    ) -> list[Annotated[ParticipationType, strawberry.lazy("app.graphql.types.participation")]]:
        args = ParticipationArgs(
            as_of=as_of, roles=tuple(role or ()), certainty=certainty, disputed=disputed
        )
        rows = await info.context.loaders.participations_by_forum.load((self.code, args))
        return [participation_types.ParticipationType.from_row(row, as_of) for row in rows]

    @strawberry.field(
        description="Each actor's share of this forum's budget as the sources give it, "
        "largest first."
    )
    async def funding_shares(
        self, info: Info
    ) -> list[Annotated[FundingShareType, strawberry.lazy("app.graphql.types.funding")]]:
        rows = await info.context.loaders.funding_shares_by_forum.load(self.code)
        return [funding_types.FundingShareType.from_model(row) for row in rows]

    @strawberry.field(
        description="Sum of `fundingShares.sharePct`; the sources' shares need not add up "
        "to 100 and are not adjusted."
    )
    async def funding_share_total_pct(self, info: Info) -> Decimal:
        return await info.context.loaders.funding_total.load(self.code)

    @strawberry.field(description="This forum's events, by start date (undated first).")
    async def events(
        self, info: Info
    ) -> list[Annotated[EventType, strawberry.lazy("app.graphql.types.event")]]:
        rows = await info.context.loaders.events_by_forum.load(self.code)
        return [event_types.EventType.from_model(row) for row in rows]

    @strawberry.field(
        description="Pledges made to this forum, in the order recorded, at most `first` "
        "of them. Null, with an `invalid_input` error, when the filter contradicts itself."
    )
    async def pledges(
        self,
        info: Info,
        filter: PledgeFilterInput | None = None,
        first: NestedFirst = DEFAULT_LIMIT,
    ) -> list[Annotated[PledgeType, strawberry.lazy("app.graphql.types.pledge")]] | None:
        loader = info.context.loaders.pledges_by_forum
        return await pledge_types.nested_pledges(loader, self.code, filter, first)

    @strawberry.field(
        description="Money the documents state about or paid to this forum that is not a "
        "pledge (budgets, costs, recorded totals, contributions), by id."
    )
    async def money_records(
        self, info: Info
    ) -> list[Annotated[MoneyRecordType, strawberry.lazy("app.graphql.types.money_record")]]:
        rows = await info.context.loaders.money_records_by_forum.load(self.code)
        return [money_record_types.MoneyRecordType.from_model(row) for row in rows]

    @strawberry.field(
        description="Programmes, plans, initiatives and campaigns this forum runs or that "
        "serve it, by id."
    )
    async def programmes(
        self, info: Info
    ) -> list[Annotated[ProgrammeType, strawberry.lazy("app.graphql.types.programme")]]:
        rows = await info.context.loaders.programmes_by_forum.load(self.code)
        return [programme_types.ProgrammeType.from_read(row) for row in rows]

    @strawberry.field(description="The sources this forum's record rests on.")
    async def citations(self, info: Info) -> list[CitationType]:
        return await citations_of(info, Entity.FORUM, self.code)


@strawberry.type
class ForumQuery:
    @strawberry.field(
        description="One forum by code (any case), alias or name; null with a `not_found` error (and suggestions) when none has it."
    )
    async def forum(self, info: Info, code: str) -> ForumType | None:
        return await one_or_none(
            info,
            lambda session: forum_service.get_forum(session, code, embedded=False),
            ForumType.from_model,
            argument="code",
        )

    @strawberry.field(description="Forums, ordered by code.")
    async def forums(
        self,
        info: Info,
        filter: ForumFilterInput | None = None,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> Connection[ForumType] | None:
        criteria = to_filter(ForumFilter, filter)
        return await list_connection(
            info,
            lambda session, limit: forum_service.list_forums(
                session, criteria, limit=limit, cursor=after
            ),
            forum_service.FORUM_ORDER,
            ForumType.from_model,
            first=first,
            after=after,
        )


async def forum_by_code(info: Info, code: str) -> ForumType | None:
    """A related forum, through the request's loader; null when no forum has ``code``."""
    forum = await info.context.loaders.forum.load(code)
    return ForumType.from_model(forum) if forum else None
