"""The /graphql endpoint (``app.graphql.schema.GraphQLEndpoint``): strawberry's ASGI app
on a route of its own.

It opens the request's session when it builds the context and closes it once the
document is answered; no FastAPI dependency is there to close it. Every kind of answer
is asked for several times over, more times than the pool has connections, and then the
pool must be empty again: real HTTP against a real ``migov serve`` on a spare port, on
the suite's engine. The schema has no subscriptions, so a WebSocket is refused at the
handshake.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from starlette.types import Message

from tests.live_server import gauge, serving

FORUMS = "{ forums(first: 2) { edges { node { code } } } }"
# (what is asked, how it is sent, the status it answers, what its body must hold)
ASKED: list[tuple[str, dict[str, Any], int, str]] = [
    ("a read", {"json": {"query": FORUMS}}, 200, '"code"'),
    ("a read by GET", {"params": {"query": FORUMS}, "method": "GET"}, 200, '"code"'),
    (
        "a read whose resolver fails",
        {"json": {"query": "{ pledge(id: 2000000000) { id } }"}},
        200,
        "not_found",
    ),
    (
        "a read refused by its resolver",
        {"json": {"query": '{ pledges(after: "not-a-cursor") { edges { node { id } } } }'}},
        200,
        '"errors"',
    ),
    (
        "a body that is not JSON",
        {"content": b"{", "headers": {"content-type": "application/json"}},
        400,
        '"errors"',
    ),
    (
        "a write without a key",
        {
            "json": {
                "query": 'mutation { submitPledge(input: {pledgers: ["MEX"], '
                'kind: FINANCIAL, title: "t"}) { pledge { id } } }'
            }
        },
        200,
        "api_key_missing",
    ),
    (
        "a version that is not kept",
        {"json": {"query": FORUMS}, "headers": {"Migov-Data-Version": "999999"}},
        400,
        "unknown_version",
    ),
]
ROUNDS = 3  # 21 requests: more than the pool's 10 + 5 connections


def test_every_kind_of_answer_gives_its_connection_back(
    live_database_url: str, tmp_path: Path
) -> None:
    with (
        serving(
            live_database_url,
            tmp_path / "server.log",
            cache="false",  # every request must open its own session, none a cached copy
            client_rate_limit_per_minute="0",
        ) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        for _ in range(ROUNDS):
            for what, how, status, holds in ASKED:
                sent = dict(how)
                method = sent.pop("method", "POST")
                answer = client.request(method, "/graphql", **sent)
                assert answer.status_code == status, (what, answer.text[:300])
                assert holds in answer.text.replace(" ", ""), (what, answer.text[:300])
        # Every answer above has been read whole, so its request is over: the only
        # connection still out is a scrape's own, while it runs.
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert gauge(metrics.text, "migov_db_pool_checked_out") <= 1, metrics.text[:300]


async def test_a_websocket_is_refused_at_the_handshake(app: Any) -> None:
    """Before the endpoint stood on its own, a handshake reached the context's FastAPI
    dependencies, which need an HTTP request, and failed there with a TypeError."""
    sent: list[Message] = []
    pending = [{"type": "websocket.connect"}]

    async def receive() -> Message:
        return pending.pop() if pending else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), (b"sec-websocket-protocol", b"graphql-transport-ws")],
        "subprotocols": ["graphql-transport-ws"],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    await app(scope, receive, send)
    assert [m["type"] for m in sent] == ["websocket.close"], sent
