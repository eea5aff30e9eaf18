"""``GET /metrics``: Prometheus text format of the series in ``app.telemetry.metrics``.

The middleware that records them is ``app.http.metrics``. ``/metrics`` is left out
of the OpenAPI document: it is for operators, not partners.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import SessionDep
from app.services import changes as change_service
from app.telemetry import metrics

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def get_metrics(request: Request, session: SessionDep) -> Response:
    """Prometheus exposition of this process's (or every worker's) metrics."""
    version = await change_service.current_version(session)
    metrics.DATA_VERSION.set(version.version)
    body, content_type = metrics.exposition(request.app.state.settings.prometheus_multiproc_dir)
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
