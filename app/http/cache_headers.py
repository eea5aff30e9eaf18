"""The headers a GET's answer or a write's answer carries about the data version.

``CacheHeadersMiddleware`` attaches the validators and caching headers that the REST
dependency ``app.api.conditional.conditional_get`` recorded for the request;
``DataVersionHeaderMiddleware`` names the version a write committed.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.services import changes as change_service


class CacheHeadersMiddleware:
    """Adds the headers ``conditional_get`` recorded to successful GET answers and 304s.

    A header the route set itself is kept, except ``Vary``, whose values are merged:
    each layer names what its part of the answer varies on.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # HEAD never gets here: HeadAsGetMiddleware, further out, serves it as a GET.
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                recorded: dict[str, Any] = scope.get("state", {}).get("cache_headers") or {}
                if recorded:
                    headers = MutableHeaders(scope=message)
                    for name, value in recorded.items():
                        if name.lower() == "vary":
                            for each in value.split(","):
                                merge_vary(headers, each.strip())
                        else:
                            headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def merge_vary(headers: MutableHeaders, name: str) -> None:
    """Add ``name`` to ``Vary`` unless it is there already (never replace the header)."""
    present = {each.strip().lower() for each in headers.get("vary", "").split(",") if each.strip()}
    if name.lower() not in present:
        headers.add_vary_header(name)


DATA_VERSION_HEADER = "Migov-Data-Version"


class DataVersionHeaderMiddleware:
    """``Migov-Data-Version: <n>`` on a successful write: the data version it committed.

    A client that sends it back as ``Migov-Min-Version`` on its next reads is
    served data at least that new, from the read replica once it has caught up
    and from the primary until then (``app.db``).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        written = change_service.note_written_versions()

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400 and written:
                message["headers"] = [
                    *message.get("headers", []),
                    (DATA_VERSION_HEADER.lower().encode(), str(max(written)).encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_version)
