"""The middleware that times every request for the Prometheus series in ``app.telemetry.metrics``.

The route label is the template the request matched (``/v1/pledges/{pledge_id}``),
read after routing; answers given before routing (the response cache, refusals by
outer layers) are matched against a table of the routes' templates, so they count
under the same template.
"""

from __future__ import annotations

import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.telemetry import metrics

Templates = list[tuple[re.Pattern[str], str]]


def route_template(scope: Scope, templates: Templates) -> str:
    """The template of the route that answered (without converters), else the first of
    ``templates`` the path matches, else ``<unmatched>``. A route mounted under a prefix
    (the static files') has no template of its own for the file: the table names it."""
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
