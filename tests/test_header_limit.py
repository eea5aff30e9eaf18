"""A request head past ``MIGOV_MAX_HEADER_BYTES`` is refused by the server itself
(issue: hostile clients, attack 6).

uvicorn read a 50 MB header whole (eight at once took a worker from 155 to 638 MB and
blocked its loop for about 14 s). ``migov serve`` now answers 431 and closes the
connection once a head passes the bound, without reading the rest, and keeps serving.
Real sockets against a real ``migov serve`` on a spare port.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.live_server import Server, serving

MB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("header-limit")
    url = f"sqlite+aiosqlite:///{directory / 'migov.db'}"
    from app.db.migrations import upgrade

    upgrade(url)
    with serving(url, directory / "server.log", max_header_bytes="16384") as live:
        yield live


def _exchange(server: Server, head: bytes, filler: int) -> tuple[bytes, int]:
    """Send ``head`` and ``filler`` bytes of one header value; the answer, and how much of
    the filler the server took before it closed the connection."""
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(head + b"X-Filler: ")
        chunk = b"a" * 65536
        try:
            while sent < filler:
                connection.sendall(chunk)
                sent += len(chunk)
            connection.sendall(b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection before the head was done: what we want
        answer = b""
        try:
            while part := connection.recv(65536):
                answer += part
        except ConnectionResetError:
            pass
    return answer, sent


def test_a_one_megabyte_header_is_refused_with_431(server: Server) -> None:
    answer, sent = _exchange(server, b"GET /v1/forums HTTP/1.1\r\nHost: x\r\n", MB)
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"), answer[:200]
    assert b"application/problem+json" in answer
    assert b'"code": "request_header_too_large"' in answer
    # The server stopped reading long before the megabyte was sent: the socket buffers
    # of both ends hold a few hundred kilobytes at most.
    assert sent < 50 * MB


def test_a_fifty_megabyte_header_is_cut_off_long_before_its_end(server: Server) -> None:
    answer, sent = _exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", 50 * MB)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert sent < 50 * MB, "the server read the whole header"


def test_heads_within_the_bound_and_keep_alive_are_served(server: Server) -> None:
    with httpx.Client(base_url=server.base_url) as client:
        for _ in range(3):  # one connection, several requests: each head counted afresh
            response = client.get("/healthz", headers={"X-Filler": "a" * 12_000})
            assert response.status_code == 200
        big_body = client.post(
            "/graphql",
            json={"query": "{ forums { totalCount } }", "padding": "p" * 200_000},
        )
        assert big_body.status_code == 200, big_body.text  # a body is not a head
    refused = _exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", 20_000)[0]
    assert refused.startswith(b"HTTP/1.1 431")
    assert httpx.get(f"{server.base_url}/healthz").status_code == 200  # still serving
