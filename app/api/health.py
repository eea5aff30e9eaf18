"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import SessionDep
from app.http.problems import problem_responses
from app.services import health as health_service

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    schema_revision: str


@router.get("/healthz", operation_id="get_health")
async def get_health() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get("/readyz", operation_id="get_readiness", responses=problem_responses(503))
async def get_readiness(session: SessionDep) -> Readiness:
    """The database answers and its schema is at the latest migration."""
    revision = await health_service.check_ready(session)
    return Readiness(status="ok", schema_revision=revision)
