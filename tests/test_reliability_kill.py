"""Nothing acknowledged is lost: SIGKILL the server, or crash PostgreSQL, mid-write.

Clients submit pledges (single and batch, each with an Idempotency-Key) to a real
server process while it is SIGKILLed (and, on PostgreSQL, while the database
itself is stopped with ``immediate``, a crash, and started again). Afterwards:

* every pledge that got a 201 is in the database, with its idempotency record
  (done) and its ``pledge.created`` audit entry;
* resubmitting every request with the same keys returns the same pledges for the
  acknowledged ones and, after one pass, creates nothing new: each submission is
  stored exactly once.

The suite's engine picks the store: a SQLite file (WAL, synchronous=FULL), or a
throwaway PostgreSQL cluster of the test's own (``tests/pg_cluster.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.migrations import upgrade
from app.models import AuditEntry, IdempotencyRecord, Pledge
from app.services import api_keys as api_key_service
from tests.conftest import _load_curated, setup_engine
from tests.factories import pledge_body
from tests.live_server import Server
from tests.pg_cluster import Cluster, cluster

SINGLES = 120
BATCHES = 20
BATCH_SIZE = 5
WORKERS = 8
CRASH_AFTER = 25  # acknowledged submissions before the crash, whatever the machine's speed


@dataclass
class Submission:
    key: str
    batch: bool
    body: dict[str, Any]
    acknowledged: list[int] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.body["pledges"]) if self.batch else 1


def submissions() -> list[Submission]:
    planned = [
        Submission(f"single-{n}", False, pledge_body(title=f"Kill test pledge {n}"))
        for n in range(SINGLES)
    ]
    for b in range(BATCHES):
        bodies = [pledge_body(title=f"Kill test batch {b} item {i}") for i in range(BATCH_SIZE)]
        planned.insert(
            b * (SINGLES // BATCHES), Submission(f"batch-{b}", True, {"pledges": bodies})
        )
    return planned


async def submit(client: httpx.AsyncClient, secret: str, item: Submission) -> list[int] | None:
    """The ids the server acknowledged, or None when it did not.

    A single pledge is acknowledged by 201, a batch by 200 with one result per
    pledge. Anything but an acknowledgement, a 503 or a broken connection is
    recorded in ``item.unexpected``.
    """
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": item.key}
    path = "/v1/pledges/batch?atomic=true" if item.batch else "/v1/pledges"
    try:
        response = await client.post(path, json=item.body, headers=headers)
    except httpx.TransportError:
        return None
    if response.status_code != (200 if item.batch else 201):
        if response.status_code != 503:
            item.unexpected.append(f"{response.status_code} {response.text[:300]}")
        return None
    body = response.json()
    if item.batch:
        return [result["pledge"]["id"] for result in body["results"]]
    return [body["id"]]


async def run_clients(
    base_url: str, secret: str, planned: list[Submission], under_way: asyncio.Event
) -> None:
    """Submit ``planned`` from WORKERS clients; set ``under_way`` after CRASH_AFTER 201s."""
    queue: asyncio.Queue[Submission] = asyncio.Queue()
    for item in planned:
        queue.put_nowait(item)
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as client:

        async def worker() -> None:
            while not queue.empty():
                item = queue.get_nowait()
                ids = await submit(client, secret, item)
                if ids is not None:
                    item.acknowledged = ids
                if sum(1 for p in planned if p.acknowledged) >= CRASH_AFTER:
                    under_way.set()

        try:
            await asyncio.gather(*(worker() for _ in range(WORKERS)))
        finally:
            under_way.set()  # never leave the crash waiting


async def stored(url: str) -> tuple[set[int], set[int], set[str]]:
    """Pledge ids, pledge ids with a created audit entry, done idempotency keys."""
    engine = setup_engine(url)
    try:
        async with AsyncSession(engine) as session:
            pledges = set(
                await session.scalars(select(Pledge.id).where(Pledge.api_key_id.is_not(None)))
            )
            audited = {
                int(entity_id)
                for entity_id in await session.scalars(
                    select(AuditEntry.entity_id).where(AuditEntry.action == "pledge.created")
                )
            }
            keys = set(
                await session.scalars(
                    select(IdempotencyRecord.key).where(IdempotencyRecord.status == "done")
                )
            )
            count = await session.scalar(select(func.count()).select_from(Pledge))
            assert count is not None
    finally:
        await engine.dispose()
    return pledges, audited, keys


async def writer_secret(url: str) -> str:
    engine = setup_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            created = await api_key_service.create_api_key(
                session, name="kill test", scopes=["pledges:write"], any_pledger=True
            )
            await session.commit()
    finally:
        await engine.dispose()
    return created.secret


def check_nothing_lost(url: str, server: Server, secret: str, planned: list[Submission]) -> None:
    assert [answer for item in planned for answer in item.unexpected] == []
    acknowledged = [item for item in planned if item.acknowledged]
    assert acknowledged, "no write was acknowledged before the crash: the test proved nothing"
    assert len(acknowledged) < len(planned), "the crash came after every write: proved nothing"
    pledges, audited, keys = asyncio.run(stored(url))
    ids = {pledge_id for item in acknowledged for pledge_id in item.acknowledged}
    assert ids - pledges == set()  # every 201 is stored
    assert ids - audited == set()  # with its audit entry
    assert {item.key for item in acknowledged} - keys == set()  # and its idempotency record

    async def resubmit_all() -> list[list[int] | None]:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            return [await submit(client, secret, item) for item in planned]

    first = asyncio.run(resubmit_all())
    for item, ids_again in zip(planned, first, strict=True):
        if item.acknowledged:
            assert ids_again == item.acknowledged, item.key  # replayed, not created anew
    after_first, _, _ = asyncio.run(stored(url))
    second = asyncio.run(resubmit_all())
    after_second, audited, keys = asyncio.run(stored(url))
    assert second == first
    assert after_second == after_first  # nothing new
    # Every submission is stored exactly once: no duplicates from the crash or retries.
    assert len(after_second) == sum(item.size for item in planned)
    assert keys >= {item.key for item in planned}
    assert after_second - audited == set()


@contextlib.contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[tuple[str, Cluster | None]]:
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'kill.db'}"
        upgrade(url)
        asyncio.run(_load_curated(url))
        yield url, None
        return
    with cluster() as pg:
        upgrade(pg.url())
        asyncio.run(_load_curated(pg.url()))
        yield pg.url(), pg


def engine_kind(database_url: str) -> str:
    return make_url(database_url).get_backend_name()


def test_sigkill_of_the_server_loses_no_acknowledged_pledge(
    database_url: str, tmp_path: Path
) -> None:
    with database(engine_kind(database_url), tmp_path) as (url, _pg):
        secret = asyncio.run(writer_secret(url))
        planned = submissions()
        server = Server(
            url,
            tmp_path / "server.log",
            waits={},  # production's, under the crash as in production
            rate_limit_per_minute="0",
            client_rate_limit_per_minute="0",
        )
        server.start()
        try:

            async def crash() -> None:
                under_way = asyncio.Event()
                clients = asyncio.create_task(
                    run_clients(server.base_url, secret, planned, under_way)
                )
                await asyncio.wait_for(under_way.wait(), timeout=120)
                server.kill()
                await clients

            asyncio.run(crash())
            assert server.process is not None
            assert server.process.returncode == -9
            server.start()
            check_nothing_lost(url, server, secret, planned)
        finally:
            server.stop()


def test_a_postgresql_crash_loses_no_acknowledged_pledge(tmp_path: Path) -> None:
    with database("postgresql", tmp_path) as (url, pg):
        assert pg is not None
        secret = asyncio.run(writer_secret(url))
        planned = submissions()
        server = Server(
            url,
            tmp_path / "server.log",
            waits={},  # production's, under the crash as in production
            rate_limit_per_minute="0",
            client_rate_limit_per_minute="0",
        )
        server.start()
        try:

            async def crash() -> None:
                under_way = asyncio.Event()
                clients = asyncio.create_task(
                    run_clients(server.base_url, secret, planned, under_way)
                )
                await asyncio.wait_for(under_way.wait(), timeout=120)
                await asyncio.to_thread(pg.stop, "immediate")
                await asyncio.sleep(0.5)
                await asyncio.to_thread(pg.start)
                await clients

            asyncio.run(crash())
            time.sleep(0.5)
            check_nothing_lost(url, server, secret, planned)
        finally:
            server.stop()
