"""The response cache is never stale: across processes, through REST and GraphQL.

Two ``migov serve`` processes (one of them with two workers) share one committed
database, as hosts behind a load balancer would. Answers are cached in each; a
write through one must be seen by the next read through the other, and an
unchanged answer revalidates to 304.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import exc as sa_exc

from app.cache import Entry, ResponseCache, SharedRead, VersionWatch
from app.config import Settings
from app.db import create_engine
from app.faults import database_fault
from app.main import create_app
from app.metrics import CACHE_LOOKUPS
from app.services.changes import Version
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parents[1]
PORTS = (8320, 8321)
FORUM_PAGE = "/v1/pledges?forum=MIRPS-SP"
GRAPHQL = {"query": '{ pledges(filter: {forum: "MIRPS-SP"}) { totalCount } }'}


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "MIGOV_DATABASE_URL": url,
        "MIGOV_CACHE": "true",
        "MIGOV_LOG_LEVEL": "warning",
        "MIGOV_REDIS_URL": "",
    }


@contextlib.contextmanager
def serving(url: str, port: int, workers: int, log: Path) -> Iterator[str]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=_env(url),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # a shared, loaded machine starts slowly
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            pytest.fail(f"migov did not start on port {port}")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _key(url: str) -> str:
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "keys",
            "create",
            "--name",
            "cache test",
            "--scope",
            "pledges:write",
        ],
        cwd=ROOT,
        env=_env(url),
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip().splitlines()[-1]


def _totals(client: httpx.Client, base: str) -> tuple[int, int, str]:
    rest = client.get(base + FORUM_PAGE)
    assert rest.status_code == 200
    graphql = client.post(base + "/graphql", json=GRAPHQL)
    assert graphql.status_code == 200
    return (
        rest.json()["total"],
        graphql.json()["data"]["pledges"]["totalCount"],
        rest.headers["etag"],
    )


def _submit(client: httpx.Client, base: str, key: str, ref: str) -> None:
    response = client.post(
        base + "/v1/pledges",
        headers={"Authorization": f"Bearer {key}"},
        json={
            "pledgers": ["CAN"],
            "forum": "MIRPS-SP",
            "kind": "technical",
            "title": f"Cache test pledge {ref}",
            "external_ref": ref,
        },
    )
    assert response.status_code == 201, response.text


def test_a_write_through_one_process_is_read_through_another(
    live_database_url: str, tmp_path: Path
) -> None:
    key = _key(live_database_url)
    with (
        serving(live_database_url, PORTS[0], 2, tmp_path / "writer.log") as writer,
        serving(live_database_url, PORTS[1], 1, tmp_path / "reader.log") as reader,
        httpx.Client(timeout=30) as client,
    ):
        before = _totals(client, reader)
        assert _totals(client, reader) == before  # answered from the cache, unchanged
        assert before[0] == before[1]
        unchanged = client.get(reader + FORUM_PAGE, headers={"If-None-Match": before[2]})
        assert unchanged.status_code == 304
        assert unchanged.headers["etag"] == before[2]

        for round_ in range(1, 4):
            _submit(client, writer, key, f"cache-{round_}")
            after = _totals(client, reader)
            assert after[:2] == (before[0] + round_, before[1] + round_)
            assert after[2] != before[2]
            stale = client.get(reader + FORUM_PAGE, headers={"If-None-Match": before[2]})
            assert stale.status_code == 200
            # The writer's own workers read the write too.
            assert _totals(client, writer)[:2] == after[:2]


def test_the_cache_keeps_one_version_within_its_budget() -> None:
    store = ResponseCache(max_bytes=1_200)
    entry = Entry(headers=[(b"etag", b'"v1"')], body=b"x" * 300, etag='"v1"')
    store.put(1, ("a",), entry)
    store.put(1, ("b",), entry)
    assert store.get(1, ("a",)) == entry
    store.put(1, ("c",), entry)  # over budget: the least recently used ("b") goes
    assert store.get(1, ("b",)) is None
    assert store.get(1, ("a",)) == entry
    assert store.get(2, ("a",)) is None  # another version never sees these answers
    store.put(2, ("d",), entry)
    assert len(store) == 1
    store.put(1, ("late",), entry)  # an answer of an older version is not kept
    assert store.get(1, ("late",)) is None


async def test_a_cached_page_names_the_host_it_was_asked_on(live_database_url: str) -> None:
    # The next-page Link is absolute; an answer cached for one host must not be
    # replayed to another (a second domain, or a proxy passing its own Host).
    app = create_app(Settings(database_url=live_database_url, cache=True, _env_file=None))
    path = "/v1/pledges?limit=1"
    hits = CACHE_LOOKUPS.labels("hit")
    async with client_for(app) as client:
        links = []
        for host in ("a.example", "b.example", "a.example"):
            before = hits._value.get()
            response = await client.get(path, headers={"Host": host})
            assert response.status_code == 200, response.text
            links.append((response.headers["link"], hits._value.get() - before))
    assert links[0][0].startswith("<http://a.example/v1/pledges?")
    assert links[1][0].startswith("<http://b.example/v1/pledges?")
    # the first host's answer is served from the cache again, to that host only
    assert [hit for _, hit in links] == [0, 0, 1]
    assert links[2][0] == links[0][0]


class _Store:
    """A value behind reads that take a while; records when each read started."""

    def __init__(self) -> None:
        self.value = 0
        self.reads: list[int] = []  # the value current when each read started
        self.release = asyncio.Event()
        self.fail: Exception | None = None

    async def read(self) -> int:
        seen = self.value  # a statement's snapshot is taken when it starts
        self.reads.append(seen)
        await self.release.wait()
        if self.fail is not None:
            raise self.fail
        return seen


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_shared_reads_never_answer_a_caller_from_before_it_asked() -> None:
    store = _Store()
    shared = SharedRead(store.read)
    early = [asyncio.create_task(shared()) for _ in range(5)]
    await _settle()  # the first read is running, started at value 0
    store.value = 1  # a write commits while it runs
    late = [asyncio.create_task(shared()) for _ in range(5)]
    await _settle()
    store.release.set()
    assert await asyncio.gather(*early) == [0] * 5
    # callers that arrived after the write wait for a read started after it
    assert await asyncio.gather(*late) == [1] * 5
    assert store.reads == [0, 1]  # ten callers, two reads


async def test_a_failed_shared_read_fails_every_waiter_and_the_next_call_reads_again() -> None:
    store = _Store()
    shared = SharedRead(store.read)
    store.fail = ConnectionError("database down")
    waiters = [asyncio.create_task(shared()) for _ in range(3)]
    await _settle()
    store.release.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert [type(r) for r in results] == [ConnectionError] * 3
    store.fail = None
    assert await shared() == 0
    assert len(store.reads) == 2


async def test_a_cancelled_waiter_leaves_the_shared_read_to_the_others() -> None:
    store = _Store()
    shared = SharedRead(store.read)
    leaving = asyncio.create_task(shared())
    staying = asyncio.create_task(shared())
    await _settle()
    leaving.cancel()
    await _settle()
    store.release.set()
    assert await staying == 0
    assert leaving.cancelled()


def test_a_shared_read_serves_a_new_event_loop_after_the_old_one_closed_mid_read() -> None:
    calls: list[int] = []

    async def read() -> int:
        calls.append(1)
        if len(calls) == 1:
            await asyncio.sleep(3600)  # the first loop closes with this read pending
        return len(calls)

    shared = SharedRead(read)

    async def abandon() -> None:
        asyncio.get_running_loop().create_task(shared())
        await asyncio.sleep(0.01)

    first = asyncio.new_event_loop()
    first.run_until_complete(abandon())
    first.close()  # the pending read is dropped, not cancelled: nothing tidies up after it
    assert asyncio.run(asyncio.wait_for(shared(), 5)) == 2
    gc.collect()  # the abandoned runner is closed here, and must leave the new state alone
    assert asyncio.run(asyncio.wait_for(shared(), 5)) == 3


async def test_a_caller_waits_for_the_data_version_no_longer_than_for_a_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A shared read may queue behind the one before it; each caller still gives up
    # after db_pool_timeout, as database_busy, as it would waiting for a connection.
    settings = Settings(database_url="sqlite+aiosqlite://", db_pool_timeout=0.3, _env_file=None)
    engine = create_engine(settings)
    watch = VersionWatch(engine, settings)
    release = asyncio.Event()

    async def stuck_read() -> Version:
        await release.wait()
        return Version(version=1, changed_at=dt.datetime.now(dt.UTC))

    monkeypatch.setattr(watch, "read", stuck_read)
    first = asyncio.create_task(watch.current())
    await asyncio.sleep(0.1)
    queued_at = time.monotonic()
    queued = asyncio.create_task(watch.current())  # waits for the read after the stuck one
    for caller in (first, queued):
        with pytest.raises(sa_exc.TimeoutError) as refused:
            await asyncio.wait_for(caller, 5)
        fault = database_fault(refused.value)
        assert fault is not None
        assert fault.code == "database_busy"
    assert 0.25 < time.monotonic() - queued_at < 0.45
    release.set()
    assert (await watch.current()).version == 1
    await engine.dispose()
