"""The headers a GET's answer carries about the data version.

``CacheHeadersMiddleware`` attaches the validators and caching headers that the REST
dependency ``app.api.conditional.conditional_get`` recorded for the request. (A
write's answer names the version it committed itself: ``Migov-Data-Version``, from
the write service's result.)
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class CacheHeadersMiddleware:
    """Adds the headers ``conditional_get`` recorded to successful GET answers and 304s.

    A header the route set itself is kept, except ``Vary``, whose values are merged:
    each layer names what its part of the answer varies on.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # HEAD never gets here: HeadAsGetMiddleware, further out, serves it as a GET.
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] != "GET":
            await self.app(scope, receive, self._naming_an_ignored_version(scope, send))
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
                        elif name.lower() == "link" and "link" in headers:
                            # A route's own links (a page's next) and the cite-as link.
                            headers["link"] = f"{headers['link']}, {value}"
                        else:
                            headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _naming_an_ignored_version(scope: Scope, send: Send) -> Send:
        """A write that named a data version says it applied to the current one instead
        (``adapters_common.get_session`` notes it)."""

        async def send_naming(message: Message) -> None:
            if message["type"] == "http.response.start":
                ignored = scope.get("state", {}).get("version_ignored")
                if ignored is not None:
                    MutableHeaders(scope=message)["Migov-Data-Version-Ignored"] = str(ignored)
            await send(message)

        return send_naming


def merge_vary(headers: MutableHeaders, name: str) -> None:
    """Add ``name`` to ``Vary`` unless it is there already (never replace the header)."""
    present = {each.strip().lower() for each in headers.get("vary", "").split(",") if each.strip()}
    if name.lower() not in present:
        headers.add_vary_header(name)
