"""Participations: every role every actor holds in every forum, over time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.api import includes
from app.api.deps import AllRowsParam, CursorParam, LangDep, LimitParam, SessionDep
from app.api.includes import ForumInclude
from app.api.params import MAX_ID, READ_DEPENDENCIES, ParticipationFilterQuery
from app.api.rendering import FormatDep, csv_response_doc, list_response
from app.http.problems import problem_responses
from app.schemas.included import JudgedIncludingPage
from app.schemas.participation import ParticipationRead
from app.services import participations as participation_service
from app.services.paging import PageResult

router = APIRouter(
    prefix="/v1/participations", tags=["participations"], dependencies=READ_DEPENDENCIES
)


@router.get(
    "",
    operation_id="list_participations",
    response_model=JudgedIncludingPage[ParticipationRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_participations(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    output: FormatDep,
    filters: ParticipationFilterQuery,
    include: ForumInclude = None,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """List participations: actor x forum x role over a period, with citations.

    Ordered by forum, role rank (chair, pro tempore presidency, co-chair, incoming
    chair, past chair, member, associate, observer, ...), start (unknown first),
    actor and id.
    """

    async def fetch(cursor: str | None, limit: int) -> PageResult[ParticipationRead]:
        return await participation_service.list_participation_reads(
            session, filters, limit=limit, cursor=cursor, lang=lang
        )

    return await list_response(
        request,
        output,
        ParticipationRead,
        fetch,
        limit=limit,
        cursor=cursor,
        all_rows=all_rows,
        filename="participations",
        judged=True,
        include=lambda items: includes.collect(
            session, include, forum_codes=(i.forum for i in items), lang=lang
        ),
    )


@router.get(
    "/{participation_id}",
    operation_id="get_participation",
    response_model=ParticipationRead,
    responses=problem_responses(400, 404),
)
async def get_participation(
    session: SessionDep,
    lang: LangDep,
    participation_id: Annotated[
        int,
        Path(
            ge=1,
            le=MAX_ID,
            description="The `id` of a participation, as lists and disputes' `rows` give it.",
        ),
    ],
) -> ParticipationRead:
    """One participation by id, with its bounds and citations.

    A dispute's `rows` name participations by this id; `certainty` is null here
    (there is no day to judge: ask `/v1/participations?as_of=` for one).
    """
    return await participation_service.get_participation(session, participation_id, lang=lang)
