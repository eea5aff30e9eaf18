"""GraphQL Pledge type, pledge totals, their root fields, and the ``submitPledge`` mutation."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from pydantic import ValidationError
from strawberry.dataloader import DataLoader

from app.adapters_common import data_version_headers
from app.errors import DomainError
from app.graphql.context import Info
from app.graphql.errors import in_input_terms, refused_input
from app.graphql.loaders import NestedPledges
from app.graphql.types import actor as actor_types
from app.graphql.types import event as event_types
from app.graphql.types import forum as forum_types
from app.graphql.types.common import (
    After,
    Connection,
    First,
    list_connection,
    one_or_none,
    page_size,
)
from app.graphql.types.filters import PledgeFilterInput, pledge_filter
from app.graphql.types.source import CitationType, InferredValueType, citations_of, inferred_values
from app.models.enums import (
    AmountQualifier,
    DatePrecision,
    Entity,
    ExchangeRateProvider,
    PledgeKind,
    PledgeScope,
    PledgeStatus,
)
from app.schemas.descriptions import (
    AMOUNT_ASSUMED,
    AMOUNT_USD_ASSUMED,
    AMOUNT_USD_NOTE,
    CURATED,
    DATE_DOC,
    EXACT_DECIMAL,
    EXTERNAL_REF,
    GCM_OBJECTIVES,
    GCM_OBJECTIVES_ADDRESSED,
    INFERRED,
    ISO_4217,
    PARTIAL_DATE_INPUT,
    PLEDGE_AMOUNT,
    PLEDGE_AMOUNT_USD,
    PLEDGE_CURRENCY,
    PLEDGE_CURRENCY_ASSUMED,
    PLEDGE_PLEDGERS,
    RATE_BASIS,
    RATE_PROVIDER,
    USD_CONVERSION,
    USD_PER_UNIT,
)
from app.schemas.pledge import (
    SUBMITTED,
    CurrencyAmount,
    PledgeCreate,
    PledgeRead,
    PledgeSummaryRow,
    SummaryKey,
    UsdConversionRead,
)
from app.services import pledge_writes
from app.services import pledges as pledge_service
from app.services.paging import DEFAULT_LIMIT
from app.services.pledge_writes import WriteOutcome
from app.services.pledges import PledgeRow, PledgeSort

if TYPE_CHECKING:
    from app.graphql.types.actor import ActorType
    from app.graphql.types.event import EventType
    from app.graphql.types.forum import ForumType


@strawberry.type(
    name="UsdConversion",
    description="The rate that gave a pledge its USD equivalent, with its provenance.",
)
class UsdConversionType:
    currency: str = strawberry.field(description="ISO 4217 code converted from.")
    usd_per_unit: Decimal = strawberry.field(description=USD_PER_UNIT)
    period_start: dt.date = strawberry.field(description="First day the rate covers.")
    period_end: dt.date = strawberry.field(description="Last day the rate covers.")
    basis: str = strawberry.field(description=RATE_BASIS)
    provider: ExchangeRateProvider = strawberry.field(description=RATE_PROVIDER)
    citations: list[CitationType]

    @classmethod
    def from_read(cls, rate: UsdConversionRead | None) -> UsdConversionType | None:
        if rate is None:
            return None
        return cls(
            currency=rate.currency,
            usd_per_unit=rate.usd_per_unit,
            period_start=rate.period_start,
            period_end=rate.period_end,
            basis=rate.basis,
            provider=rate.provider,
            citations=[CitationType.from_read(c) for c in rate.citations],
        )


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
    amount: Decimal | None = strawberry.field(description=PLEDGE_AMOUNT)
    amount_qualifier: AmountQualifier | None
    currency: str | None = strawberry.field(description=PLEDGE_CURRENCY)
    currency_assumed: bool = strawberry.field(description=PLEDGE_CURRENCY_ASSUMED)
    amount_usd: Decimal | None = strawberry.field(description=PLEDGE_AMOUNT_USD)
    usd_conversion: UsdConversionType | None = strawberry.field(description=USD_CONVERSION)
    amount_usd_note: str | None = strawberry.field(description=AMOUNT_USD_NOTE)
    announced_on: str | None = strawberry.field(description=DATE_DOC)
    announced_precision: DatePrecision | None
    announced_date: dt.date | None = strawberry.field(
        description="First day of the announcement date's period."
    )
    status: PledgeStatus
    gcm_objectives: list[int] = strawberry.field(description=GCM_OBJECTIVES)
    title: str
    description: str | None
    external_ref: str | None
    curated: bool = strawberry.field(description=CURATED)
    version: int
    pledgers: list[Annotated[ActorType, strawberry.lazy("app.graphql.types.actor")]] = (
        strawberry.field(description=PLEDGE_PLEDGERS)
    )

    inferred: list[InferredValueType] = strawberry.field(description=INFERRED)

    @classmethod
    def from_row(cls, row: PledgeRow) -> PledgeType:
        """A pledge as the lean read path gives it (``services.pledges.PledgeRow``)."""
        return cls.from_read(
            row.read, [actor_types.ActorType.from_row_actor(p) for p in row.pledgers]
        )

    @classmethod
    def from_read(cls, pledge: PledgeRead, pledgers: list[ActorType]) -> PledgeType:
        """The pledge as a write answered it (``PledgeWrite.pledge``), its pledgers given."""
        announced = pledge.announced_on
        return cls(
            inferred=inferred_values(pledge.inferred),
            id=pledge.id,
            forum_code=pledge.forum,
            event_id=pledge.event,
            kind=pledge.kind,
            scope=pledge.scope,
            amount=pledge.amount,
            amount_qualifier=pledge.amount_qualifier,
            currency=pledge.currency,
            currency_assumed=pledge.currency_assumed,
            amount_usd=pledge.amount_usd,
            usd_conversion=UsdConversionType.from_read(pledge.usd_conversion),
            amount_usd_note=pledge.amount_usd_note,
            announced_on=str(announced) if announced else None,
            announced_precision=pledge.announced_precision,
            announced_date=announced.date if announced else None,
            status=pledge.status,
            gcm_objectives=list(pledge.gcm_objectives),
            title=pledge.title,
            description=pledge.description,
            external_ref=pledge.external_ref,
            curated=pledge.curated,
            version=pledge.version,
            pledgers=pledgers,
        )

    @strawberry.field(description="The forum the pledge was made to.")
    async def forum(
        self, info: Info
    ) -> Annotated[ForumType, strawberry.lazy("app.graphql.types.forum")] | None:
        if self.forum_code is None:
            return None
        return await forum_types.forum_by_code(info, self.forum_code)

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
    currency: str = strawberry.field(description=ISO_4217)
    amount: Decimal = strawberry.field(description=EXACT_DECIMAL)
    amount_submitted: Decimal = strawberry.field(
        default=Decimal("0.00"), description=f"Of `amount`, what {SUBMITTED} add."
    )
    amount_currency_assumed: Decimal = strawberry.field(
        default=Decimal("0.00"), description=AMOUNT_ASSUMED
    )


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
    # Built into ``CurrencyTotal``s only for a query that asks for them: a year's totals
    # by forum hold about 800.
    amounts: list[CurrencyTotalType] = strawberry.field(
        resolver=lambda root: root.currency_total_types(),
        description="One total per original currency.",
    )
    amount_usd: Decimal | None = strawberry.field(
        description="Sum of the USD equivalents of the pledges that have one; null when none "
        "has (unknown, not zero)."
    )
    count_without_usd: int = strawberry.field(
        description="Pledges left out of `amountUsd` for want of an exchange rate or an amount."
    )
    count_submitted: int = strawberry.field(default=0, description=f"Of `count`, the {SUBMITTED}.")
    amount_usd_submitted: Decimal | None = strawberry.field(
        default=None,
        description=f"Of `amountUsd`, what {SUBMITTED} add; null exactly when `amountUsd` is.",
    )
    count_currency_assumed: int = strawberry.field(
        default=0, description="Of `count`, the pledges whose currency is assumed."
    )
    amount_usd_currency_assumed: Decimal | None = strawberry.field(
        default=None, description=AMOUNT_USD_ASSUMED + " Null exactly when `amountUsd` is."
    )

    currency_amounts: strawberry.Private[list[CurrencyAmount]] = dataclasses.field(
        default_factory=list
    )

    def currency_total_types(self) -> list[CurrencyTotalType]:
        return [
            CurrencyTotalType(
                currency=a.currency,
                amount=a.amount,
                amount_submitted=a.amount_submitted,
                amount_currency_assumed=a.amount_currency_assumed,
            )
            for a in self.currency_amounts
        ]

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
            currency_amounts=row.amounts,
            amount_usd=row.amount_usd,
            count_without_usd=row.count_without_usd,
            count_submitted=row.count_submitted,
            amount_usd_submitted=row.amount_usd_submitted,
            count_currency_assumed=row.count_currency_assumed,
            amount_usd_currency_assumed=row.amount_usd_currency_assumed,
        )


@strawberry.type
class PledgeQuery:
    @strawberry.field(
        description="One pledge by id; null with a `not_found` error when none has it."
    )
    async def pledge(self, info: Info, id: int) -> PledgeType | None:
        return await one_or_none(
            info, lambda session: pledge_service.get_pledge_row(session, id), PledgeType.from_row
        )

    @strawberry.field(
        description="Pledges, in the order recorded (by id) unless `sort` asks for another; "
        "a cursor belongs to the ordering it came from."
    )
    async def pledges(
        self,
        info: Info,
        filter: PledgeFilterInput | None = None,
        sort: PledgeSort = PledgeSort.ID,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> Connection[PledgeType] | None:
        criteria = pledge_filter(filter)
        return await list_connection(
            info,
            lambda session, limit: pledge_service.list_pledge_rows(
                session, criteria, sort=sort, limit=limit, cursor=after
            ),
            pledge_service.PLEDGE_SORTS[sort],
            PledgeType.from_row,
            first=first,
            after=after,
        )

    @strawberry.field(
        description="Pledge totals per group, in each original currency and in USD. "
        "Grouped by PLEDGER, a joint pledge counts in full for each of its pledgers. "
        "Groups come in the order of their keys, unknown values (no forum, no date) first."
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


# --- writing ------------------------------------------------------------------------------


@strawberry.input(
    name="PledgeInput",
    description="A pledge as a partner submits it: the body of `POST /v1/pledges`, in camelCase, "
    "checked by the same rules.",
)
class PledgeInput:
    # Field names are PledgeCreate's (strawberry publishes them in camelCase): the
    # input is handed over whole, so a field PledgeCreate lacks is refused there.
    pledgers: list[str] = strawberry.field(
        description="Actor ids (see `actors`); several for a joint pledge, the lead first."
    )
    kind: PledgeKind
    title: str
    forum: str | None = strawberry.field(
        default=None, description="Forum code. A forum, an event, or both."
    )
    event: str | None = strawberry.field(
        default=None, description="Event id; it must belong to `forum` when both are given."
    )
    scope: PledgeScope | None = None
    amount: str | None = strawberry.field(
        default=None,
        description='Exact decimal string (`"1500000.00"`), greater than zero, at most two '
        "decimals; a String, not a number, because binary floats lose cents. Required for "
        "financial pledges.",
    )
    currency: str | None = strawberry.field(
        default=None, description="ISO 4217 code, e.g. `CAD`; required with `amount`."
    )
    amount_qualifier: AmountQualifier | None = strawberry.field(
        default=None, description="How exact the amount is; `EXACT` when left out."
    )
    announced_on: str | None = strawberry.field(
        default=None,
        description=PARTIAL_DATE_INPUT,
    )
    description: str | None = None
    gcm_objectives: list[int] = strawberry.field(
        default_factory=list,
        description=GCM_OBJECTIVES_ADDRESSED,
    )
    external_ref: str | None = strawberry.field(
        default=None,
        description=EXTERNAL_REF,
    )

    def to_create(self) -> PledgeCreate:
        """The one validation REST's body also goes through; refusals name camelCase fields."""
        try:
            return PledgeCreate.model_validate(strawberry.asdict(self))
        except ValidationError as error:
            raise refused_input(error) from None


@strawberry.type(name="SubmitPledgePayload", description="What `submitPledge` stored or found.")
class SubmitPledgePayload:
    pledge: PledgeType = strawberry.field(
        description="The pledge as first answered: a replay gives the same version again."
    )
    created: bool = strawberry.field(
        description="True when this request stored the pledge; false when it was replayed, or "
        "when your key had already submitted its `externalRef` (that pledge is returned)."
    )
    replayed: bool = strawberry.field(
        description="True when `idempotencyKey` had already been used with this input: nothing "
        "was written, and `pledge` is the first answer."
    )


@strawberry.type
class PledgeMutation:
    @strawberry.mutation(
        description="Submit a pledge, as `POST /v1/pledges` does (needs an API key with "
        "`pledges:write`, sent as `Authorization: Bearer <secret>`). The same checks, the "
        "same rate limit, the same idempotency: a retry with the same `idempotencyKey` and "
        "input answers the first result (`replayed`) and stores nothing twice, and the key is "
        "shared with REST's `Idempotency-Key` for your API key. Refusals are errors with the "
        "REST `extensions.code` (`api_key_missing`, `api_key_invalid`, `scope_missing`, "
        "`rate_limited` with `retryAfter`, `validation_failed` with `errors`, "
        "`idempotency_key_reused`), in a 200 response; nothing is stored. POST only."
    )
    async def submit_pledge(
        self,
        info: Info,
        input: PledgeInput,
        idempotency_key: Annotated[
            str | None,
            strawberry.argument(
                description="Any unique string, 1-255 characters (a UUID, or a hash of the "
                "input). Remembered for your API key for at least 24 hours."
            ),
        ] = None,
    ) -> SubmitPledgePayload | None:
        try:
            async with info.context.db() as session:
                try:
                    api_key = await info.context.writer_key(session)
                    write = await pledge_writes.submit(
                        session, api_key, input.to_create(), idempotency_key=idempotency_key
                    )
                    await session.commit()
                except BaseException:
                    await session.rollback()  # nothing half-written, the key free for a retry
                    raise
                finally:
                    info.context.reset_loaders()
        except DomainError as error:
            in_input_terms(error)
            raise
        if info.context.response is not None:
            info.context.response.headers.update(data_version_headers(write.data_version))
        pledge = write.pledge
        if write.pledgers is not None:
            pledgers = [actor_types.ActorType.from_row_actor(p) for p in write.pledgers]
        else:
            actors = await info.context.loaders.actor.load_many([p.id for p in pledge.pledgers])
            pledgers = [actor_types.ActorType.from_model(actor) for actor in actors if actor]
        return SubmitPledgePayload(
            pledge=PledgeType.from_read(pledge, pledgers),
            created=write.outcome is WriteOutcome.CREATED,
            replayed=write.outcome is WriteOutcome.REPLAYED,
        )


async def nested_pledges(
    loader: DataLoader[tuple[str, NestedPledges], list[PledgeRow]],
    owner: str,
    filter: PledgeFilterInput | None,
    first: int,
) -> list[PledgeType]:
    """A nested ``pledges(filter, first)`` field: at most ``first`` of the owner's pledges,
    the earliest recorded first, cut in SQL."""
    rows = await loader.load((owner, (pledge_filter(filter), page_size(first))))
    return [PledgeType.from_row(row) for row in rows]
