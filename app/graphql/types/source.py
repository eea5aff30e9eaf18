"""GraphQL Source and Citation types, and the root fields listing sources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import strawberry

from app.graphql.context import Info
from app.graphql.types.common import (
    After,
    Connection,
    First,
    list_connection,
    one_or_none,
    present,
)
from app.models import Citation, Source
from app.models.enums import DatePrecision, Entity
from app.schemas.common import CitationRead, InferredRead
from app.schemas.dates import format_partial
from app.schemas.descriptions import (
    INFERRED,
    PASSAGE,
    PASSAGE_END,
    PASSAGE_SHA256,
    PASSAGE_START,
    SOURCE_AVAILABILITY,
    SOURCE_PUBLISHED,
    SOURCE_PUBLISHED_EARLIEST,
    SOURCE_PUBLISHED_LATEST,
    SOURCE_TERMS,
    TERMS_NOT_STATED,
    availability,
)
from app.services import sources as source_service
from app.services.paging import DEFAULT_LIMIT


@strawberry.type(name="FactCount", description="How many facts of one kind cite a source.")
class FactCountType:
    kind: str = strawberry.field(
        description="forum, actor, participation, funding_share, event, pledge or exchange_rate."
    )
    count: int


@strawberry.type(name="Source", description="A cited document.")
class SourceType:
    id: str
    title: str
    publisher: str
    published: str | None = strawberry.field(description=SOURCE_PUBLISHED)
    published_precision: DatePrecision | None
    published_date: dt.date | None = strawberry.field(
        description="First day of the publication date's period."
    )
    published_earliest: dt.date | None = strawberry.field(description=SOURCE_PUBLISHED_EARLIEST)
    published_latest: dt.date | None = strawberry.field(description=SOURCE_PUBLISHED_LATEST)
    url: str | None
    language: str
    availability: str = strawberry.field(description=SOURCE_AVAILABILITY)
    description: str | None
    terms: str = strawberry.field(description=SOURCE_TERMS)

    inferred: list[InferredValueType] = strawberry.field(description=INFERRED)

    @classmethod
    def from_model(cls, source: Source) -> SourceType:
        return cls(
            inferred=inferred_values(source.inferred),
            id=source.id,
            title=source.title,
            publisher=source.publisher,
            published=format_partial(source.published_date, source.published_precision),
            published_precision=source.published_precision,
            published_date=source.published_date,
            published_earliest=source.published_earliest,
            published_latest=source.published_latest,
            url=source.url,
            language=source.language,
            availability=availability(source.availability, source.url),
            description=source.description,
            terms=source.terms or TERMS_NOT_STATED,
        )

    @strawberry.field(description="How many facts of each kind cite this source.")
    async def cited_by(self, info: Info) -> list[FactCountType]:
        counts = await info.context.loaders.cited_by.load(self.id)
        return [FactCountType(kind=kind, count=count) for kind, count in counts.items()]


@strawberry.type(
    name="Passage",
    description="The exact span of the source's text a fact rests on: offsets and a digest, "
    "never the document's words.",
)
class PassageType:
    start: int = strawberry.field(description=PASSAGE_START)
    end: int = strawberry.field(description=PASSAGE_END)
    sha256: str = strawberry.field(description=PASSAGE_SHA256)


@strawberry.type(
    name="InferredValue",
    description="A value that no cited passage states but that follows from others (its "
    "basis is inferred), with the reasoning.",
)
class InferredValueType:
    field: str = strawberry.field(description="The field whose value is inferred.")
    reasoning: str = strawberry.field(
        description="How the value follows from what the passages state."
    )


def inferred_values(
    values: Sequence[InferredRead | dict[str, str]] | None,
) -> list[InferredValueType]:
    return [
        InferredValueType(field=v["field"], reasoning=v["reasoning"])
        if isinstance(v, dict)
        else InferredValueType(field=v.field, reasoning=v.reasoning)
        for v in values or []
    ]


@strawberry.type(name="Citation", description="One fact's reliance on one source.")
class CitationType:
    source_id: str
    locator: str | None = strawberry.field(
        description="Where in the source: a page, section or heading."
    )
    passage: PassageType | None = strawberry.field(default=None, description=PASSAGE)

    @classmethod
    def from_model(cls, citation: Citation) -> CitationType:
        return cls.from_read(CitationRead.from_model(citation))

    @classmethod
    def from_read(cls, citation: CitationRead) -> CitationType:
        passage = citation.passage
        return cls(
            source_id=citation.source_id,
            locator=citation.locator,
            passage=(
                None
                if passage is None
                else PassageType(start=passage.start, end=passage.end, sha256=passage.sha256)
            ),
        )

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> CitationType:
        return cls.from_read(CitationRead.from_json(value))

    @strawberry.field(description="The cited document.")
    async def source(self, info: Info) -> SourceType:
        source = await info.context.loaders.source.load(self.source_id)
        return SourceType.from_model(present(source, f"source {self.source_id}"))


def citation_types(citations: list[CitationRead]) -> list[CitationType]:
    """The GraphQL citations of a read shape's citations."""
    return [CitationType.from_read(c) for c in citations]


async def citations_of(info: Info, kind: Entity, fact_id: str | int) -> list[CitationType]:
    """The citations of one fact, batched with every other fact's in the response."""
    citations = await info.context.loaders.citations.load((kind, fact_id))
    return [CitationType.from_model(citation) for citation in citations]


@strawberry.type
class SourceQuery:
    @strawberry.field(
        description="One source by id; null with a `not_found` error when none has it."
    )
    async def source(self, info: Info, id: str) -> SourceType | None:
        return await one_or_none(
            info, lambda session: source_service.get_source(session, id), SourceType.from_model
        )

    @strawberry.field(description="Every cited document, ordered by id.")
    async def sources(
        self, info: Info, first: First = DEFAULT_LIMIT, after: After = None
    ) -> Connection[SourceType] | None:
        return await list_connection(
            info,
            lambda session, limit: source_service.list_sources(session, limit=limit, cursor=after),
            source_service.SOURCE_ORDER,
            SourceType.from_model,
            first=first,
            after=after,
        )
