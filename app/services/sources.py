"""Sources: the documents every curated fact cites, with how many facts cite each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.models import Citation, Source
from app.models.source import CITED_COLUMNS
from app.schemas.common import CitationRead, PassageRead
from app.schemas.source import SourceRead
from app.services.paging import PageResult, SortKey, load_json_rows, paginate

SOURCE_ORDER = (SortKey(Source.id),)

# citation column -> public fact kind
FACT_KINDS = {column: column.removesuffix("_id").removesuffix("_code") for column in CITED_COLUMNS}


async def citation_counts(
    session: AsyncSession, source_ids: Sequence[str]
) -> dict[str, dict[str, int]]:
    """For each source, how many facts of each kind cite it (one grouped query)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    if not source_ids:
        return counts
    columns = [func.count(getattr(Citation, column)) for column in CITED_COLUMNS]
    rows = await session.execute(
        select(Citation.source_id, *columns)
        .where(Citation.source_id.in_(source_ids))
        .group_by(Citation.source_id)
    )
    for source_id, *numbers in rows:
        counts[source_id] = {
            FACT_KINDS[column]: int(n)
            for column, n in zip(CITED_COLUMNS, numbers, strict=True)
            if n
        }
    return counts


async def list_sources(
    session: AsyncSession, *, limit: int | None = None, cursor: str | None = None
) -> PageResult[Source]:
    return await paginate(session, select(Source), order=SOURCE_ORDER, limit=limit, cursor=cursor)


async def get_source(session: AsyncSession, source_id: str) -> Source:
    source = await session.get(Source, source_id)
    if source is None:
        raise NotFound(f"No source has the id {source_id!r}.", code="source_not_found")
    return source


async def list_sources_with_counts(
    session: AsyncSession, *, limit: int | None = None, cursor: str | None = None
) -> PageResult[SourceRead]:
    page = await list_sources(session, limit=limit, cursor=cursor)
    cited = await citation_counts(session, [s.id for s in page.items])
    return page.map(lambda s: SourceRead.from_model(s, cited.get(s.id, {})))


async def get_source_with_counts(session: AsyncSession, source_id: str) -> SourceRead:
    source = await get_source(session, source_id)
    cited = await citation_counts(session, [source.id])
    return SourceRead.from_model(source, cited.get(source.id, {}))


# The columns of a citation in a ``json_rows`` cell, as ``citations_in`` reads them.
CITATION_JSON_COLUMNS = (
    Citation.id,
    Citation.source_id,
    Citation.locator,
    Citation.passage_start,
    Citation.passage_end,
    Citation.passage_sha256,
)


def citations_in(cell: str | None) -> list[CitationRead]:
    """Citations from a ``json_rows`` cell of ``CITATION_JSON_COLUMNS``, in id order."""
    return [
        CitationRead.trusted(
            source_id=cited[1],
            locator=cited[2],
            passage=PassageRead.of(cited[3], cited[4], cited[5]),
        )
        for cited in sorted(load_json_rows(cell), key=_by_id)
    ]


def _by_id(values: list[Any]) -> Any:
    return values[0]
