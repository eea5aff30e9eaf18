"""Source read shapes."""

from __future__ import annotations

from pydantic import Field

from app.models import Source
from app.models.enums import DatePrecision
from app.schemas.common import ReadModel
from app.schemas.dates import format_partial
from app.schemas.descriptions import SOURCE_DOCUMENT, SOURCE_PUBLISHED


class SourceRead(ReadModel):
    id: str
    title: str
    publisher: str
    published: str | None = Field(description=SOURCE_PUBLISHED)
    published_precision: DatePrecision | None
    url: str | None
    language: str
    document: str | None = Field(description=SOURCE_DOCUMENT)
    description: str | None
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
            url=source.url,
            language=source.language,
            document=source.document,
            description=source.description,
            cited_by=cited_by,
        )
