"""Governance changes of forums, and counts of participants the documents do not name."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import CursorParam, LimitParam, SessionDep
from app.api.params import (
    READ_DEPENDENCIES,
    GovernanceChangeFilterQuery,
    ParticipantCountFilterQuery,
)
from app.api.problems import problem_responses
from app.api.rendering import FormatDep, csv_response_doc, render_page
from app.schemas.common import Page
from app.schemas.governance import GovernanceChangeRead, ParticipantCountRead
from app.services import governance as governance_service

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
) -> Response:
    """List dated changes in how forums are run, with each role's duties, ordered by id.

    A change the documents only place within a period has no `introduced` date but
    `earliest` and `latest` bounds.
    """
    page = await governance_service.list_governance_changes(
        session, filters, limit=limit, cursor=cursor
    )
    return render_page(
        request,
        output,
        GovernanceChangeRead,
        [GovernanceChangeRead.from_model(c) for c in page.items],
        total=page.total,
        next_cursor=page.next_cursor,
        filename="governance-changes",
    )


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
) -> Response:
    """List counts of participants the documents do not name, ordered by id.

    How many actors of a kind held a role in a forum or at an event, as reported on a
    date (the RCM's five observer countries, the 75 states at the 1989 Geneva
    conference). `count` is null when a source says only "many".
    """
    page = await governance_service.list_participant_counts(
        session, filters, limit=limit, cursor=cursor
    )
    return render_page(
        request,
        output,
        ParticipantCountRead,
        [ParticipantCountRead.from_model(c) for c in page.items],
        total=page.total,
        next_cursor=page.next_cursor,
        filename="participant-counts",
    )
