"""Events: meetings, conferences and pledging events of the forums."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from app.api import includes
from app.api.deps import AllRowsParam, CursorParam, LangDep, LimitParam, SessionDep
from app.api.includes import ForumInclude
from app.api.params import READ_DEPENDENCIES, EventFilterQuery
from app.api.rendering import FormatDep, csv_response_doc, list_response, render
from app.http.problems import problem_responses
from app.schemas.event import EventRead, EventSummary, EventSummaryKey, EventSummaryRow
from app.schemas.filters import Lowered
from app.schemas.included import JudgedIncludingPage
from app.services import events as event_service
from app.services.paging import PageResult

router = APIRouter(prefix="/v1/events", tags=["events"], dependencies=READ_DEPENDENCIES)


@router.get(
    "",
    operation_id="list_events",
    response_model=JudgedIncludingPage[EventRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_events(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    output: FormatDep,
    filters: EventFilterQuery,
    include: ForumInclude = None,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """List events, ordered by start date (undated first), then id.

    `start_from`/`start_to` take a day, a month or a year (`start_from=2022`). An
    event whose start is known only to a month or a year, or only within its
    series' dates, matches when it may start in the range, labelled `certainty`;
    `certainty=certain` keeps the sure ones and says how many it left out.
    """

    async def fetch(cursor: str | None, limit: int) -> PageResult[EventRead]:
        page = await event_service.list_events(session, filters, limit=limit, cursor=cursor)
        return page.map(
            lambda e: EventRead.from_model(e, lang=lang, certainty=page.certainty.get(e.id))
        )

    return await list_response(
        request,
        output,
        EventRead,
        fetch,
        limit=limit,
        cursor=cursor,
        all_rows=all_rows,
        filename="events",
        judged=True,
        include=lambda items: includes.collect(
            session, include, forum_codes=(i.forum for i in items), lang=lang
        ),
    )


@router.get(
    "/summary",
    operation_id="summarize_events",
    response_model=EventSummary,
    responses={**problem_responses(400), **csv_response_doc()},
)
async def summarize_events(
    request: Request,
    session: SessionDep,
    output: FormatDep,
    filters: EventFilterQuery,
    group_by: Annotated[
        tuple[EventSummaryKey, ...] | None,
        Lowered,
        Query(
            description="Group by any of forum, series, year, kind, in order (repeat or "
            "comma-separate: `group_by=forum,year`). None: one group of every event."
        ),
    ] = None,
) -> Response:
    """Events' announced totals per group, summed per currency, with the event filters.

    Sums the totals announced for whole events ("more than US$210 million
    mobilised"), not pledges: `/v1/pledges/summary` sums the pledges recorded one
    by one. Currencies are never added together, and a sum including an
    `at_least` total is `at_least` itself.
    """
    keys = list(dict.fromkeys(group_by or ()))
    groups = await event_service.summarize_events(session, filters, group_by=keys)
    body = EventSummary(group_by=keys, groups=groups)
    return render(request, body, groups, EventSummaryRow, output, filename="event-summary")


@router.get("/{event_id}", operation_id="get_event", responses=problem_responses(404))
async def get_event(
    session: SessionDep,
    lang: LangDep,
    event_id: Annotated[str, Path(max_length=100)],
) -> EventRead:
    """One event by id."""
    return EventRead.from_model(await event_service.get_event(session, event_id), lang=lang)
