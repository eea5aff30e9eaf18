"""The change feed: every created, updated, withdrawn or deleted record, in commit order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.adapters_common import MAX_VERSION
from app.api.deps import LimitParam, SessionDep
from app.api.params import READ_DEPENDENCIES
from app.errors import InvalidInput
from app.http.problems import problem_responses
from app.models.enums import Entity
from app.schemas.change import ChangeFeed, ChangeRead, RowChangeRead
from app.services import changes as change_service
from app.services import version_diff

router = APIRouter(prefix="/v1/changes", tags=["changes"], dependencies=READ_DEPENDENCIES)


@router.get("", operation_id="list_changes", responses=problem_responses(400))
async def list_changes(
    session: SessionDep,
    since: Annotated[
        str | None,
        Query(
            max_length=1000,
            description="Cursor from a previous answer's `next_cursor`; leave out to start "
            "from the beginning (of the range, with `from`).",
        ),
    ] = None,
    entity: Annotated[Entity | None, Query(description="Only this kind of record.")] = None,
    start: Annotated[
        int | None,
        Query(
            alias="from",
            ge=0,
            le=MAX_VERSION,
            description="Compare data versions: the changes made after version `from`, up to "
            "`to`, each with the rows it wrote and their values before and after (`rows`). "
            "Both must be within the versions kept (a 400 `unknown_version` names them).",
        ),
    ] = None,
    end: Annotated[
        int | None,
        Query(
            alias="to",
            ge=1,
            le=MAX_VERSION,
            description="With `from`: the last version compared (default: the current one).",
        ),
    ] = None,
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

    With `from` (and `to`), it compares two data versions instead: each change
    between them comes with the rows it wrote, before and after, so a reader of
    an answer cited at version `from` sees what was corrected since, and how.
    """
    if start is None:
        if end is not None:
            raise InvalidInput(
                "`to` needs `from`: the versions compared are after `from`, up to `to`.",
                code="invalid_parameter",
                errors=[{"field": "to", "detail": "needs `from`", "requires": ["from"]}],
            )
        page = await change_service.change_feed(session, since=since, entity=entity, limit=limit)
        return ChangeFeed(
            items=[ChangeRead.model_validate(change) for change in page.items],
            next_cursor=page.next_cursor,
            has_more=page.has_more,
        )
    compared = await version_diff.compare(
        session, start=start, end=end, entity=entity, limit=limit, since=since
    )
    return ChangeFeed(
        items=[
            ChangeRead.model_validate(item.change).model_copy(
                update={
                    "rows": [
                        RowChangeRead(table=r.table, key=r.key, before=r.before, after=r.after)
                        for r in item.rows
                    ]
                }
            )
            for item in compared.items
        ],
        next_cursor=compared.next_cursor,
        has_more=compared.has_more,
    )
