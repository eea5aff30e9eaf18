"""Forums: the processes, platforms and bodies that govern migration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.api.deps import AllRowsParam, CursorParam, LangDep, LimitParam, SessionDep
from app.api.params import (
    READ_DEPENDENCIES,
    ForumFilterQuery,
    ParticipantFilterQuery,
)
from app.api.rendering import FormatDep, csv_response_doc, list_response
from app.http.problems import problem_responses
from app.schemas.common import JudgedPage, Page
from app.schemas.forum import ForumRead
from app.schemas.participation import ParticipationRead
from app.services import forums as forum_service
from app.services import participations as participation_service
from app.services.paging import PageResult

router = APIRouter(
    prefix="/v1/forums",
    tags=["forums"],
    dependencies=READ_DEPENDENCIES,
)

ForumCodePath = Annotated[
    str, Path(max_length=32, description="Forum code, e.g. `RCM`.", examples=["RCM"])
]


@router.get(
    "",
    operation_id="list_forums",
    response_model=Page[ForumRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_forums(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    output: FormatDep,
    filters: ForumFilterQuery,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """List forums, ordered by code."""

    async def fetch(cursor: str | None, limit: int) -> PageResult[ForumRead]:
        page = await forum_service.list_forums(session, filters, limit=limit, cursor=cursor)
        return page.map(lambda f: ForumRead.from_model(f, lang=lang))

    return await list_response(
        request,
        output,
        ForumRead,
        fetch,
        limit=limit,
        cursor=cursor,
        all_rows=all_rows,
        filename="forums",
    )


@router.get("/{code}", operation_id="get_forum", responses=problem_responses(404))
async def get_forum(session: SessionDep, lang: LangDep, code: ForumCodePath) -> ForumRead:
    """One forum by its code, with its parent, children and citations."""
    return ForumRead.from_model(await forum_service.get_forum(session, code), lang=lang)


@router.get(
    "/{code}/participants",
    operation_id="list_forum_participants",
    response_model=JudgedPage[ParticipationRead],
    responses={**problem_responses(400, 404), **csv_response_doc()},
)
async def list_forum_participants(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    output: FormatDep,
    code: ForumCodePath,
    filters: ParticipantFilterQuery,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """Who takes part in a forum, in which role, over which period.

    With `as_of`, only the roles in effect that day: "who were the members of RCM
    on 2020-01-01", "who chaired the MIRPS Support Platform on 2022-01-01".
    """

    async def fetch(cursor: str | None, limit: int) -> PageResult[ParticipationRead]:
        return await participation_service.list_participant_reads(
            session, code, filters, limit=limit, cursor=cursor, lang=lang
        )

    filename = f"{code}-participants"
    return await list_response(
        request,
        output,
        ParticipationRead,
        fetch,
        limit=limit,
        cursor=cursor,
        all_rows=all_rows,
        filename=filename,
        judged=True,
    )
