"""Programme read shape: funds, programmes, initiatives, plans, policies and campaigns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from app.models import Programme
from app.models.enums import Certainty, DatePrecision, ProgrammeKind
from app.schemas.common import CitationRead, InferredRead, ReadModel, inferred_reads
from app.schemas.dates import format_partial
from app.schemas.descriptions import (
    DATE_DOC,
    DESCRIPTION_ES,
    DESCRIPTION_IN_LANGUAGE,
    INFERRED,
    NAME_ES,
    NAME_IN_LANGUAGE,
)
from app.schemas.language import localized

PROGRAMME_END = (
    "Last year, month or day the programme ran, at its precision; null when the "
    "documents give none."
)
BOUNDS_DOC = (
    "Days the start may fall on (`start_earliest` .. `start_latest`) and, exclusive, the "
    "end (`end_earliest` .. `end_latest`); null is unbounded."
)


class ProgrammeRead(ReadModel):
    id: str
    name: str = Field(description=NAME_IN_LANGUAGE)
    name_es: str | None = Field(description=NAME_ES)
    aliases: list[str]
    kind: ProgrammeKind
    owner_actor: str | None = Field(description="Actor id of the owner, where named.")
    owner_forum: str | None = Field(description="Code of the forum that runs it, where named.")
    forum: str | None = Field(description="The forum it serves or belongs to.")
    parent: str | None = Field(description="The programme it is part of (a plan's areas).")
    predecessor: str | None = Field(description="The programme it replaced.")
    successors: list[str] = Field(description="Programmes that replaced it.")
    parts: list[str] = Field(description="Its own parts, in the documents' order.")
    start: str | None = Field(description=DATE_DOC)
    start_precision: DatePrecision | None
    end: str | None = Field(description=PROGRAMME_END)
    end_precision: DatePrecision | None
    start_earliest: dt.date | None = Field(description=BOUNDS_DOC)
    start_latest: dt.date | None
    end_earliest: dt.date | None
    end_latest: dt.date | None
    certainty: Certainty | None = Field(
        default=None, description="With `as_of`: `certain` or `possible` on that day."
    )
    description: str = Field(description=DESCRIPTION_IN_LANGUAGE)
    details: dict[str, Any] | None = Field(
        description="Facts with no field of their own (who may take part, kinds of support)."
    )
    note: str | None
    citations: list[CitationRead]
    inferred: list[InferredRead] = Field(description=INFERRED)
    # Last: a CSV gains its new column at the end (docs/versioning.md).
    description_es: str | None = Field(default=None, description=DESCRIPTION_ES)

    @classmethod
    def from_model(
        cls,
        programme: Programme,
        *,
        successors: list[str],
        parts: list[str],
        lang: str = "en",
        certainty: Certainty | None = None,
    ) -> ProgrammeRead:
        return cls.trusted(
            id=programme.id,
            name=localized(programme.name, programme.name_es, lang),
            name_es=programme.name_es,
            aliases=list(programme.aliases),
            kind=ProgrammeKind(programme.kind),
            owner_actor=programme.owner_actor_id,
            owner_forum=programme.owner_forum_code,
            forum=programme.forum_code,
            parent=programme.parent_id,
            predecessor=programme.predecessor_id,
            successors=successors,
            parts=parts,
            start=format_partial(programme.start_date, programme.start_precision),
            start_precision=programme.start_precision,
            end=format_partial(programme.end_date, programme.end_precision),
            end_precision=programme.end_precision,
            start_earliest=programme.start_earliest,
            start_latest=programme.start_latest,
            end_earliest=programme.end_earliest,
            end_latest=programme.end_latest,
            certainty=certainty,
            description=localized(programme.description, programme.description_es, lang),
            description_es=programme.description_es,
            details=programme.details,
            note=programme.note,
            citations=[CitationRead.from_model(c) for c in programme.citations],
            inferred=inferred_reads(programme.inferred),
        )
