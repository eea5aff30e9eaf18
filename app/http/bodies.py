"""Reading a request's whole body once, and handing it on as if it were never read.

The body-size limit reads every body with one (refusing it past the cap), and the
response cache reads a GraphQL POST's to key it; the limit hands the body on as a
single message, so the cache's read takes that one message as it is.
"""

from __future__ import annotations

from starlette.types import Message, Receive


class BodyTooLarge(Exception):
    """The body went past the cap before its end."""


async def read_body(receive: Receive, max_bytes: int | None = None) -> tuple[bytes | None, Receive]:
    """The whole body, and a ``receive`` that delivers it again as one message.

    ``None`` when the client went away before the end: the ``receive`` returned then
    replays that message, so the app sees the disconnect. Past ``max_bytes``,
    ``BodyTooLarge`` (nothing more is read).
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None, replay([message], receive)
        chunk = message.get("body", b"")
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, replay([{"type": "http.request", "body": body, "more_body": False}], receive)


def replay(messages: list[Message], receive: Receive) -> Receive:
    """``messages`` first, then whatever ``receive`` gives."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
