"""Event read shapes: meetings, conferences and pledging events of a forum."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from app.models import Event
from app.models.enums import (
    AmountQualifier,
    Certainty,
    DatePrecision,
    EventKind,
    EventStatus,
    HostRole,
)
from app.schemas.actor import ActorRef
from app.schemas.common import CitationRead, InferredRead, ReadModel, inferred_reads
from app.schemas.dates import format_partial
from app.schemas.descriptions import (
    DATE_DOC,
    DESCRIPTION_ES,
    DESCRIPTION_IN_LANGUAGE,
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
    NAME_IN_LANGUAGE,
)
from app.schemas.language import localized
from app.schemas.participation import BoundRead


class AmountRead(ReadModel):
    amount: Decimal = Field(description=EXACT_DECIMAL)
    currency: str = Field(description=ISO_4217)
    qualifier: AmountQualifier = Field(
        description="`exact`, `at_least` (the source says 'over') or `approximate`."
    )


class HostRead(ReadModel):
    actor: ActorRef
    role: HostRole
    disputed: bool = Field(description=DISPUTED)
    dispute: str | None = Field(description=DISPUTE_KEY)


class EventRead(ReadModel):
    id: str
    forum: str | None
    name: str = Field(description=NAME_IN_LANGUAGE)
    kind: EventKind
    start: str | None = Field(description=DATE_DOC)
    start_precision: DatePrecision | None
    end: str | None = Field(description=EVENT_END)
    end_precision: DatePrecision | None
    place: str | None
    country: str | None = Field(description=HOST_COUNTRY)
    virtual: bool
    hosts: list[HostRead]
    announced_total: AmountRead | None = Field(
        description="Total announced for the whole event, where the sources give one."
    )
    description: str | None = Field(description=DESCRIPTION_IN_LANGUAGE)
    parent: str | None = Field(description="The series this event is one occurrence of.")
    status: EventStatus = Field(description=EVENT_STATUS)
    topic: str | None
    gcm_objectives: list[int] = Field(description="Global Compact for Migration objectives.")
    earliest: dt.date | None = Field(description=EVENT_WINDOW)
    latest: dt.date | None = Field(description=EVENT_WINDOW)
    citations: list[CitationRead]
    # Last: a CSV gains its new column at the end (docs/versioning.md).
    certainty: Certainty | None = Field(default=None, description=EVENT_START_CERTAINTY)
    inferred: list[InferredRead] = Field(description=INFERRED)
    series: bool = Field(default=False, description=EVENT_SERIES)
    occurrence: bool = Field(default=False, description=EVENT_OCCURRENCE)
    organizers_from: str | None = Field(default=None, description=EVENT_ORGANIZERS_FROM)
    bounds: list[BoundRead] = Field(
        default_factory=list,
        description="What `earliest` (`start` `not_before`) and `latest` (`end` "
        "`not_after`) rest on: the basis of each and the passages that give it.",
    )
    name_es: str | None = Field(default=None, description=NAME_ES)
    description_es: str | None = Field(default=None, description=DESCRIPTION_ES)

    @classmethod
    def from_model(
        cls, event: Event, *, lang: str = "en", certainty: Certainty | None = None
    ) -> EventRead:
        total = None
        if event.announced_total_amount is not None and event.announced_total_currency:
            total = AmountRead.trusted(
                amount=event.announced_total_amount,
                currency=event.announced_total_currency,
                qualifier=AmountQualifier(event.announced_total_qualifier or "exact"),
            )
        return cls.trusted(
            id=event.id,
            forum=event.forum_code,
            name=localized(event.name, event.name_es, lang),
            kind=EventKind(event.kind),
            start=format_partial(event.start_date, event.start_precision),
            start_precision=event.start_precision,
            end=format_partial(event.end_date, event.end_precision),
            end_precision=event.end_precision,
            place=event.place,
            country=event.country_iso3,
            virtual=event.virtual,
            hosts=[
                HostRead.trusted(
                    actor=ActorRef.from_model(h.actor, lang=lang),
                    role=HostRole(h.role),
                    disputed=h.dispute is not None,
                    dispute=h.dispute,
                )
                for h in event.hosts
            ],
            announced_total=total,
            description=(
                None
                if event.description is None
                else localized(event.description, event.description_es, lang)
            ),
            parent=event.parent_id,
            status=EventStatus(event.status),
            topic=event.topic,
            gcm_objectives=[o.objective for o in event.objectives],
            earliest=event.earliest,
            latest=event.latest,
            certainty=certainty,
            citations=[CitationRead.from_model(c) for c in event.citations],
            inferred=inferred_reads(event.inferred),
            series=bool(event.series),
            occurrence=event.parent_id is not None,
            organizers_from=event.organizers_from_id,
            bounds=[BoundRead.from_json(b) for b in event.bounds or []],
            name_es=event.name_es,
            description_es=event.description_es,
        )


class EventRef(ReadModel):
    id: str
    name: str
    kind: EventKind
    forum: str | None
    start: str | None
    start_precision: DatePrecision | None
    place: str | None

    @classmethod
    def from_model(cls, event: Event, *, lang: str = "en") -> EventRef:
        return cls.trusted(
            id=event.id,
            name=localized(event.name, event.name_es, lang),
            kind=EventKind(event.kind),
            forum=event.forum_code,
            start=format_partial(event.start_date, event.start_precision),
            start_precision=event.start_precision,
            place=event.place,
        )


class EventSummaryKey(StrEnum):
    FORUM = "forum"
    SERIES = "series"
    YEAR = "year"
    KIND = "kind"


class AnnouncedTotalRead(BaseModel):
    currency: str = Field(description=ISO_4217)
    amount: Decimal = Field(
        description="Sum of the events' announced totals in this currency. " + EXACT_DECIMAL
    )
    qualifier: AmountQualifier = Field(
        description="`exact` when every total summed is exact; `at_least` when one is a "
        "floor (the source says 'over') and none approximate, so the sum is a floor too; "
        "`approximate` when one is approximate."
    )
    events: int = Field(description="Events whose totals are summed here.")


class EventSummaryRow(BaseModel):
    forum: str | None = Field(default=None, description="Forum code (grouped by `forum`).")
    series: str | None = Field(
        default=None,
        description="The series the events are occurrences of (grouped by `series`; null "
        "for events that are no occurrence).",
    )
    year: int | None = Field(
        default=None,
        description="Year the events start in (grouped by `year`; null when it is not known "
        "to the year).",
    )
    kind: EventKind | None = Field(default=None, description="Event kind (grouped by `kind`).")
    count: int = Field(description="Events in the group.")
    count_with_total: int = Field(description="Events of the group with an announced total.")
    count_possible: int | None = Field(
        description="With `start_from`/`start_to`: events of the group that only may start in "
        "the range (`certainty` `possible`). Null without a range."
    )
    totals: list[AnnouncedTotalRead] = Field(
        description="Announced totals summed per currency; currencies are never added "
        "together, and no exchange rate is applied."
    )


class EventSummary(BaseModel):
    group_by: list[EventSummaryKey]
    groups: list[EventSummaryRow]
