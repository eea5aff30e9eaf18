"""Source read shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from app.models import Source
from app.models.enums import DatePrecision
from app.schemas.common import InferredRead, ReadModel, inferred_reads
from app.schemas.dates import format_partial
from app.schemas.descriptions import (
    INFERRED,
    SOURCE_AVAILABILITY,
    SOURCE_PUBLISHED,
    SOURCE_PUBLISHED_EARLIEST,
    SOURCE_PUBLISHED_LATEST,
    SOURCE_TERMS,
    TERMS_NOT_STATED,
    availability,
)


class SourceRead(ReadModel):
    id: str
    title: str
    publisher: str
    published: str | None = Field(description=SOURCE_PUBLISHED)
    published_precision: DatePrecision | None
    published_earliest: dt.date | None = Field(description=SOURCE_PUBLISHED_EARLIEST)
    published_latest: dt.date | None = Field(description=SOURCE_PUBLISHED_LATEST)
    url: str | None
    language: str
    availability: str = Field(description=SOURCE_AVAILABILITY)
    description: str | None
    terms: str = Field(description=SOURCE_TERMS)
    inferred: list[InferredRead] = Field(description=INFERRED)
    cited_by: dict[str, int] = Field(
        description="How many facts of each kind cite this source "
        "(forum, actor, participation, funding_share, event, pledge, exchange_rate)."
    )

    @classmethod
    def from_model(cls, source: Source, cited_by: dict[str, int]) -> SourceRead:
        return cls(
            id=source.id,
            title=source.title,
            publisher=source.publisher,
            published=format_partial(source.published_date, source.published_precision),
            published_precision=source.published_precision,
            published_earliest=source.published_earliest,
            published_latest=source.published_latest,
            url=source.url,
            language=source.language,
            availability=availability(source.availability, source.url),
            description=source.description,
            terms=source.terms or TERMS_NOT_STATED,
            inferred=inferred_reads(source.inferred),
            cited_by=cited_by,
        )
