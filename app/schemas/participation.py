"""Participation read shapes: an actor's role in a forum over time, and how surely."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from app.models import Participation
from app.models.enums import BoundBasis, Certainty, DatePrecision, HolderStatus, Role
from app.schemas.actor import ActorRead, ActorRef
from app.schemas.common import CitationRead, ReadModel
from app.schemas.dates import format_partial
from app.schemas.descriptions import (
    BOUND_BASIS,
    BOUNDS,
    CERTAINTY,
    CHAIR_OBJECTIVES,
    CHAIR_THEME,
    DISPUTE_KEY,
    DISPUTED,
    END_EARLIEST,
    END_LATEST,
    HOLDER_STATUS,
    LAST_CONFIRMED,
    LAST_CONFIRMED_SOURCE,
    ROLE_END,
    ROLE_START,
    START_EARLIEST,
    START_LATEST,
)


class BoundRead(ReadModel):
    edge: str = Field(description="`start` or `end`.")
    side: str = Field(description="`not_before` or `not_after`.")
    day: dt.date
    basis: BoundBasis = Field(description=BOUND_BASIS)
    citations: list[CitationRead]

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> BoundRead:
        return cls.trusted(
            edge=value["edge"],
            side=value["side"],
            day=dt.date.fromisoformat(value["day"]),
            basis=BoundBasis(value["basis"]),
            citations=[CitationRead.trusted(**c) for c in value.get("citations", [])],
        )


class ParticipationRead(ReadModel):
    id: int
    forum: str = Field(description="Forum code.")
    actor: ActorRef | None = Field(
        description="Who holds the role; null for a vacant or undecided office."
    )
    holder_status: HolderStatus = Field(description=HOLDER_STATUS)
    role: Role
    start: str | None = Field(description=ROLE_START)
    start_precision: DatePrecision | None
    end: str | None = Field(description=ROLE_END)
    end_precision: DatePrecision | None
    certainty: Certainty | None = Field(description=CERTAINTY)
    start_earliest: dt.date | None = Field(description=START_EARLIEST)
    start_latest: dt.date | None = Field(description=START_LATEST)
    end_earliest: dt.date | None = Field(description=END_EARLIEST)
    end_latest: dt.date | None = Field(description=END_LATEST)
    last_confirmed: dt.date | None = Field(description=LAST_CONFIRMED)
    last_confirmed_source: str | None = Field(description=LAST_CONFIRMED_SOURCE)
    disputed: bool = Field(description=DISPUTED)
    dispute: str | None = Field(description=DISPUTE_KEY)
    note: str | None
    theme: str | None = Field(description=CHAIR_THEME)
    objectives: list[str] = Field(description=CHAIR_OBJECTIVES)
    bounds: list[BoundRead] = Field(description=BOUNDS)
    citations: list[CitationRead]

    @classmethod
    def from_model(
        cls, row: Participation, *, lang: str = "en", as_of: dt.date | None = None
    ) -> ParticipationRead:
        return cls.trusted(
            id=row.id,
            forum=row.forum_code,
            actor=ActorRef.from_model(row.actor, lang=lang) if row.actor is not None else None,
            holder_status=HolderStatus(row.holder_status),
            role=Role(row.role),
            start=format_partial(row.start_date, row.start_precision),
            start_precision=row.start_precision,
            end=format_partial(row.end_date, row.end_precision),
            end_precision=row.end_precision,
            certainty=row.certainty_on(as_of) if as_of is not None else None,
            start_earliest=row.start_earliest,
            start_latest=row.start_latest,
            end_earliest=row.end_earliest,
            end_latest=row.end_latest,
            last_confirmed=row.last_confirmed,
            last_confirmed_source=row.last_confirmed_source_id,
            disputed=row.dispute is not None,
            dispute=row.dispute,
            note=row.note,
            theme=row.theme,
            objectives=list(row.objectives or []),
            bounds=[BoundRead.from_json(b) for b in row.bounds or []],
            citations=[CitationRead.from_model(c) for c in row.citations],
        )


class ActorWithRolesRead(ActorRead):
    """An actor with its roles embedded (``include=participations``)."""

    participations: list[ParticipationRead] | None = Field(
        default=None,
        description="With `include=participations`: the actor's roles in every forum, "
        "ordered like `/v1/participations` (only those in effect on `as_of` when given); "
        "null otherwise.",
    )
