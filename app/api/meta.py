"""Dataset metadata: what is there and how fresh it is."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.api.deps import SessionDep
from app.api.index import served_collections
from app.api.params import READ_DEPENDENCIES
from app.schemas.meta import Meta
from app.services import meta as meta_service

router = APIRouter(prefix="/v1/meta", tags=["meta"], dependencies=READ_DEPENDENCIES)


@router.get("", operation_id="get_meta")
async def get_meta(request: Request, session: SessionDep) -> Meta:
    """Dataset version, last change time, counts per entity, and each source's coverage.

    Cheap to poll: a partner compares `dataset_version` (or sends `If-None-Match`)
    before pulling anything else.
    """
    return await meta_service.describe(session, served_collections(request))
