"""Participation read shapes: an actor's role in a forum over time, and how surely."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import Field

from app.models.enums import BoundBasis, Certainty, DatePrecision, HolderStatus, Role
from app.models.participation import certainty
from app.schemas.actor import ActorRead, ActorRef
from app.schemas.common import CitationRead, InferredRead, ReadModel, inferred_reads
from app.schemas.dates import format_partial
from app.schemas.descriptions import (
    BOUND_BASIS,
    BOUNDS,
    CERTAINTY,
    CHAIR_OBJECTIVES,
    CHAIR_THEME,
    DEPARTMENTS,
    DISPUTE_KEY,
    DISPUTED,
    END_EARLIEST,
    END_LATEST,
    HOLDER_STATUS,
    INFERRED,
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
            citations=[CitationRead.from_json(c) for c in value.get("citations", [])],
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
    departments: list[str] = Field(description=DEPARTMENTS)
    bounds: list[BoundRead] = Field(description=BOUNDS)
    citations: list[CitationRead]
    inferred: list[InferredRead] = Field(description=INFERRED)

    @classmethod
    def from_values(
        cls,
        c: Mapping[str, Any],
        *,
        actor: ActorRef | None,
        citations: list[CitationRead],
        as_of: dt.date | None = None,
    ) -> ParticipationRead:
        """The read shape from a participation's column values (a Core row's mapping; enum
        columns already typed), its actor and citations given."""
        return cls.trusted(
            id=c["id"],
            forum=c["forum_code"],
            actor=actor,
            bounds=[BoundRead.from_json(b) for b in c["bounds"] or []],
            citations=citations,
            inferred=inferred_reads(c["inferred"]),
            **shared_values(c, as_of),
        )


def shared_values(c: Mapping[Any, Any], as_of: dt.date | None) -> dict[str, Any]:
    """The fields REST's ``ParticipationRead`` and GraphQL's ``Participation`` give alike,
    from a participation's column values: dates as stated, their bounds, the certainty
    on ``as_of`` (none without a day), the dispute and a chair's term."""
    return {
        "holder_status": c["holder_status"],
        "role": c["role"],
        "start": format_partial(c["start_date"], c["start_precision"]),
        "start_precision": c["start_precision"],
        "end": format_partial(c["end_date"], c["end_precision"]),
        "end_precision": c["end_precision"],
        "certainty": (
            None
            if as_of is None
            else certainty(
                as_of, c["start_earliest"], c["start_latest"], c["end_earliest"], c["end_latest"]
            )
        ),
        "start_earliest": c["start_earliest"],
        "start_latest": c["start_latest"],
        "end_earliest": c["end_earliest"],
        "end_latest": c["end_latest"],
        "last_confirmed": c["last_confirmed"],
        "last_confirmed_source": c["last_confirmed_source_id"],
        "disputed": c["dispute"] is not None,
        "dispute": c["dispute"],
        "note": c["note"],
        "theme": c["theme"],
        "objectives": list(c["objectives"] or []),
        "departments": list(c["departments"] or []),
    }


class ActorWithRolesRead(ActorRead):
    """An actor with its roles embedded (``include=participations``)."""

    participations: list[ParticipationRead] | None = Field(
        default=None,
        description="With `include=participations`: the actor's roles in every forum, "
        "ordered like `/v1/participations` (only those in effect on `as_of` when given); "
        "null otherwise.",
    )
