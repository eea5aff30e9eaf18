"""Guards every response passes through: a per-request deadline and security headers.

* ``RequestDeadlineMiddleware``: a request whose response has not started within
  ``Settings.request_timeout`` seconds is cancelled (its database work rolled back
  and its connection returned to the pool) and answers 503 problem+json
  ``request_timeout`` with ``Retry-After``. Once the response has started (a
  streamed download), the deadline no longer applies.
* ``RejectNulMiddleware``: a NUL character in the path or query is a 400.
* ``SecurityHeadersMiddleware``: ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY`` and a
  ``Content-Security-Policy`` on every response; HSTS when the request came over
  TLS (``https``, as uvicorn reports it behind a proxy with ``--proxy-headers``).
  API answers get a policy that loads nothing; HTML pages (the front door, API
  docs, GraphiQL, the dashboard) one that lets them load their own scripts and
  styles and nothing else. A header a route set itself is kept.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db.faults import RETRY_AFTER
from app.http.problems import problem_response

REQUEST_TIMEOUT = "request_timeout"

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# The pages (front door, /docs, /redoc, GraphiQL, /dashboard) load only their own
# files from /static and keep scripts out of the HTML, so scripts are 'self' only.
# Styles allow 'unsafe-inline' because ReDoc and Swagger UI set styles from their
# scripts; a style cannot run code. Images may come from anywhere over https (logos
# in API descriptions); the pages talk to this API only.
PAGE_POLICY = (
    "default-src 'self'; "
    "script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; "
    "img-src 'self' data: https:; "
    "connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


DEADLINE_KEY = "migov.deadline"


class _Deadline:
    """A request's deadline, lifted for good once the app begins its answer."""

    def __init__(self, timeout: asyncio.Timeout) -> None:
        self.timeout = timeout
        self.started = False

    def start(self) -> None:
        self.started = True
        self.timeout.reschedule(None)


class RequestDeadlineMiddleware:
    """The whole request runs under the deadline until the app begins its answer. That
    moment is noted by ``ResponseStartMiddleware`` right around the app, since a layer
    between (gzip) may hold the start message back until the first chunk of a stream
    arrives. Its place in the stack: ``app.http.stack``."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.seconds:
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.seconds) as timeout:
                state = scope[DEADLINE_KEY] = _Deadline(timeout)

                async def send_until_started(message: Message) -> None:
                    if message["type"] == "http.response.start":
                        state.start()
                    await send(message)

                await self.app(scope, receive, send_until_started)
        except TimeoutError:
            if state.started or not timeout.expired():
                raise  # not ours: a timeout inside the app is the app's to answer
            response = problem_response(
                Request(scope),
                status=503,
                code=REQUEST_TIMEOUT,
                title="Request timed out",
                detail=f"The request took longer than {self.seconds:g} s and was cancelled; "
                "retry shortly or ask for less.",
                headers={"Retry-After": str(RETRY_AFTER)},
            )
            await response(scope, receive, send)


class ResponseStartMiddleware:
    """Innermost: tells the request's deadline that the app has begun its answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.get(DEADLINE_KEY)
        if state is None:
            await self.app(scope, receive, send)
            return

        async def send_noting_start(message: Message) -> None:
            if message["type"] == "http.response.start":
                state.start()
            await send(message)

        await self.app(scope, receive, send_noting_start)


class RejectNulMiddleware:
    """400 ``invalid_parameter`` for a NUL character anywhere in the path or query.

    No parameter of this API can hold one, and PostgreSQL refuses NUL in text: a
    request carrying one is malformed, and is told so before any route sees it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            query = scope.get("query_string", b"")
            if b"%00" in raw_path or b"\0" in raw_path or b"%00" in query:
                response = problem_response(
                    Request(scope),
                    status=400,
                    code="invalid_parameter",
                    title="Request validation failed",
                    detail="The path or query holds a NUL character (%00), which no "
                    "parameter accepts.",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        over_tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                html = headers.get("content-type", "").startswith("text/html")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Content-Security-Policy", PAGE_POLICY if html else API_POLICY)
                if over_tls:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
