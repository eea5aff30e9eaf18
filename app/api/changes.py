"""The change feed: every created, updated, withdrawn or deleted record, in commit order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import LimitParam, SessionDep
from app.api.params import READ_DEPENDENCIES
from app.http.problems import problem_responses
from app.models.enums import Entity
from app.schemas.change import ChangeFeed, ChangeRead
from app.services import changes as change_service

router = APIRouter(prefix="/v1/changes", tags=["changes"], dependencies=READ_DEPENDENCIES)


@router.get("", operation_id="list_changes", responses=problem_responses(400))
async def list_changes(
    session: SessionDep,
    since: Annotated[
        str | None,
        Query(
            max_length=1000,
            description="Cursor from a previous answer's `next_cursor`; leave out to start "
            "from the beginning.",
        ),
    ] = None,
    entity: Annotated[Entity | None, Query(description="Only this kind of record.")] = None,
    limit: LimitParam = 100,
) -> ChangeFeed:
    """Follow every change to the data, in commit order, to keep a mirror in sync.

    Curated dataset loads and API submissions alike. Start without `since`,
    apply the items, store `next_cursor`, and come back with `since=<it>`:
    `has_more` says whether to ask again right away. `next_cursor` is set on
    the last page too, so nothing committed later is ever missed. Fetch a
    changed record from its resource (a withdrawn pledge is still there, with
    status `withdrawn`); a `deleted` record is gone. Supports `If-None-Match`:
    a poll that finds nothing new costs a 304.
    """
    page = await change_service.change_feed(session, since=since, entity=entity, limit=limit)
    return ChangeFeed(
        items=[ChangeRead.model_validate(change) for change in page.items],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )
