"""Participations: every role every actor holds in every forum, over time."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api import includes
from app.api.deps import CursorParam, LangDep, LimitParam, SessionDep
from app.api.includes import ForumInclude
from app.api.params import (
    READ_DEPENDENCIES,
    ActorFilter,
    AsOfParam,
    CertaintyParam,
    DisputedParam,
    ForumFilter,
    RoleParam,
)
from app.api.problems import problem_responses
from app.api.rendering import FormatDep, csv_response_doc, render_page
from app.schemas.included import IncludingPage
from app.schemas.participation import ParticipationRead
from app.services import participations as participation_service

router = APIRouter(
    prefix="/v1/participations", tags=["participations"], dependencies=READ_DEPENDENCIES
)


@router.get(
    "",
    operation_id="list_participations",
    response_model=IncludingPage[ParticipationRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_participations(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    output: FormatDep,
    forum: ForumFilter = None,
    actor: ActorFilter = None,
    role: RoleParam = None,
    as_of: AsOfParam = None,
    certainty: CertaintyParam = None,
    disputed: DisputedParam = None,
    include: ForumInclude = None,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
) -> Response:
    """List participations: actor x forum x role over a period, with citations.

    Ordered by forum, role, start (unknown first), actor and id.
    """
    page = await participation_service.list_participations(
        session,
        forum=forum,
        actor=actor,
        roles=role or (),
        as_of=as_of,
        certainty=certainty,
        disputed=disputed,
        limit=limit,
        cursor=cursor,
    )
    return render_page(
        request,
        output,
        ParticipationRead,
        [ParticipationRead.from_model(p, lang=lang, as_of=as_of) for p in page.items],
        total=page.total,
        next_cursor=page.next_cursor,
        filename="participations",
        included=await includes.collect(
            session, include, forum_codes=(p.forum_code for p in page.items), lang=lang
        ),
    )
