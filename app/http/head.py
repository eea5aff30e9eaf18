"""HEAD on every GET route: the GET's status and headers, without the body.

FastAPI routes answer only the methods they declare, so ``curl -I /v1/forums``
was a 405 that itself advertised HEAD in ``Allow``. This middleware serves a HEAD
as the same GET (so ETag, Content-Length, Content-Language and 304s are exactly
the GET's) and drops the body on the way out, as RFC 9110 section 9.3.2 asks.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
