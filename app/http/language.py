"""``Content-Language`` on every localised answer, and a word when English stood in.

The language dependency (REST) or the GraphQL context chooses a
``schemas.language.Language`` and keeps it on the request; the read shapes note on it
each name that had no Spanish form. The answer then leaves with:

* ``Content-Language: es`` (or ``en``): the language it was written in;
* ``Content-Language: es, en`` and ``Language-Fallback: en`` when some names had
  no Spanish form and are given in English, or when the languages the client
  preferred are not offered at all (``Accept-Language: fr``).

Answers that involve no names (health checks, the change feed) carry neither.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.schemas.language import BASE, Language

FALLBACK_HEADER = "Language-Fallback"


class ContentLanguageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The request's state, where the adapter keeps the answer's Language; made here,
        # so that it is the one dict every inner copy of the scope shares.
        state = scope.setdefault("state", {})

        async def send_with_language(message: Message) -> None:
            language = state.get("language")
            if message["type"] == "http.response.start" and isinstance(language, Language):
                headers = MutableHeaders(scope=message)
                headers["Content-Language"] = language.languages()
                if language.fell_back or language.unsupported:
                    headers[FALLBACK_HEADER] = BASE
            await send(message)

        await self.app(scope, receive, send_with_language)
