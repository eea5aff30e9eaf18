"""Read shapes of governance changes and of counts of unnamed participants."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from app.models import GovernanceChange, ParticipantCount
from app.models.enums import ActorKind, DatePrecision, Role
from app.schemas.common import CitationRead, InferredRead, ReadModel, inferred_reads
from app.schemas.dates import format_partial
from app.schemas.descriptions import DATE_DOC, INFERRED


class DutyRead(ReadModel):
    role: Role
    duty: str = Field(description="What the change asks of the role, in our own words.")


class GovernanceChangeRead(ReadModel):
    id: str
    forum: str
    name: str
    introduced: str | None = Field(description=DATE_DOC)
    introduced_precision: DatePrecision | None
    earliest: dt.date | None = Field(description="First day it may have been introduced.")
    latest: dt.date | None = Field(description="Last day it may have been introduced.")
    introduced_by: str | None = Field(description="Actor id of who introduced it.")
    duties: list[DutyRead]
    description: str
    citations: list[CitationRead]
    inferred: list[InferredRead] = Field(description=INFERRED)

    @classmethod
    def from_model(cls, change: GovernanceChange) -> GovernanceChangeRead:
        return cls.trusted(
            id=change.id,
            forum=change.forum_code,
            name=change.name,
            introduced=format_partial(change.introduced_date, change.introduced_precision),
            introduced_precision=change.introduced_precision,
            earliest=change.earliest,
            latest=change.latest,
            introduced_by=change.introduced_by_actor_id,
            duties=[DutyRead.trusted(role=Role(d["role"]), duty=d["duty"]) for d in change.duties],
            description=change.description,
            citations=[CitationRead.from_model(c) for c in change.citations],
            inferred=inferred_reads(change.inferred),
        )


class ParticipantCountRead(ReadModel):
    id: str
    forum: str | None
    event: str | None
    role: Role
    actor_kind: ActorKind | None = Field(description="Kind of the actors counted; null: mixed.")
    count: int | None = Field(
        description="How many; null when the source says only 'many' (see `description`)."
    )
    reported: str | None = Field(description="When the count stands as of, at its precision.")
    reported_precision: DatePrecision | None
    description: str
    citations: list[CitationRead]
    inferred: list[InferredRead] = Field(description=INFERRED)

    @classmethod
    def from_model(cls, row: ParticipantCount) -> ParticipantCountRead:
        return cls.trusted(
            id=row.id,
            forum=row.forum_code,
            event=row.event_id,
            role=Role(row.role),
            actor_kind=None if row.actor_kind is None else ActorKind(row.actor_kind),
            count=row.count,
            reported=format_partial(row.reported_date, row.reported_precision),
            reported_precision=row.reported_precision,
            description=row.description,
            citations=[CitationRead.from_model(c) for c in row.citations],
            inferred=inferred_reads(row.inferred),
        )
