"""GraphQL type and root fields for programmes: funds, plans, policies and the like, each
built from the read shape REST returns, so both adapters show the same fields."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from app.graphql.context import Info
from app.graphql.execution import context_only
from app.graphql.types.common import (
    After,
    Connection,
    First,
    LangArg,
    TextLangArg,
    connection,
    name_in,
    one_or_none,
    page_of,
)
from app.graphql.types.filters import (
    ProgrammeFilterInput,
    to_filter,
)
from app.graphql.types.money_record import MoneyRecordType
from app.graphql.types.source import (
    CitationType,
    InferredValueType,
    citation_types,
    inferred_values,
)
from app.models.enums import (
    Certainty,
    DatePrecision,
    ProgrammeKind,
)
from app.schemas.descriptions import DESCRIPTION_ES, INFERRED, NAME_ES
from app.schemas.filters import (
    ProgrammeFilter,
)
from app.schemas.programme import BOUNDS_DOC, ProgrammeRead
from app.services import programmes as programme_service
from app.services.paging import DEFAULT_LIMIT


@strawberry.type(
    name="Programme",
    description="A fund, programme, initiative, plan, policy, campaign or tool (not a forum).",
)
class ProgrammeType:
    id: str
    name_en: strawberry.Private[str]
    name_es: str | None = strawberry.field(description=NAME_ES)
    aliases: list[str]
    kind: ProgrammeKind
    owner_actor_id: str | None
    owner_forum_code: str | None
    forum_code: str | None
    parent_id: str | None
    predecessor_id: str | None
    successor_ids: list[str]
    part_ids: list[str]
    start: str | None
    start_precision: DatePrecision | None
    end: str | None
    end_precision: DatePrecision | None
    start_earliest: dt.date | None = strawberry.field(description=BOUNDS_DOC)
    start_latest: dt.date | None
    end_earliest: dt.date | None
    end_latest: dt.date | None
    certainty: Certainty | None = strawberry.field(
        description="With `asOf`: CERTAIN or POSSIBLE on that day."
    )
    description_en: strawberry.Private[str]
    description_es: str | None = strawberry.field(description=DESCRIPTION_ES)
    details: JSON | None
    note: str | None
    citations: list[CitationType]

    inferred: list[InferredValueType] = strawberry.field(description=INFERRED)

    @classmethod
    def from_read(cls, read: ProgrammeRead) -> ProgrammeType:
        """From a read in English (the service's default ``lang``): the resolvers below
        pick the language."""
        return cls(
            inferred=inferred_values(read.inferred),
            id=read.id,
            name_en=read.name,
            name_es=read.name_es,
            aliases=list(read.aliases),
            kind=read.kind,
            owner_actor_id=read.owner_actor,
            owner_forum_code=read.owner_forum,
            forum_code=read.forum,
            parent_id=read.parent,
            predecessor_id=read.predecessor,
            successor_ids=list(read.successors),
            part_ids=list(read.parts),
            start=read.start,
            start_precision=read.start_precision,
            end=read.end,
            end_precision=read.end_precision,
            start_earliest=read.start_earliest,
            start_latest=read.start_latest,
            end_earliest=read.end_earliest,
            end_latest=read.end_latest,
            certainty=read.certainty,
            description_en=read.description,
            description_es=read.description_es,
            details=None if read.details is None else JSON(read.details),
            note=read.note,
            citations=citation_types(read.citations),
        )

    @strawberry.field(description="Name, in English or Spanish (see `lang`).")
    @context_only
    def name(self, info: Info, lang: LangArg = strawberry.UNSET) -> str:
        return name_in(info, self.name_en, self.name_es, lang)

    @strawberry.field(description="A short description written for migov, in English or Spanish.")
    @context_only
    def description(self, info: Info, lang: TextLangArg = strawberry.UNSET) -> str:
        return name_in(info, self.description_en, self.description_es, lang)

    @strawberry.field(
        description="Money the documents state about this programme (budgets, costs, recorded "
        "totals, contributions), by id; `includeSubprogrammes: true` adds those about the "
        "programmes under it (IMCBP includes MCEE)."
    )
    async def money_records(
        self, info: Info, include_subprogrammes: bool = False
    ) -> list[MoneyRecordType]:
        loader = info.context.loaders.money_records_by_programme
        rows = await loader.load((self.id, include_subprogrammes))
        return [MoneyRecordType.from_model(row) for row in rows]


@strawberry.type
class ProgrammeQuery:
    @strawberry.field(
        description="One programme by id; null with a `not_found` error (and suggestions) when none has it."
    )
    async def programme(self, info: Info, id: str) -> ProgrammeType | None:
        return await one_or_none(
            info,
            lambda session: programme_service.get_programme(session, id),
            ProgrammeType.from_read,
        )

    @strawberry.field(
        description="Funds, programmes, initiatives, plans, policies and campaigns, by id."
    )
    async def programmes(
        self,
        info: Info,
        filter: ProgrammeFilterInput | None = None,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> Connection[ProgrammeType] | None:
        criteria = to_filter(ProgrammeFilter, filter)
        page = await page_of(
            info,
            lambda session, limit: programme_service.list_programmes(
                session, criteria, limit=limit, cursor=after
            ),
            first,
        )
        reads = {read.id: read for read in page.reads}
        return connection(
            page,
            programme_service.PROGRAMME_ORDER,
            lambda row: ProgrammeType.from_read(reads[row.id]),
            after=after,
        )
