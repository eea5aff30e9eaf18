"""The HTTP protocol ``migov serve`` runs: uvicorn's httptools protocol with a bound on the
size of a request's head (its request line and headers).

httptools keeps a header's value in memory until the header ends, and uvicorn sets
no limit of its own, so a 50 MB header was read whole: eight at once took a worker
from 155 to 638 MB and blocked its loop for about 14 s. ``BoundedHeadProtocol``
counts the bytes of each request's head as they arrive, before the parser sees
them, and past ``Settings.max_header_bytes`` answers ``431 Request Header Fields
Too Large`` (problem+json, ``request_header_too_large``) and closes the connection:
at most that many bytes (plus one socket read) of a head are ever held.

The limit travels in uvicorn's own ``h11_max_incomplete_event_size``, which bounds
the same thing for the h11 protocol, so either protocol keeps it and the config
pickles to worker processes. A proxy in front should keep its own, smaller limit
(docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger("migov.server")

HEAD_END = b"\r\n\r\n"
HEADER_TOO_LARGE = "request_header_too_large"


class BoundedHeadProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` refusing a request head longer than the configured bound."""

    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.max_head_bytes: int = config.h11_max_incomplete_event_size or 64 * 1024
        self._start_head()

    def _start_head(self) -> None:
        self._in_head = True
        self._head_bytes = 0
        self._tail = b""

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._start_head()  # the next request on this connection begins with its head

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        if self._in_head:
            window = self._tail + data
            end = window.find(HEAD_END)
            if end < 0:
                self._head_bytes += len(data)
                self._tail = window[-(len(HEAD_END) - 1) :]
            else:
                self._head_bytes += end + len(HEAD_END) - len(self._tail)
                self._in_head = False
            if self._head_bytes > self.max_head_bytes:
                self._refuse_head()
                return
        super().data_received(data)

    def _refuse_head(self) -> None:
        prefix = f"{self.client[0]}:{self.client[1]} - " if self.client else ""
        logger.warning("%srefused a request head over %d bytes", prefix, self.max_head_bytes)
        body = json.dumps(
            {
                "type": f"/problems/{HEADER_TOO_LARGE}",
                "title": "Request Header Fields Too Large",
                "status": 431,
                "detail": f"The request line and headers are longer than "
                f"{self.max_head_bytes} bytes.",
                "code": HEADER_TOO_LARGE,
            }
        ).encode()
        head = [b"HTTP/1.1 431 Request Header Fields Too Large\r\n"]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/problem+json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        transport: asyncio.Transport = self.transport
        transport.write(b"".join(head) + body)
        transport.close()
