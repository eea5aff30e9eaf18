"""Counts of participants the documents do not name (`/v1/participant-counts`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import AllRowsParam, CursorParam, LimitParam, SessionDep
from app.api.params import (
    READ_DEPENDENCIES,
    ParticipantCountFilterQuery,
)
from app.api.rendering import FormatDep, csv_response_doc, list_response
from app.http.problems import problem_responses
from app.schemas.common import Page
from app.schemas.governance import ParticipantCountRead
from app.services import governance as governance_service
from app.services.paging import PageResult

router = APIRouter(tags=["governance"], dependencies=READ_DEPENDENCIES)


@router.get(
    "/v1/participant-counts",
    operation_id="list_participant_counts",
    response_model=Page[ParticipantCountRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_participant_counts(
    request: Request,
    session: SessionDep,
    output: FormatDep,
    filters: ParticipantCountFilterQuery,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """List counts of participants the documents do not name, ordered by id.

    How many actors of a kind held a role in a forum or at an event, as reported on a
    date (the RCM's five observer countries, the 75 states at the 1989 Geneva
    conference). `count` is null when a source says only "many".
    """

    async def fetch(cursor: str | None, limit: int) -> PageResult[ParticipantCountRead]:
        page = await governance_service.list_participant_counts(
            session, filters, limit=limit, cursor=cursor
        )
        return page.map(ParticipantCountRead.from_model)

    return await list_response(
        request,
        output,
        ParticipantCountRead,
        fetch,
        limit=limit,
        cursor=cursor,
        all_rows=all_rows,
        filename="participant-counts",
    )
