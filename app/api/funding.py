"""Funding shares: who pays what share of a forum's budget."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import AllRowsParam, CursorParam, LangDep, LimitParam, SessionDep
from app.api.params import READ_DEPENDENCIES, FundingShareFilterQuery
from app.api.rendering import FormatDep, csv_response_doc, render, stream_all
from app.http.problems import problem_responses
from app.schemas.funding import FundingSharePage, FundingShareRead
from app.services import funding as funding_service
from app.services.paging import PageResult

router = APIRouter(prefix="/v1/funding-shares", tags=["funding"], dependencies=READ_DEPENDENCIES)


@router.get(
    "",
    operation_id="list_funding_shares",
    response_model=FundingSharePage,
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_funding_shares(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    output: FormatDep,
    filters: FundingShareFilterQuery,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """List funding shares with their exact percentages and the true total.

    `total_pct` is the sum over every matching share; for one forum it shows how
    far the sources' figures are from 100.
    """

    async def fetch(cursor: str | None, limit: int) -> PageResult[FundingShareRead]:
        result = await funding_service.list_funding_shares(
            session, filters, limit=limit, cursor=cursor
        )
        return result.page.map(lambda s: FundingShareRead.from_model(s, lang=lang))

    if all_rows:
        return await stream_all(
            output,
            FundingShareRead,
            fetch,
            request=request,
            cursor=cursor,
            filename="funding-shares",
        )
    result = await funding_service.list_funding_shares(session, filters, limit=limit, cursor=cursor)
    items = [FundingShareRead.from_model(s, lang=lang) for s in result.page.items]
    body = FundingSharePage(
        items=items,
        total=result.page.total,
        next_cursor=result.page.next_cursor,
        total_pct=result.total_pct,
    )
    return render(
        request,
        body,
        items,
        FundingShareRead,
        output,
        next_cursor=result.page.next_cursor,
        filename="funding-shares",
    )
