"""Pledges: who committed what, where, in which currency, and its USD equivalent."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from app.api import includes
from app.api.deps import CursorParam, LangDep, LimitParam, SessionDep
from app.api.includes import PledgeInclude
from app.api.params import READ_DEPENDENCIES, ActorFilter, ForumFilter, IsoDate
from app.api.problems import problem_responses
from app.api.rendering import FormatDep, csv_response_doc, render, render_page
from app.models.enums import PledgeKind, PledgeStatus
from app.schemas.event import PledgeRead
from app.schemas.included import IncludingPage
from app.schemas.summary import PledgeSummary, PledgeSummaryRow, SummaryKey
from app.services import pledges as pledge_service
from app.services.pledges import PledgeFilter, PledgeSort

# A plain decimal: digits, optionally a point and up to 2 decimals (no exponent, no sign).
AMOUNT_PATTERN = r"^[0-9]{1,18}(\.[0-9]{1,2})?$"

router = APIRouter(prefix="/v1/pledges", tags=["pledges"], dependencies=READ_DEPENDENCIES)


def pledge_filter(
    pledger: ActorFilter = None,
    forum: ForumFilter = None,
    event: Annotated[str | None, Query(max_length=100, description="Event id.")] = None,
    kind: Annotated[PledgeKind | None, Query()] = None,
    status: Annotated[PledgeStatus | None, Query()] = None,
    currency: Annotated[
        str | None, Query(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. `CAD`.")
    ] = None,
    announced_from: Annotated[
        IsoDate | None, Query(description="Announced on or after this day.")
    ] = None,
    announced_to: Annotated[
        IsoDate | None, Query(description="Announced on or before this day.")
    ] = None,
    gcm_objective: Annotated[
        int | None, Query(ge=1, le=23, description="Addresses this GCM objective (1-23).")
    ] = None,
    amount_min: Annotated[
        str | None,
        Query(pattern=AMOUNT_PATTERN, description="At least this amount, in its own currency."),
    ] = None,
    amount_max: Annotated[
        str | None,
        Query(pattern=AMOUNT_PATTERN, description="At most this amount, in its own currency."),
    ] = None,
    curated: Annotated[
        bool | None, Query(description="`true`: curated pledges only; `false`: submitted only.")
    ] = None,
) -> PledgeFilter:
    return PledgeFilter(
        pledger=pledger,
        forum=forum,
        event=event,
        kind=kind,
        status=status,
        currency=currency,
        announced_from=announced_from,
        announced_to=announced_to,
        gcm_objective=gcm_objective,
        amount_min=None if amount_min is None else Decimal(amount_min),
        amount_max=None if amount_max is None else Decimal(amount_max),
        curated=curated,
    )


PledgeFilterDep = Annotated[PledgeFilter, Depends(pledge_filter)]


@router.get(
    "",
    operation_id="list_pledges",
    response_model=IncludingPage[PledgeRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_pledges(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    output: FormatDep,
    filters: PledgeFilterDep,
    sort: Annotated[PledgeSort, Query(description="Ordering; `-` for descending.")] = PledgeSort.ID,
    include: PledgeInclude = None,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
) -> Response:
    """List pledges, curated and submitted, with their USD equivalents."""
    page = await pledge_service.list_pledges(
        session, filters, sort=sort, limit=limit, cursor=cursor
    )
    included = await includes.collect(
        session,
        include,
        forum_codes=(p.forum_code for p in page.items),
        event_ids=(p.event_id for p in page.items),
        lang=lang,
    )
    return render_page(
        request,
        output,
        PledgeRead,
        [PledgeRead.from_model(p, lang=lang) for p in page.items],
        total=page.total,
        next_cursor=page.next_cursor,
        filename="pledges",
        included=included,
    )


@router.get(
    "/summary",
    operation_id="summarize_pledges",
    response_model=PledgeSummary,
    responses={**problem_responses(400), **csv_response_doc()},
)
async def summarize_pledges(
    request: Request,
    session: SessionDep,
    output: FormatDep,
    filters: PledgeFilterDep,
    group_by: Annotated[
        list[SummaryKey] | None,
        Query(description="Group by any of forum, year, kind, status, pledger, currency."),
    ] = None,
) -> Response:
    """Pledge totals per group: per original currency, in USD, and how many lack a USD rate.

    Amounts in different currencies are never added together. Grouped by
    `pledger`, a joint pledge counts in full for each of its pledgers.
    """
    items = await pledge_service.summarize_pledges(session, filters, group_by=group_by or ())
    body = PledgeSummary(group_by=list(dict.fromkeys(group_by or ())), groups=items)
    return render(request, body, items, PledgeSummaryRow, output, filename="pledge-summary")


@router.get("/{pledge_id}", operation_id="get_pledge", responses=problem_responses(404))
async def get_pledge(
    session: SessionDep,
    lang: LangDep,
    pledge_id: Annotated[int, Path(ge=1, le=2**62)],
) -> PledgeRead:
    """One pledge by id."""
    return PledgeRead.from_model(await pledge_service.get_pledge(session, pledge_id), lang=lang)
