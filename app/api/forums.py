"""Forums: the processes, platforms and bodies that govern migration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.deps import CursorParam, LimitParam, SessionDep
from app.api.problems import problem_responses
from app.models.enums import ForumKind
from app.schemas.common import Page
from app.schemas.forum import ForumRead
from app.services import forums as forum_service

router = APIRouter(prefix="/v1/forums", tags=["forums"])

ForumCodePath = Annotated[
    str, Path(max_length=32, description="Forum code, e.g. `RCM`.", examples=["RCM"])
]


@router.get("", operation_id="list_forums", responses=problem_responses(400))
async def list_forums(
    session: SessionDep,
    kind: Annotated[ForumKind | None, Query(description="Only forums of this kind.")] = None,
    parent: Annotated[
        str | None, Query(max_length=32, description="Only forums whose parent has this code.")
    ] = None,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
) -> Page[ForumRead]:
    """List forums, ordered by code."""
    page = await forum_service.list_forums(
        session, kind=kind, parent=parent, limit=limit, cursor=cursor
    )
    return Page(
        items=[ForumRead.from_model(f) for f in page.items],
        total=page.total,
        next_cursor=page.next_cursor,
    )


@router.get("/{code}", operation_id="get_forum", responses=problem_responses(404))
async def get_forum(session: SessionDep, code: ForumCodePath) -> ForumRead:
    """One forum by its code."""
    return ForumRead.from_model(await forum_service.get_forum(session, code))
