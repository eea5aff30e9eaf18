"""``GET /metrics`` (Prometheus text format) and the middleware that times every request.

The series are defined in ``app.metrics``. The route label is the template the
request matched (``/v1/pledges/{pledge_id}``), read after routing; answers given
before routing (the response cache, refusals by outer middleware) are matched
against a table of the REST routes' templates, so they count under the same
template. ``/metrics`` is left out of the OpenAPI document: it is for
operators, not partners.
"""

from __future__ import annotations

import re
import time

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.api.deps import SessionDep
from app.services import changes as change_service

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def get_metrics(request: Request, session: SessionDep) -> Response:
    """Prometheus exposition of this process's (or every worker's) metrics."""
    version = await change_service.current_version(session)
    metrics.DATA_VERSION.set(version.version)
    body, content_type = metrics.exposition(request.app.state.settings.prometheus_multiproc_dir)
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


Templates = list[tuple[re.Pattern[str], str]]


def route_template(scope: Scope, templates: Templates) -> str:
    """The template of the route that answered (without converters), else the first of
    ``templates`` the path matches, else ``<unmatched>``. A route included under a
    prefix (GraphQL's) has an empty template of its own: the table names it."""
    route = scope.get("route")
    found = getattr(route, "path_format", None) if route is not None else None
    if found:
        return str(found)
    path = scope["path"]
    for regex, template in templates:
        if regex.match(path):
            return template
    return metrics.UNMATCHED


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, templates: Templates) -> None:
        self.app = app
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            labels = (scope["method"], route_template(scope, self.templates), str(status))
            metrics.REQUESTS.labels(*labels).inc()
            metrics.LATENCY.labels(*labels).observe(time.perf_counter() - started)
