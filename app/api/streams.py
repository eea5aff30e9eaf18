"""Streamed answers (``all=true`` CSV, a dataset download) that a slow reader cannot
turn into a hold on the database.

A stream used to keep its request's session, so a pooled connection, until its
last byte was sent, and nothing bounded a send: sixteen sockets asking for every
pledge as CSV and never reading held all fifteen connections for 45 s, and every
other request answered 503 ``database_busy``. Now:

* a stream holds no pooled connection while it waits on the client: each page is
  read in a transaction of its own, which ends (``app.db.release_connection``,
  giving the connection back) before the page is sent;
* each send must be taken by the client within ``Settings.stream_send_timeout``
  seconds, or the stream is cut (``SendBounded``): the connection closes, and the
  client sees a truncated body, as it would for any failure once an answer has
  started;
* a worker serves at most ``Settings.max_streams`` streams at once, fewer than its
  pool's connections (``StreamSlots``); another is refused 503 ``too_many_streams``
  with ``Retry-After`` before it reads anything.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import FileResponse, StreamingResponse
from starlette.types import Receive, Scope, Send

from app.db.faults import RETRY_AFTER
from app.errors import Unavailable

logger = logging.getLogger("migov.api")

TOO_MANY_STREAMS = "too_many_streams"


class ClientTooSlow(Exception):
    """The client took no chunk of a stream within the send timeout."""


class StreamSlots:
    """How many streams a worker serves at once; one more is refused, not queued."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.busy = 0

    def take(self) -> Callable[[], None]:
        """A slot, and the function that gives it back (once, however often called)."""
        if self.busy >= self.limit:
            raise Unavailable(
                f"This server is already sending {self.limit} streamed answers, as many as "
                "it sends at once. Retry after the seconds Retry-After gives, or page "
                "through the list with cursor instead of all=true.",
                code=TOO_MANY_STREAMS,
                retry_after=RETRY_AFTER,
            )
        self.busy += 1
        given_back = False

        def give_back() -> None:
            nonlocal given_back
            if not given_back:
                given_back = True
                self.busy -= 1

        return give_back


def stream_slots(connection: HTTPConnection) -> StreamSlots:
    """The app's slots, made on first use from its settings: ``max_streams``, and never as
    many as the pool's connections."""
    state = connection.app.state
    slots: StreamSlots | None = getattr(state, "stream_slots", None)
    if slots is None:
        settings = state.settings
        limit = max(1, min(settings.max_streams, settings.db_pool_size - 1))
        slots = state.stream_slots = StreamSlots(limit)
    return slots


def send_timeout(connection: HTTPConnection) -> float:
    return float(connection.app.state.settings.stream_send_timeout)


class SendBounded:
    """A response whose every send the client must take within ``send_timeout`` seconds,
    else it is cut; ``on_close`` runs however it ends (a stream slot given back)."""

    send_timeout: float = 0.0
    on_close: Callable[[], None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        seconds = self.send_timeout

        async def bounded(message: Any) -> None:
            if not seconds:
                await send(message)
                return
            try:
                async with asyncio.timeout(seconds):
                    await send(message)
            except TimeoutError as slow:
                raise ClientTooSlow from slow

        try:
            await super().__call__(scope, receive, bounded)  # type: ignore[misc]
        except* ClientTooSlow:
            # The server closes the connection: the answer is cut, and nothing of it stays.
            logger.warning(
                "cut a stream of %s: the client took nothing for %g s",
                scope.get("path"),
                seconds,
            )
        finally:
            if self.on_close is not None:
                self.on_close()


class BoundedStreamingResponse(SendBounded, StreamingResponse):
    def __init__(
        self,
        content: Any,
        *,
        send_timeout: float,
        on_close: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(content, **kwargs)
        self.send_timeout = send_timeout
        self.on_close = on_close


class BoundedFileResponse(SendBounded, FileResponse):
    def __init__(self, path: Any, *, send_timeout: float, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self.send_timeout = send_timeout
