"""Disputes: where the documents behind the data disagree."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.api.deps import AllRowsParam, CursorParam, LimitParam, SessionDep
from app.api.params import READ_DEPENDENCIES
from app.api.rendering import FormatDep, csv_response_doc, list_response
from app.http.problems import problem_responses
from app.schemas.common import Page
from app.schemas.dispute import DisputeRead
from app.services import disputes as dispute_service
from app.services.paging import PageResult

router = APIRouter(prefix="/v1/disputes", tags=["disputes"], dependencies=READ_DEPENDENCIES)


@router.get(
    "",
    operation_id="list_disputes",
    response_model=Page[DisputeRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_disputes(
    request: Request,
    session: SessionDep,
    output: FormatDep,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """List the disagreements between documents, each claim with its sources, ordered by id.

    Every disputed row elsewhere in the API (`disputed: true`) names its dispute in
    `dispute`; `rows` here lists those rows.
    """

    async def fetch(cursor: str | None, limit: int) -> PageResult[DisputeRead]:
        page = await dispute_service.list_disputes(session, limit=limit, cursor=cursor)
        return page.map(lambda d: DisputeRead.from_model(d, page.rows.get(d.id, [])))

    return await list_response(
        request,
        output,
        DisputeRead,
        fetch,
        limit=limit,
        cursor=cursor,
        all_rows=all_rows,
        filename="disputes",
    )


@router.get("/{dispute_id}", operation_id="get_dispute", responses=problem_responses(404))
async def get_dispute(
    session: SessionDep,
    dispute_id: Annotated[
        str, Path(max_length=120, description="Dispute id, e.g. `mirps-slv-membership-start`.")
    ],
) -> DisputeRead:
    """One dispute: what it is about, each claim's value and citations, and its rows."""
    dispute, rows = await dispute_service.get_dispute(session, dispute_id)
    return DisputeRead.from_model(dispute, rows)
