"""A PostgreSQL outage under load: 503 database_unavailable, never a 500 or a hang.

The test builds a cluster of its own (``tests/pg_cluster.py``), serves migov on
it from a real server process, and runs 16 clients against REST and GraphQL
while the database is stopped for 3 s and started again. It counts every answer:
no 500, no request past the client's timeout, every refusal a 503 problem with
``database_unavailable`` and ``Retry-After``, ``/readyz`` 503 during the outage,
and the service answering again by itself within 5 s of the database's return.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.db.migrations import upgrade
from tests.conftest import _load_curated
from tests.live_server import serving
from tests.pg_cluster import cluster

logger = logging.getLogger(__name__)

CLIENTS = 16
CLIENT_TIMEOUT = 8.0  # well past the request deadline the server is given
OUTAGE = 3.0
RECOVERY_LIMIT = 5.0
DEADLINE = 5  # the server's request_timeout, seconds
GRAPHQL = {"query": "{ forums(first: 5) { edges { node { code } } } }"}


@dataclass
class Answer:
    sent: float
    took: float
    status: int
    code: str | None
    retry_after: str | None
    path: str


async def _client(
    client: httpx.AsyncClient, n: int, answers: list[Answer], until: asyncio.Event
) -> None:
    while not until.is_set():
        path = "/graphql" if n % 4 == 0 else ("/readyz" if n % 4 == 1 else "/v1/forums")
        sent = time.monotonic()
        try:
            if path == "/graphql":
                response = await client.post(path, json=GRAPHQL)
            else:
                response = await client.get(path)
        except httpx.TimeoutException:
            answers.append(Answer(sent, time.monotonic() - sent, 0, "client_timeout", None, path))
            continue
        body = response.json()
        if path == "/graphql":
            codes = [e["extensions"]["code"] for e in body.get("errors") or []]
            code = codes[0] if codes else None
        else:
            code = body.get("code") if response.status_code >= 400 else None
        answers.append(
            Answer(
                sent,
                time.monotonic() - sent,
                response.status_code,
                code,
                response.headers.get("retry-after"),
                path,
            )
        )
        await asyncio.sleep(0.005)


def test_postgresql_outage_answers_503_and_recovers_within_5s(tmp_path: Path) -> None:
    with cluster() as pg:
        upgrade(pg.url())
        asyncio.run(_load_curated(pg.url()))
        with serving(
            pg.url(),
            tmp_path / "server.log",
            waits={},  # production's: what an outage is answered within is the point
            request_timeout=str(DEADLINE),
            client_rate_limit_per_minute="0",
        ) as server:

            async def run() -> tuple[list[Answer], float, float, float]:
                answers: list[Answer] = []
                until = asyncio.Event()
                async with httpx.AsyncClient(
                    base_url=server.base_url, timeout=CLIENT_TIMEOUT
                ) as client:
                    tasks = [
                        asyncio.create_task(_client(client, n, answers, until))
                        for n in range(CLIENTS)
                    ]
                    await asyncio.sleep(1.5)
                    await asyncio.to_thread(pg.stop, "fast")
                    down_at = time.monotonic()
                    await asyncio.sleep(OUTAGE)
                    back_at = time.monotonic()  # from here the database may answer again
                    await asyncio.to_thread(pg.start)
                    up_at = time.monotonic()  # pg_ctl reports it ready
                    await asyncio.sleep(RECOVERY_LIMIT + 1)
                    until.set()
                    await asyncio.gather(*tasks)
                return answers, down_at, back_at, up_at

            answers, down_at, back_at, up_at = asyncio.run(run())

    statuses = sorted({a.status for a in answers})
    assert statuses == [200, 503], statuses  # no 500, no client timeout (0)
    refused = [a for a in answers if a.status == 503]
    assert {(a.code, a.retry_after) for a in refused} == {("database_unavailable", "2")}
    assert {a.path for a in refused} == {"/v1/forums", "/graphql", "/readyz"}
    during = [a for a in answers if down_at + 0.5 < a.sent and a.sent + a.took < back_at]
    assert during
    assert [(a.path, a.status, round(a.sent - down_at, 2)) for a in during if a.status != 503] == []
    # Fails fast: refusals take well under the request deadline (the median; typically
    # a fraction of a second, but the bound leaves room for a machine loaded by other
    # runs), and none waits the deadline out.
    took = sorted(a.took for a in refused)
    assert took[len(took) // 2] < DEADLINE / 2
    assert [
        (a.path, round(a.sent - down_at, 2), round(a.took, 2))
        for a in refused
        if a.took >= DEADLINE
    ] == []
    served_again = [a for a in answers if a.sent > up_at and a.status == 200]
    recovered_in = min(a.sent + a.took for a in served_again) - up_at
    assert recovered_in < RECOVERY_LIMIT
    # Once back, it stays back: nothing refused after the first success.
    first_back = min(a.sent for a in served_again)
    assert [a for a in answers if a.sent > first_back + 0.5 and a.status != 200] == []
    logger.warning(
        "outage: %d answers, %d x 503, 0 x 500, recovered in %.2f s",
        len(answers),
        len(refused),
        recovered_in,
    )
