"""GraphQL Event type (meetings, conferences, pledging events) and its root fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.graphql.context import Info
from app.graphql.execution import context_only
from app.graphql.types import actor as actor_types
from app.graphql.types import forum as forum_types
from app.graphql.types import pledge as pledge_types
from app.graphql.types.common import (
    After,
    Connection,
    First,
    LangArg,
    NestedFirst,
    TextLangArg,
    connection,
    name_in,
    one_or_none,
    page_of,
)
from app.graphql.types.dispute import DISPUTE_OF_ROW, DisputeType, dispute_by_id
from app.graphql.types.filters import (
    EventFilterInput,
    PledgeFilterInput,
    to_filter,
)
from app.graphql.types.participation import BoundType
from app.graphql.types.source import CitationType, InferredValueType, citations_of, inferred_values
from app.models import Event
from app.models.enums import (
    AmountQualifier,
    Certainty,
    DatePrecision,
    Entity,
    EventKind,
    EventStatus,
    HostRole,
)
from app.schemas.dates import format_partial
from app.schemas.descriptions import (
    DATE_DOC,
    DESCRIPTION_ES,
    DISPUTE_KEY,
    DISPUTED,
    EVENT_END,
    EVENT_OCCURRENCE,
    EVENT_ORGANIZERS_FROM,
    EVENT_SERIES,
    EVENT_START_CERTAINTY,
    EVENT_STATUS,
    EVENT_WINDOW,
    EXACT_DECIMAL,
    HOST_COUNTRY,
    INFERRED,
    ISO_4217,
    NAME_ES,
)
from app.schemas.event import EventSummaryKey, EventSummaryRow
from app.schemas.filters import EventFilter
from app.services import events as event_service
from app.services.paging import DEFAULT_LIMIT

if TYPE_CHECKING:
    from app.graphql.types.actor import ActorType
    from app.graphql.types.forum import ForumType
    from app.graphql.types.pledge import PledgeType


@strawberry.type(name="Amount", description="An amount of money in its own currency.")
class AmountType:
    amount: Decimal = strawberry.field(description=EXACT_DECIMAL)
    currency: str = strawberry.field(description=ISO_4217)
    qualifier: AmountQualifier = strawberry.field(
        description="EXACT, AT_LEAST (the source says 'over') or APPROXIMATE."
    )


@strawberry.type(name="EventHost", description="An actor hosting or organising an event.")
class EventHostType:
    actor: Annotated[ActorType, strawberry.lazy("app.graphql.types.actor")]
    role: HostRole
    disputed: bool = strawberry.field(description=DISPUTED)
    dispute_id: str | None = strawberry.field(description=DISPUTE_KEY)

    @strawberry.field(description=DISPUTE_OF_ROW)
    async def dispute(self, info: Info) -> DisputeType | None:
        return await dispute_by_id(info, self.dispute_id)


@strawberry.type(name="Event", description="A meeting, conference or pledging event of a forum.")
class EventType:
    id: str
    forum_code: str | None
    name_en: strawberry.Private[str]
    name_es: str | None = strawberry.field(description=NAME_ES)
    kind: EventKind
    start: str | None = strawberry.field(description=DATE_DOC)
    start_precision: DatePrecision | None
    start_date: dt.date | None = strawberry.field(description="First day of the start's period.")
    end: str | None = strawberry.field(description=EVENT_END)
    end_precision: DatePrecision | None
    end_date: dt.date | None = strawberry.field(description="First day of the end's period.")
    place: str | None
    country: str | None = strawberry.field(description=HOST_COUNTRY)
    virtual: bool
    hosts: list[EventHostType]
    announced_total: AmountType | None = strawberry.field(
        description="Total announced for the whole event, where the sources give one."
    )
    description_en: strawberry.Private[str | None]
    description_es: str | None = strawberry.field(description=DESCRIPTION_ES)
    parent_id: str | None = strawberry.field(
        description="Id of the series this event is one occurrence of."
    )
    status: EventStatus = strawberry.field(description=EVENT_STATUS)
    topic: str | None
    gcm_objectives: list[int] = strawberry.field(
        description="Global Compact for Migration objectives the event addresses."
    )
    earliest: dt.date | None = strawberry.field(description=EVENT_WINDOW)
    latest: dt.date | None = strawberry.field(description=EVENT_WINDOW)
    certainty: Certainty | None = strawberry.field(default=None, description=EVENT_START_CERTAINTY)
    series: bool = strawberry.field(default=False, description=EVENT_SERIES)
    occurrence: bool = strawberry.field(default=False, description=EVENT_OCCURRENCE)
    organizers_from_id: str | None = strawberry.field(
        default=None, description=EVENT_ORGANIZERS_FROM
    )
    bounds: list[BoundType] = strawberry.field(
        default_factory=list,
        description="What `earliest` (START NOT_BEFORE) and `latest` (END NOT_AFTER) rest on: "
        "the basis of each and the passages that give it.",
    )

    inferred: list[InferredValueType] = strawberry.field(description=INFERRED)

    @classmethod
    def from_model(cls, event: Event, certainty: Certainty | None = None) -> EventType:
        total = None
        if event.announced_total_amount is not None and event.announced_total_currency:
            total = AmountType(
                amount=event.announced_total_amount,
                currency=event.announced_total_currency,
                qualifier=AmountQualifier(event.announced_total_qualifier or AmountQualifier.EXACT),
            )
        return cls(
            inferred=inferred_values(event.inferred),
            id=event.id,
            forum_code=event.forum_code,
            name_en=event.name,
            name_es=event.name_es,
            kind=EventKind(event.kind),
            start=format_partial(event.start_date, event.start_precision),
            start_precision=event.start_precision,
            start_date=event.start_date,
            end=format_partial(event.end_date, event.end_precision),
            end_precision=event.end_precision,
            end_date=event.end_date,
            place=event.place,
            country=event.country_iso3,
            virtual=event.virtual,
            hosts=[
                EventHostType(
                    actor=actor_types.ActorType.from_model(host.actor),
                    role=HostRole(host.role),
                    disputed=host.dispute is not None,
                    dispute_id=host.dispute,
                )
                for host in event.hosts
            ],
            announced_total=total,
            description_en=event.description,
            description_es=event.description_es,
            parent_id=event.parent_id,
            status=EventStatus(event.status),
            topic=event.topic,
            gcm_objectives=[o.objective for o in event.objectives],
            earliest=event.earliest,
            latest=event.latest,
            certainty=certainty,
            series=bool(event.series),
            occurrence=event.parent_id is not None,
            organizers_from_id=event.organizers_from_id,
            bounds=[BoundType.from_json(b) for b in event.bounds or []],
        )

    @strawberry.field(description="Name, in English or Spanish (see `lang`).")
    @context_only
    def name(self, info: Info, lang: LangArg = strawberry.UNSET) -> str:
        return name_in(info, self.name_en, self.name_es, lang)

    @strawberry.field(description="A short description written for migov, in English or Spanish.")
    @context_only
    def description(self, info: Info, lang: TextLangArg = strawberry.UNSET) -> str | None:
        if self.description_en is None:
            return None
        return name_in(info, self.description_en, self.description_es, lang)

    @strawberry.field(description="The series this event is one occurrence of.")
    async def parent(self, info: Info) -> EventType | None:
        if self.parent_id is None:
            return None
        event = await info.context.loaders.event.load(self.parent_id)
        return EventType.from_model(event) if event else None

    @strawberry.field(
        description="Who ran the event: the hosts of `organizersFrom` (its own, or its "
        "series'); empty when no document says."
    )
    async def organizers(self, info: Info) -> list[EventHostType]:
        if self.organizers_from_id is None:
            return []
        if self.organizers_from_id == self.id:
            return self.hosts
        event = await info.context.loaders.event.load(self.organizers_from_id)
        return [] if event is None else EventType.from_model(event).hosts

    @strawberry.field(description="The forum holding the event.")
    async def forum(
        self, info: Info
    ) -> Annotated[ForumType, strawberry.lazy("app.graphql.types.forum")] | None:
        if self.forum_code is None:
            return None
        return await forum_types.forum_by_code(info, self.forum_code)

    @strawberry.field(
        description="Pledges announced at this event, in the order recorded, at most `first` "
        "of them. Null, with an `invalid_input` error, when the filter contradicts itself."
    )
    async def pledges(
        self,
        info: Info,
        filter: PledgeFilterInput | None = None,
        first: NestedFirst = DEFAULT_LIMIT,
    ) -> list[Annotated[PledgeType, strawberry.lazy("app.graphql.types.pledge")]] | None:
        loader = info.context.loaders.pledges_by_event
        return await pledge_types.nested_pledges(loader, self.id, filter, first)

    @strawberry.field(description="The sources this event's record rests on.")
    async def citations(self, info: Info) -> list[CitationType]:
        return await citations_of(info, Entity.EVENT, self.id)


@strawberry.type(
    name="AnnouncedTotal",
    description="Events' announced totals summed in one currency, as surely as the weakest.",
)
class AnnouncedTotalType:
    currency: str = strawberry.field(description=ISO_4217)
    amount: Decimal = strawberry.field(description=EXACT_DECIMAL)
    qualifier: AmountQualifier = strawberry.field(
        description="EXACT when every total summed is; AT_LEAST when one is a floor and none "
        "approximate (the sum is a floor too); APPROXIMATE when one is approximate."
    )
    events: int = strawberry.field(description="Events whose totals are summed here.")


@strawberry.type(
    name="EventGroup",
    description="The values a group of events shares; null for a key not grouped by (or a "
    "value the events lack: no series, a start not known to the year).",
)
class EventGroupType:
    forum: str | None = None
    series: str | None = strawberry.field(
        default=None, description="Id of the series the events are occurrences of."
    )
    year: int | None = None
    kind: EventKind | None = None


@strawberry.type(
    name="EventTotal",
    description="One group of events and their announced totals, per currency. These are "
    "totals announced for whole events, not sums of recorded pledges (`pledgeSummary`).",
)
class EventTotalType:
    group: EventGroupType
    count: int = strawberry.field(description="Events in the group.")
    count_with_total: int = strawberry.field(description="Events with an announced total.")
    count_possible: int | None = strawberry.field(
        description="With `startFrom`/`startTo`: events that only may start in the range. "
        "Null without a range."
    )
    totals: list[AnnouncedTotalType] = strawberry.field(
        description="Announced totals per currency; currencies are never added together."
    )

    @classmethod
    def from_row(cls, row: EventSummaryRow) -> EventTotalType:
        return cls(
            group=EventGroupType(forum=row.forum, series=row.series, year=row.year, kind=row.kind),
            count=row.count,
            count_with_total=row.count_with_total,
            count_possible=row.count_possible,
            totals=[
                AnnouncedTotalType(
                    currency=t.currency, amount=t.amount, qualifier=t.qualifier, events=t.events
                )
                for t in row.totals
            ],
        )


@strawberry.type
class EventQuery:
    @strawberry.field(
        description="One event by id; null with a `not_found` error (and suggestions) when none has it."
    )
    async def event(self, info: Info, id: str) -> EventType | None:
        return await one_or_none(
            info, lambda session: event_service.get_event(session, id), EventType.from_model
        )

    @strawberry.field(
        description="Announced totals of the events `filter` keeps, per group and currency: "
        "`GET /v1/events/summary`. Sums the totals announced for whole events, not pledges."
    )
    async def event_summary(
        self,
        info: Info,
        group_by: Annotated[
            list[EventSummaryKey],
            strawberry.argument(description="Keys to group by, in order; [] for one group."),
        ],
        filter: EventFilterInput | None = None,
    ) -> list[EventTotalType] | None:
        criteria = to_filter(EventFilter, filter)
        async with info.context.db() as session:
            rows = await event_service.summarize_events(session, criteria, group_by=group_by)
        return [EventTotalType.from_row(row) for row in rows]

    @strawberry.field(
        description="Events, ordered by start date (undated first), then id. `startFrom` and "
        "`startTo` take a day, month or year; an event whose start is known only roughly "
        "matches when it may start in the range, labelled `certainty`."
    )
    async def events(
        self,
        info: Info,
        filter: EventFilterInput | None = None,
        first: First = DEFAULT_LIMIT,
        after: After = None,
    ) -> Connection[EventType] | None:
        criteria = to_filter(EventFilter, filter)
        page = await page_of(
            info,
            lambda session, limit: event_service.list_events(
                session, criteria, limit=limit, cursor=after
            ),
            first,
        )
        return connection(
            page,
            event_service.EVENT_ORDER,
            lambda event: EventType.from_model(event, page.certainty.get(event.id)),
            after=after,
        )
