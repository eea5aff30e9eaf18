"""Actors: states and organisations taking part in the forums."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from app.api.deps import CursorParam, LangDep, LimitParam, SessionDep
from app.api.params import READ_DEPENDENCIES, AsOfParam
from app.api.problems import problem_responses
from app.api.rendering import FormatDep, csv_response_doc, render_page
from app.models.enums import ActorKind, Certainty
from app.schemas.actor import ActorRead
from app.schemas.common import Page
from app.services import actors as actor_service

router = APIRouter(prefix="/v1/actors", tags=["actors"], dependencies=READ_DEPENDENCIES)


@router.get(
    "",
    operation_id="list_actors",
    response_model=Page[ActorRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_actors(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    output: FormatDep,
    kind: Annotated[ActorKind | None, Query(description="Only actors of this kind.")] = None,
    member_of: Annotated[
        list[str] | None,
        Query(
            max_length=20,
            description="Only actors that are members of every listed forum on `as_of` "
            "(today by default): `member_of=RCM&member_of=MIRPS`. Each actor's `certainty` "
            "is the weakest of its memberships.",
        ),
    ] = None,
    as_of: AsOfParam = None,
    certainty: Annotated[
        Certainty | None,
        Query(description="`certain`: only actors surely members of every `member_of` forum."),
    ] = None,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
) -> Response:
    """List actors, ordered by id."""
    page = await actor_service.list_actors(
        session,
        kind=kind,
        member_of=member_of or (),
        as_of=as_of,
        certainty=certainty,
        limit=limit,
        cursor=cursor,
    )
    return render_page(
        request,
        output,
        ActorRead,
        [
            ActorRead.from_model(a, lang=lang, certainty=page.certainty.get(a.id))
            for a in page.items
        ],
        total=page.total,
        next_cursor=page.next_cursor,
        filename="actors",
    )


@router.get("/{actor_id}", operation_id="get_actor", responses=problem_responses(404))
async def get_actor(
    session: SessionDep,
    lang: LangDep,
    actor_id: Annotated[str, Path(max_length=64, description="`CAN`, `unhcr`, ...")],
) -> ActorRead:
    """One actor by id."""
    return ActorRead.from_model(await actor_service.get_actor(session, actor_id), lang=lang)
