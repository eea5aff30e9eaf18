"""Sources: the public documents every curated fact cites."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.api.deps import AllRowsParam, CursorParam, LimitParam, SessionDep
from app.api.params import READ_DEPENDENCIES
from app.api.rendering import FormatDep, csv_response_doc, list_response
from app.http.problems import problem_responses
from app.schemas.common import Page
from app.schemas.source import SourceRead
from app.services import sources as source_service
from app.services.paging import PageResult

router = APIRouter(prefix="/v1/sources", tags=["sources"], dependencies=READ_DEPENDENCIES)


@router.get(
    "",
    operation_id="list_sources",
    response_model=Page[SourceRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_sources(
    request: Request,
    session: SessionDep,
    output: FormatDep,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """List sources with how many facts of each kind cite them, ordered by id."""

    async def fetch(cursor: str | None, limit: int) -> PageResult[SourceRead]:
        return await source_service.list_sources_with_counts(session, limit=limit, cursor=cursor)

    return await list_response(
        request,
        output,
        SourceRead,
        fetch,
        limit=limit,
        cursor=cursor,
        all_rows=all_rows,
        filename="sources",
    )


@router.get("/{source_id}", operation_id="get_source", responses=problem_responses(404))
async def get_source(
    session: SessionDep, source_id: Annotated[str, Path(max_length=80)]
) -> SourceRead:
    """One source, with the count of facts citing it by kind."""
    return await source_service.get_source_with_counts(session, source_id)
