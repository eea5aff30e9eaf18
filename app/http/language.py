"""``Content-Language`` on every localised answer, and a word when English stood in.

Each request gets a fresh ``schemas.language.Served`` record. The language
dependency (REST) or the GraphQL context notes the language chosen; the read
shapes note each name that had no Spanish form. The answer then leaves with:

* ``Content-Language: es`` (or ``en``): the language it was written in;
* ``Content-Language: es, en`` and ``Language-Fallback: en`` when some names had
  no Spanish form and are given in English, or when the languages the client
  preferred are not offered at all (``Accept-Language: fr``).

Answers that involve no names (health checks, the change feed) carry neither.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.schemas.language import BASE, SERVED, Served

FALLBACK_HEADER = "Language-Fallback"


class ContentLanguageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        served = Served()
        token = SERVED.set(served)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start" and served.lang is not None:
                headers = MutableHeaders(scope=message)
                headers["Content-Language"] = served.languages()
                if served.fell_back or served.unsupported:
                    headers[FALLBACK_HEADER] = BASE
            await send(message)

        try:
            await self.app(scope, receive, send_with_language)
        finally:
            SERVED.reset(token)
