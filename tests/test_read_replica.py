"""Reads from a streaming replica, and a client reads its own write with no stale answer.

A throwaway primary (tests/pg_cluster.py, loopback ports 5560-5569) gets a
streaming standby by ``pg_basebackup -R``. migov runs with
``MIGOV_DATABASE_READ_URL`` on the standby, whose WAL replay is paused so that it
is certainly behind: a plain read then misses the write (it went to the replica),
and the same read carrying the write's ``Migov-Data-Version`` as
``Migov-Min-Version`` gets it (it went to the primary).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.db.migrations import upgrade
from app.main import create_app
from app.services import api_keys as api_key_service
from tests.app_settings import app_settings
from tests.conftest import _admin, _load_curated, client_for, setup_engine
from tests.factories import pledge_body
from tests.pg_cluster import Cluster

PORTS = range(5560, 5570)


@dataclass(frozen=True)
class Pair:
    primary: str
    replica: str
    secret: str


async def _scalar(url: str, statement: str) -> object:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(statement))).scalar()
    finally:
        await engine.dispose()


async def _new_key(url: str) -> str:
    engine = setup_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            created = await api_key_service.create_api_key(
                session, name="replica test", scopes=["pledges:write"], any_pledger=True
            )
            await session.commit()
            return created.secret
    finally:
        await engine.dispose()


async def _version(url: str) -> int:
    return int(str(await _scalar(url, "SELECT version FROM data_version")))


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    primary, replica = Cluster(PORTS), None
    try:
        primary.init()
        primary.start()
        asyncio.run(_admin(primary.url(), "CREATE DATABASE migov"))
        primary_url = primary.url("migov")
        upgrade(primary_url)
        asyncio.run(_load_curated(primary_url))
        secret = asyncio.run(_new_key(primary_url))
        replica = Cluster(PORTS)
        replica.init_replica_of(primary)
        replica.start()
        replica_url = replica.url("migov")
        assert asyncio.run(_scalar(replica_url, "SELECT pg_is_in_recovery()")) is True
        yield Pair(primary_url, replica_url, secret)
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()


async def test_a_client_reads_its_own_write_through_a_lagging_replica(pair: Pair) -> None:
    settings = app_settings(pair.primary, database_read_url=pair.replica, cache=False)
    auth = {"Authorization": f"Bearer {pair.secret}"}
    await _scalar(pair.replica, "SELECT pg_wal_replay_pause()")
    try:
        async with client_for(create_app(settings)) as client:
            stored = await client.post("/v1/pledges", json=pledge_body(), headers=auth)
            assert stored.status_code == 201, stored.text
            pledge_id, written = stored.json()["id"], int(stored.headers["Migov-Data-Version"])
            fresh = {"Migov-Min-Version": str(written)}

            stale = await client.get(f"/v1/pledges/{pledge_id}")
            own = await client.get(f"/v1/pledges/{pledge_id}", headers=fresh)
            listed = await client.get("/v1/pledges", params={"curated": "false"}, headers=fresh)
            meta = await client.get("/v1/meta", headers=fresh)

            # Without the header the read went to the replica, which has not replayed it.
            assert stale.status_code == 404
            assert await _version(pair.replica) < written
            # With it, to the primary: the write is there, in the item, the list and meta.
            assert own.status_code == 200, own.text
            assert own.json()["title"] == pledge_body()["title"]
            assert pledge_id in [p["id"] for p in listed.json()["items"]]
            assert meta.json()["dataset_version"] == written
            # An ETag naming the newer version also goes to the primary: 304, not a stale 200.
            etag = meta.headers["ETag"]
            revalidated = await client.get("/v1/meta", headers={"If-None-Match": etag})
            assert revalidated.status_code == 304

            await _scalar(pair.replica, "SELECT pg_wal_replay_resume()")
            deadline = time.monotonic() + 30
            while await _version(pair.replica) < written:
                assert time.monotonic() < deadline, "the replica did not catch up"
                await asyncio.sleep(0.1)
            caught_up = await client.get(f"/v1/pledges/{pledge_id}")
            assert caught_up.status_code == 200
    finally:
        await _scalar(pair.replica, "SELECT pg_wal_replay_resume()")
