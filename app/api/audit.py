"""The audit log: every write, with the key that made it and the record before and after."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.api.deps import (
    AdminKeyDep,
    CursorParam,
    LimitParam,
    SessionDep,
    reject_unknown_query_params,
)
from app.api.params import MAX_ID
from app.http.problems import problem_responses
from app.models.enums import AuditAction, AuditEntity
from app.schemas.access import AuditEntryPage, AuditEntryRead
from app.services import audit as audit_service

router = APIRouter(
    prefix="/v1/audit",
    tags=["audit"],
    dependencies=[Depends(reject_unknown_query_params)],
)


@router.get(
    "",
    operation_id="list_audit_entries",
    response_model=AuditEntryPage,
    responses=problem_responses(400, 401, 403),
)
async def list_audit_entries(
    session: SessionDep,
    _admin: AdminKeyDep,
    entity: Annotated[AuditEntity | None, Query(description="Only this kind of record.")] = None,
    entity_id: Annotated[
        str | None, Query(max_length=200, description="Only this record, e.g. a pledge id.")
    ] = None,
    api_key: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only writes by this API key id.")
    ] = None,
    action: Annotated[AuditAction | None, Query()] = None,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
) -> Response:
    """The audit log, oldest first (needs `pledges:admin`).

    Each entry names the action, the record, the API key that wrote it (null
    for operator commands), the time, and the record before and after.
    Responses are private: never cached by shared caches.
    """
    page = await audit_service.list_audit_entries(
        session,
        entity=entity,
        entity_id=entity_id,
        api_key_id=api_key,
        action=action,
        limit=limit,
        cursor=cursor,
    )
    body = AuditEntryPage(
        items=[AuditEntryRead.from_model(entry) for entry in page.items],
        next_cursor=page.next_cursor,
    )
    return Response(
        body.model_dump_json(),
        media_type="application/json",
        headers={"Cache-Control": "private, no-store"},
    )
