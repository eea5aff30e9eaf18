"""Money records: budgets, fees, costs, recorded totals and contributions that are not pledges."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.api.deps import AllRowsParam, CursorParam, LimitParam, SessionDep
from app.api.params import READ_DEPENDENCIES, MoneyRecordFilterQuery
from app.api.rendering import FormatDep, csv_response_doc, list_response, render
from app.http.problems import problem_responses
from app.schemas.common import Page
from app.schemas.money import MoneyRecordRead, MoneySummary, MoneyTotalRead
from app.services import money_records as money_service
from app.services.paging import PageResult

router = APIRouter(
    prefix="/v1/money-records", tags=["money-records"], dependencies=READ_DEPENDENCIES
)


@router.get(
    "",
    operation_id="list_money_records",
    response_model=Page[MoneyRecordRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_money_records(
    request: Request,
    session: SessionDep,
    output: FormatDep,
    filters: MoneyRecordFilterQuery,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """List money the documents state that is not a pledge, ordered by id.

    Budgets, membership fees, estimated and total costs, recorded totals and
    contributions, each in its own currency (`currency_assumed` when the source wrote
    only "$"), with how the source qualifies it, its period and its citations. Pledges
    are at /v1/pledges.
    """

    async def fetch(cursor: str | None, limit: int) -> PageResult[MoneyRecordRead]:
        page = await money_service.list_money_records(session, filters, limit=limit, cursor=cursor)
        return page.map(MoneyRecordRead.from_model)

    return await list_response(
        request,
        output,
        MoneyRecordRead,
        fetch,
        limit=limit,
        cursor=cursor,
        all_rows=all_rows,
        filename="money-records",
    )


@router.get(
    "/summary",
    operation_id="summarize_money_records",
    response_model=MoneySummary,
    responses={**problem_responses(400), **csv_response_doc()},
)
async def summarize_money_records(
    request: Request, session: SessionDep, output: FormatDep, filters: MoneyRecordFilterQuery
) -> Response:
    """Money records totalled by forum, programme, kind and currency.

    Currencies are never added together; a record with no amount counts without
    adding to its total.
    """
    totals = await money_service.summarize_money_records(session, filters)
    body = MoneySummary(groups=totals)
    return render(request, body, totals, MoneyTotalRead, output, filename="money-summary")


@router.get("/{record_id}", operation_id="get_money_record", responses=problem_responses(404))
async def get_money_record(
    session: SessionDep,
    record_id: Annotated[
        str, Path(max_length=100, description="Record id, e.g. `cirefca-recorded-funding-1994`.")
    ],
) -> MoneyRecordRead:
    """One money record by id, with its citations."""
    return MoneyRecordRead.from_model(await money_service.get_money_record(session, record_id))
