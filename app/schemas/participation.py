"""Participation read shapes: an actor's role in a forum over time."""

from __future__ import annotations

from pydantic import Field

from app.models import Participation
from app.models.enums import DatePrecision, Role
from app.schemas.actor import ActorRef
from app.schemas.common import CitationRead, ReadModel, precision
from app.schemas.dates import format_partial
from app.schemas.descriptions import DISPUTE_KEY, DISPUTED, ROLE_END, ROLE_START


class ParticipationRead(ReadModel):
    id: int
    forum: str = Field(description="Forum code.")
    actor: ActorRef
    role: Role
    start: str | None = Field(description=ROLE_START)
    start_precision: DatePrecision | None
    end: str | None = Field(description=ROLE_END)
    end_precision: DatePrecision | None
    disputed: bool = Field(description=DISPUTED)
    dispute: str | None = Field(description=DISPUTE_KEY)
    note: str | None
    citations: list[CitationRead]

    @classmethod
    def from_model(cls, row: Participation, *, lang: str = "en") -> ParticipationRead:
        return cls.trusted(
            id=row.id,
            forum=row.forum_code,
            actor=ActorRef.from_model(row.actor, lang=lang),
            role=Role(row.role),
            start=format_partial(row.start_date, row.start_precision),
            start_precision=precision(row.start_precision),
            end=format_partial(row.end_date, row.end_precision),
            end_precision=precision(row.end_precision),
            disputed=row.dispute is not None,
            dispute=row.dispute,
            note=row.note,
            citations=[CitationRead.from_model(c) for c in row.citations],
        )
