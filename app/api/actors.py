"""Actors: states and organisations taking part in the forums."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from app.api.deps import AllRowsParam, CursorParam, LangDep, LimitParam, SessionDep
from app.api.params import READ_DEPENDENCIES, ActorFilterQuery, AsOfParam
from app.api.rendering import FormatDep, csv_response_doc, list_response
from app.http.problems import problem_responses
from app.schemas.actor import ActorRead
from app.schemas.common import JudgedPage
from app.schemas.filters import Lowered
from app.schemas.participation import ActorWithRolesRead
from app.services import actors as actor_service
from app.services.paging import PageResult

router = APIRouter(prefix="/v1/actors", tags=["actors"], dependencies=READ_DEPENDENCIES)


@router.get(
    "",
    operation_id="list_actors",
    response_model=JudgedPage[ActorRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_actors(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    output: FormatDep,
    filters: ActorFilterQuery,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """List actors, ordered by id.

    "Who is in SICA but not in C-A4 on 2021-10-01":
    `member_of=SICA&not_member_of=C-A4&as_of=2021-10-01`; "the GCM champions among
    MIRPS members": `has_role=GCM:champion&member_of=MIRPS`. With `member_of` or
    `has_role`, each actor's `certainty` is the weakest over those conditions, and
    `certainty_set_by` names the ones that set it; `conditions_met` gives each
    condition's own certainty and the disputes over it.
    """

    async def fetch(cursor: str | None, limit: int) -> PageResult[ActorRead]:
        page = await actor_service.list_actors(session, filters, limit=limit, cursor=cursor)
        return page.map(
            lambda a: ActorRead.from_model(
                a,
                lang=lang,
                certainty=page.certainty.get(a.id),
                set_by=page.conditions_setting(a.id),
                met=page.conditions_met(a.id),
            )
        )

    return await list_response(
        request,
        output,
        ActorRead,
        fetch,
        limit=limit,
        cursor=cursor,
        all_rows=all_rows,
        filename="actors",
        judged=True,
    )


class ActorRelation(StrEnum):
    PARTICIPATIONS = "participations"


@router.get(
    "/{actor_id}",
    operation_id="get_actor",
    response_model=ActorWithRolesRead,
    responses=problem_responses(400, 404),
)
async def get_actor(
    session: SessionDep,
    lang: LangDep,
    actor_id: Annotated[str, Path(max_length=64, description="`CAN`, `unhcr`, ...")],
    include: Annotated[
        tuple[ActorRelation, ...] | None,
        Lowered,
        Query(description="`participations`: embed the actor's roles in every forum."),
    ] = None,
    as_of: AsOfParam = None,
) -> ActorWithRolesRead:
    """One actor by id (any case), optionally with its roles (`include=participations`)."""
    found = await actor_service.get_actor_with_roles(
        session, actor_id, participations=bool(include), as_of=as_of, lang=lang
    )
    base = ActorRead.from_model(found.actor, lang=lang)
    return ActorWithRolesRead.trusted(**dict(base), participations=found.participations)
