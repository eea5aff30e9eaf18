"""Event and pledge read shapes."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from pydantic import Field

from app.models import Event, Pledge
from app.models.enums import (
    AmountQualifier,
    DatePrecision,
    EventKind,
    HostRole,
    PledgeKind,
    PledgeScope,
    PledgeStatus,
)
from app.schemas.actor import ActorRef
from app.schemas.common import CitationRead, ReadModel, precision
from app.schemas.dates import format_partial
from app.schemas.participation import DATE_DOC

E = TypeVar("E", bound=StrEnum)


def _optional(enum: type[E], value: str | None) -> E | None:
    return None if value is None else enum(value)


class AmountRead(ReadModel):
    amount: Decimal = Field(description="Exact decimal string.")
    currency: str = Field(description="ISO 4217 code.")
    qualifier: AmountQualifier = Field(
        description="`exact`, `at_least` (the source says 'over') or `approximate`."
    )


class HostRead(ReadModel):
    actor: ActorRef
    role: HostRole


class EventRead(ReadModel):
    id: str
    forum: str | None
    name: str
    kind: EventKind
    start: str | None = Field(description=DATE_DOC)
    start_precision: DatePrecision | None
    end: str | None = Field(description=f"Last day of the event (inclusive). {DATE_DOC}")
    end_precision: DatePrecision | None
    place: str | None
    country: str | None = Field(description="ISO 3166-1 alpha-3 of the host country.")
    virtual: bool
    hosts: list[HostRead]
    announced_total: AmountRead | None = Field(
        description="Total announced for the whole event, where the sources give one."
    )
    description: str | None
    citations: list[CitationRead]

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
            name=event.name,
            kind=EventKind(event.kind),
            start=format_partial(event.start_date, event.start_precision),
            start_precision=precision(event.start_precision),
            end=format_partial(event.end_date, event.end_precision),
            end_precision=precision(event.end_precision),
            place=event.place,
            country=event.country_iso3,
            virtual=event.virtual,
            hosts=[
                HostRead.trusted(
                    actor=ActorRef.from_model(h.actor, lang=lang), role=HostRole(h.role)
                )
                for h in event.hosts
            ],
            announced_total=total,
            description=event.description,
            citations=[CitationRead.from_model(c) for c in event.citations],
        )


class PledgeRead(ReadModel):
    id: int
    pledgers: list[ActorRef] = Field(description="The lead pledger first.")
    forum: str | None
    event: str | None
    kind: PledgeKind
    scope: PledgeScope | None
    amount: Decimal | None = Field(description="Exact decimal string in `currency`.")
    amount_qualifier: AmountQualifier | None
    currency: str | None = Field(description="ISO 4217 code, as pledged.")
    amount_usd: Decimal | None = Field(
        description="USD equivalent from the dated rates table; null where no rate is known."
    )
    announced_on: str | None = Field(description=DATE_DOC)
    announced_precision: DatePrecision | None
    status: PledgeStatus
    gcm_objectives: list[int] = Field(description="Global Compact for Migration objectives (1-23).")
    title: str
    description: str | None
    external_ref: str | None
    curated: bool = Field(description="From the curated dataset (true) or submitted (false).")
    version: int
    citations: list[CitationRead]

    @classmethod
    def from_model(cls, pledge: Pledge, *, lang: str = "en") -> PledgeRead:
        return cls.trusted(
            id=pledge.id,
            pledgers=[ActorRef.from_model(p.actor, lang=lang) for p in pledge.pledgers],
            forum=pledge.forum_code,
            event=pledge.event_id,
            kind=PledgeKind(pledge.kind),
            scope=_optional(PledgeScope, pledge.scope),
            amount=pledge.amount,
            amount_qualifier=_optional(AmountQualifier, pledge.amount_qualifier),
            currency=pledge.currency,
            amount_usd=pledge.amount_usd,
            announced_on=format_partial(pledge.announced_date, pledge.announced_precision),
            announced_precision=precision(pledge.announced_precision),
            status=PledgeStatus(pledge.status),
            gcm_objectives=[o.objective for o in pledge.objectives],
            title=pledge.title,
            description=pledge.description,
            external_ref=pledge.external_ref,
            curated=pledge.key is not None,
            version=pledge.version,
            citations=[CitationRead.from_model(c) for c in pledge.citations],
        )
