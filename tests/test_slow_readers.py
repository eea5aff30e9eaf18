"""Slow readers cannot take the database's connections (issue: hostile clients, attack 1).

A streamed answer kept its request's session, so a pooled connection, until its
last byte was sent, and nothing bounded a send: sixteen sockets asking for every
pledge as CSV and never reading held all fifteen connections for 45 s, and every
other request, ``/metrics`` included, answered 503 ``database_busy``. Now a stream
holds no connection while it waits on the client, a worker serves at most
``max_streams`` of them at once (fewer than its pool), and a stream whose client
takes nothing for ``stream_send_timeout`` seconds is cut.

Real sockets against a real ``migov serve`` on a spare port, on the suite's engine,
over the curated data plus enough pledges that a stream fills every socket buffer.
"""

from __future__ import annotations

import asyncio
import fcntl
import socket
import struct
import termios
import time
from collections.abc import Iterator, MutableMapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.api.streams import BoundedStreamingResponse
from tests.bulk import insert_pledges
from tests.conftest import setup_engine
from tests.live_server import Server, gauge, serving

PLEDGES = 100_000  # over 10 MB of CSV: more than a loopback socket's buffers hold (4 MB)
REQUEST = b"GET /v1/pledges?format=csv&all=true HTTP/1.1\r\nHost: migov\r\n\r\n"


async def seed(url: str) -> None:
    engine = setup_engine(url)
    try:
        async with engine.begin() as connection:
            await insert_pledges(connection, PLEDGES, forum="RCM")
    finally:
        await engine.dispose()


@pytest.fixture
def seeded(live_database_url: str) -> str:
    asyncio.run(seed(live_database_url))
    return live_database_url


@contextmanager
def silent_readers(server: Server, count: int) -> Iterator[list[bytes]]:
    """``count`` sockets that ask for every pledge as CSV and then read nothing but the
    head of the answer; yields each head (status line and headers)."""
    with silent_sockets(server, count) as pairs:
        yield [head for _, head in pairs]


def unread(sock: socket.socket) -> int:
    """Bytes waiting in ``sock``'s receive queue."""
    queued: int = struct.unpack("i", fcntl.ioctl(sock, termios.FIONREAD, b"\0\0\0\0"))[0]
    return queued


@contextmanager
def silent_sockets(server: Server, count: int) -> Iterator[list[tuple[socket.socket, bytes]]]:
    with ExitStack() as stack:
        heads = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # take little
            sock.settimeout(60)
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(REQUEST)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = sock.recv(1)
                assert chunk, "the server closed before answering"
                head += chunk
            heads.append((sock, head))
        yield heads


def status(head: bytes) -> int:
    return int(head.split(b" ", 2)[1])


def test_sixteen_silent_readers_leave_the_rest_answering(seeded: str, tmp_path: Path) -> None:
    with (
        serving(
            seeded,
            tmp_path / "server.log",
            stream_send_timeout="600",  # the readers stay stalled for the whole test
            client_rate_limit_per_minute="0",
            cache="false",  # each probe must reach the pool, not a cached copy
        ) as server,
        silent_sockets(server, 16) as pairs,
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        heads = [head for _, head in pairs]
        streams = [sock for sock, head in pairs if status(head) == 200]
        took: list[float] = []
        answers: list[int] = []

        def probe() -> None:
            started = time.monotonic()
            answers.append(client.get("/v1/forums/RCM").status_code)
            took.append(time.monotonic() - started)

        # Ask for the forum until every stream is stalled on its reader (its socket's
        # queue full and no longer growing), then twenty times more.
        queued: list[list[int]] = []
        deadline = time.monotonic() + 60
        while len(queued) < 3 or len({tuple(q) for q in queued[-3:]}) > 1 or 0 in queued[-1]:
            probe()
            queued.append([unread(sock) for sock in streams])
            assert time.monotonic() < deadline, queued[-3:]
        for _ in range(20):
            probe()
        assert set(answers) == {200}, answers
        # Stalled streams hold no connection: once the last probe has given its connection
        # back (after its answer went out, so a scrape may still see it), the only one
        # checked out is the scrape's own. Waits on that state, a scrape at a time.
        seen = []
        for _ in range(200):
            metrics = client.get("/metrics")
            assert metrics.status_code == 200
            seen.append(gauge(metrics.text, "migov_db_pool_checked_out"))
            if seen[-1] <= 1:
                break
        assert seen[-1] <= 1, seen[-10:]
        streaming = [h for h in heads if status(h) == 200]
        refused = [h for h in heads if status(h) == 503]
        assert len(streaming) == 4, heads[:2]  # max_streams, fewer than the pool's 15
        assert len(refused) == 12
        assert all(b"retry-after: 2" in h.lower() for h in refused)
    # Every probe was answered 200, so none waited out the server's request deadline
    # behind the stalled streams; how fast they were says more about the machine.
    assert len(took) == len(answers) >= 23


def test_a_stream_whose_client_takes_nothing_is_cut(seeded: str, tmp_path: Path) -> None:
    with (
        serving(
            seeded,
            tmp_path / "server.log",
            stream_send_timeout="1",
            max_streams="2",
            client_rate_limit_per_minute="0",
            cache="false",
        ) as server,
        silent_readers(server, 3) as heads,
    ):
        assert [status(h) for h in heads] == [200, 200, 503]
        # Once the stalled streams are cut, their slots serve again (waited for, not slept).
        deadline = time.monotonic() + 60
        while True:
            with silent_readers(server, 1) as [head]:
                if status(head) == 200:
                    break
            assert time.monotonic() < deadline, "the stalled streams were never cut"
            time.sleep(0.2)
        log = (tmp_path / "server.log").read_text()
        assert "the client took nothing for 1 s" in log


def test_dropped_streams_leave_the_pool_gauge_at_zero(seeded: str, tmp_path: Path) -> None:
    with serving(
        seeded, tmp_path / "server.log", client_rate_limit_per_minute="0", cache="false"
    ) as server:
        for _ in range(8):  # a client that reads a little and drops the connection
            with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
                sock.sendall(REQUEST)
                assert sock.recv(65536)
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
        deadline = time.monotonic() + 60
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            while True:
                checked_out = gauge(client.get("/metrics").text, "migov_db_pool_checked_out")
                assert checked_out >= 0, "the gauge went below zero"
                if checked_out <= 1:  # the scrape itself may hold one
                    break
                assert time.monotonic() < deadline, checked_out
                time.sleep(0.2)
            assert client.get("/v1/forums/RCM").status_code == 200


async def test_a_send_the_client_never_takes_is_cut_and_its_slot_given_back() -> None:
    """The bound itself, without a server: a send that never completes."""
    closed = []

    async def rows() -> Any:
        for n in range(100):
            yield f"{n}\n"

    response = BoundedStreamingResponse(
        rows(), media_type="text/plain", send_timeout=0.05, on_close=lambda: closed.append(1)
    )
    sent: list[MutableMapping[str, Any]] = []
    stalled = asyncio.Event()

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            await stalled.wait()  # the client never reads

    async def receive() -> dict[str, Any]:
        await stalled.wait()
        return {"type": "http.disconnect"}

    scope = {"type": "http", "method": "GET", "path": "/v1/pledges", "headers": []}
    await response(scope, receive, send)
    assert closed == [1]
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
