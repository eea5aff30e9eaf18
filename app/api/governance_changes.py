"""Dated changes in how forums are run (`/v1/governance-changes`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import AllRowsParam, CursorParam, LimitParam, SessionDep
from app.api.params import (
    READ_DEPENDENCIES,
    GovernanceChangeFilterQuery,
)
from app.api.rendering import FormatDep, csv_response_doc, list_response
from app.http.problems import problem_responses
from app.schemas.common import Page
from app.schemas.governance import GovernanceChangeRead
from app.services import governance as governance_service
from app.services.paging import PageResult

router = APIRouter(tags=["governance"], dependencies=READ_DEPENDENCIES)


@router.get(
    "/v1/governance-changes",
    operation_id="list_governance_changes",
    response_model=Page[GovernanceChangeRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_governance_changes(
    request: Request,
    session: SessionDep,
    output: FormatDep,
    filters: GovernanceChangeFilterQuery,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """List dated changes in how forums are run, with each role's duties, ordered by id.

    A change the documents only place within a period has no `introduced` date but
    `earliest` and `latest` bounds.
    """

    async def fetch(cursor: str | None, limit: int) -> PageResult[GovernanceChangeRead]:
        page = await governance_service.list_governance_changes(
            session, filters, limit=limit, cursor=cursor
        )
        return page.map(GovernanceChangeRead.from_model)

    return await list_response(
        request,
        output,
        GovernanceChangeRead,
        fetch,
        limit=limit,
        cursor=cursor,
        all_rows=all_rows,
        filename="governance-changes",
    )
