"""GraphQL types and root fields for programmes, money records, participant counts and
governance changes. Each node is built from the read shape REST returns, so both
adapters show the same fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from app.graphql.context import Info
from app.graphql.types.common import (
    After,
    Connection,
    First,
    LangArg,
    TextLangArg,
    connection,
    list_connection,
    name_in,
    one_or_none,
    page_of,
)
from app.graphql.types.filters import (
    GovernanceChangeFilterInput,
    MoneyRecordFilterInput,
    ParticipantCountFilterInput,
    ProgrammeFilterInput,
    to_filter,
)
from app.graphql.types.source import CitationType, InferredValueType, inferred_values
from app.models import GovernanceChange, MoneyRecord, ParticipantCount
from app.models.enums import (
    ActorKind,
    Certainty,
    DatePrecision,
    MoneyKind,
    MoneyQualifier,
    ProgrammeKind,
    Role,
)
from app.schemas.common import CitationRead
from app.schemas.descriptions import DESCRIPTION_ES, INFERRED, NAME_ES
from app.schemas.filters import (
    GovernanceChangeFilter,
    MoneyRecordFilter,
    ParticipantCountFilter,
    ProgrammeFilter,
)
from app.schemas.governance import GovernanceChangeRead, ParticipantCountRead
from app.schemas.money import CURRENCY_ASSUMED, QUALIFIER, MoneyRecordRead, MoneyTotalRead
from app.schemas.programme import BOUNDS_DOC, ProgrammeRead
from app.services import governance as governance_service
from app.services import money_records as money_service
from app.services import programmes as programme_service
from app.services.paging import DEFAULT_LIMIT


def _citations(citations: list[CitationRead]) -> list[CitationType]:
    return [CitationType.from_read(c) for c in citations]


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
            citations=_citations(read.citations),
        )

    @strawberry.field(description="Name, in English or Spanish (see `lang`).")
    def name(self, info: Info, lang: LangArg = strawberry.UNSET) -> str:
        return name_in(info, self.name_en, self.name_es, lang)

    @strawberry.field(description="A short description written for migov, in English or Spanish.")
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


@strawberry.type(name="MoneyRecord", description="Money stated by a document that is not a pledge.")
class MoneyRecordType:
    id: str
    kind: MoneyKind
    payer_id: str | None
    recipient_id: str | None
    recipient_forum_code: str | None
    recipient_description: str | None
    forum_code: str | None
    programme_id: str | None
    purpose: str | None
    amount: Decimal | None
    currency: str | None
    currency_assumed: bool = strawberry.field(description=CURRENCY_ASSUMED)
    qualifier: MoneyQualifier | None = strawberry.field(description=QUALIFIER)
    share_pct: Decimal | None
    period_start: str | None
    period_end: str | None
    duration_months: int | None
    reported: str | None = strawberry.field(
        description="The date the figure stands as of, at its precision."
    )
    description: str
    note: str | None
    citations: list[CitationType]

    inferred: list[InferredValueType] = strawberry.field(description=INFERRED)

    @classmethod
    def from_model(cls, record: MoneyRecord) -> MoneyRecordType:
        read = MoneyRecordRead.from_model(record)
        return cls(
            inferred=inferred_values(read.inferred),
            id=read.id,
            kind=read.kind,
            payer_id=read.payer,
            recipient_id=read.recipient,
            recipient_forum_code=read.recipient_forum,
            recipient_description=read.recipient_description,
            forum_code=read.forum,
            programme_id=read.programme,
            purpose=read.purpose,
            amount=read.amount,
            currency=read.currency,
            currency_assumed=read.currency_assumed,
            qualifier=read.qualifier,
            share_pct=read.share_pct,
            period_start=read.period_start,
            period_end=read.period_end,
            duration_months=read.duration_months,
            reported=read.reported,
            description=read.description,
            note=read.note,
            citations=_citations(read.citations),
        )


@strawberry.type(name="MoneyTotal", description="Money records of one group, summed.")
class MoneyTotalType:
    forum_code: str | None
    programme_id: str | None
    kind: MoneyKind
    currency: str | None
    count: int
    total: Decimal | None
    currency_assumed: bool
    total_currency_assumed: Decimal | None = strawberry.field(
        description="Of `total`, what rests on an assumed currency; null exactly when `total` is."
    )

    @classmethod
    def from_read(cls, row: MoneyTotalRead) -> MoneyTotalType:
        return cls(
            forum_code=row.forum,
            programme_id=row.programme,
            kind=row.kind,
            currency=row.currency,
            count=row.count,
            total=row.total,
            currency_assumed=row.currency_assumed,
            total_currency_assumed=row.total_currency_assumed,
        )


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
            citations=_citations(read.citations),
        )


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
            citations=_citations(read.citations),
        )


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

    @strawberry.field(description="Money the documents state that is not a pledge, by id.")
    async def money_records(
        self,
        info: Info,
        filter: MoneyRecordFilterInput | None = None,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> Connection[MoneyRecordType] | None:
        criteria = to_filter(MoneyRecordFilter, filter)
        return await list_connection(
            info,
            lambda session, limit: money_service.list_money_records(
                session, criteria, limit=limit, cursor=after
            ),
            money_service.MONEY_ORDER,
            MoneyRecordType.from_model,
            first=first,
            after=after,
        )

    @strawberry.field(description="Money records totalled by forum, programme, kind and currency.")
    async def money_record_summary(
        self, info: Info, filter: MoneyRecordFilterInput | None = None
    ) -> list[MoneyTotalType] | None:
        criteria = to_filter(MoneyRecordFilter, filter)
        async with info.context.db() as session:
            rows = await money_service.summarize_money_records(session, criteria)
        return [MoneyTotalType.from_read(row) for row in rows]

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
