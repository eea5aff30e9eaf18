"""Request ids and the access log.

Every response carries ``X-Request-ID``. A client's own id is kept when it is
well formed (1-128 characters of letters, digits and ``._~:+/=-``, so it cannot
forge a log line); otherwise a fresh one is made. The id is set in
``app.telemetry.logs``'s context variable for the whole request, so every log line written
while serving it carries it, and is also on ``request.state.request_id``.

When the request is done, one ``migov.access`` line records the method, path,
status, duration, the client's address (as the server saw it: the proxy's, or
with ``--proxy-headers`` the forwarded one) and the public prefix of the API key
that was admitted (never its secret). A key that was refused (401: unknown,
revoked, sent without ``Bearer``) is logged as ``null``: a prefix anyone can type
is not who made the request. The middleware is the outermost layer
(``app.http.stack``), so refusals by other layers (413, 304) are logged and tagged
as well.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.telemetry.logs import set_request_id

REQUEST_ID_HEADER = "X-Request-ID"
WELL_FORMED = re.compile(r"^[A-Za-z0-9._~:+/=-]{1,128}$")

access_logger = logging.getLogger("migov.access")


def request_id_from(header: bytes | None) -> str:
    """The client's id when well formed, else a new random one (32 hex digits)."""
    if header is not None:
        try:
            candidate = header.decode("ascii")
        except UnicodeDecodeError:
            candidate = ""
        if WELL_FORMED.match(candidate):
            return candidate
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(_header(scope, b"x-request-id"))
        # Set, never reset: a handler of an unhandled error runs after this
        # middleware in the same context and still tags its line (each request
        # has a context of its own).
        set_request_id(request_id)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state.pop("api_key", None)  # a test harness may share one state between requests
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_logger.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "api_key": state.get("api_key"),
                    "client": (scope.get("client") or (None,))[0],
                },
            )


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None
