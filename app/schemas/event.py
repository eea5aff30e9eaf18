"""Event read shapes: meetings, conferences and pledging events of a forum."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from app.models import Event
from app.models.enums import (
    AmountQualifier,
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
    DISPUTE_KEY,
    DISPUTED,
    EVENT_END,
    EVENT_STATUS,
    EVENT_WINDOW,
    EXACT_DECIMAL,
    HOST_COUNTRY,
    INFERRED,
    ISO_4217,
)
from app.schemas.language import localized


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
    name: str
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
    description: str | None
    parent: str | None = Field(description="The series this event is one occurrence of.")
    status: EventStatus = Field(description=EVENT_STATUS)
    topic: str | None
    gcm_objectives: list[int] = Field(description="Global Compact for Migration objectives.")
    earliest: dt.date | None = Field(description=EVENT_WINDOW)
    latest: dt.date | None = Field(description=EVENT_WINDOW)
    citations: list[CitationRead]
    inferred: list[InferredRead] = Field(description=INFERRED)

    @classmethod
    def from_model(cls, event: Event, *, lang: str = "en") -> EventRead:
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
            # No source gives events a Spanish name yet: Spanish answers say English stood in.
            name=localized(event.name, None, lang),
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
            description=event.description,
            parent=event.parent_id,
            status=EventStatus(event.status),
            topic=event.topic,
            gcm_objectives=[o.objective for o in event.objectives],
            earliest=event.earliest,
            latest=event.latest,
            citations=[CitationRead.from_model(c) for c in event.citations],
            inferred=inferred_reads(event.inferred),
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
    def from_model(cls, event: Event) -> EventRef:
        return cls.trusted(
            id=event.id,
            name=event.name,
            kind=EventKind(event.kind),
            forum=event.forum_code,
            start=format_partial(event.start_date, event.start_precision),
            start_precision=event.start_precision,
            place=event.place,
        )
