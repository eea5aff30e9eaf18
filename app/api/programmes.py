"""Programmes: funds, programmes, initiatives, plans, policies and campaigns (not forums)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.api.deps import AllRowsParam, CursorParam, LangDep, LimitParam, SessionDep
from app.api.params import READ_DEPENDENCIES, ProgrammeFilterQuery
from app.api.rendering import FormatDep, csv_response_doc, list_response
from app.http.problems import problem_responses
from app.schemas.common import JudgedPage
from app.schemas.programme import ProgrammeRead
from app.services import programmes as programme_service
from app.services.paging import PageResult

router = APIRouter(prefix="/v1/programmes", tags=["programmes"], dependencies=READ_DEPENDENCIES)


@router.get(
    "",
    operation_id="list_programmes",
    response_model=JudgedPage[ProgrammeRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_programmes(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    output: FormatDep,
    filters: ProgrammeFilterQuery,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """List programmes, funds, initiatives, plans, policies and campaigns, ordered by id.

    Each has its owner and forum where the documents name them, its dates with their
    bounds, its parts and successors, and its citations. With `as_of`, only those that
    may be running that day, each labelled `certain` or `possible`.
    """

    async def fetch(cursor: str | None, limit: int) -> PageResult[ProgrammeRead]:
        page = await programme_service.list_programmes(
            session, filters, limit=limit, cursor=cursor, lang=lang
        )
        return PageResult(page.reads, page.total, page.next_cursor, page.possible_left_out)

    return await list_response(
        request,
        output,
        ProgrammeRead,
        fetch,
        limit=limit,
        cursor=cursor,
        all_rows=all_rows,
        filename="programmes",
        judged=True,
    )


@router.get("/{programme_id}", operation_id="get_programme", responses=problem_responses(404))
async def get_programme(
    session: SessionDep,
    lang: LangDep,
    programme_id: Annotated[str, Path(max_length=100, description="Programme id, e.g. `imcbp`.")],
) -> ProgrammeRead:
    """One programme by id, with its parts, successors and citations."""
    return await programme_service.get_programme(session, programme_id, lang=lang)
