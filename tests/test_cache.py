"""The response cache is never stale and never partial: across processes, through REST
and GraphQL, and when a client hangs up mid-answer.

Two ``migov serve`` processes (one of them with two workers) share one committed
database, as hosts behind a load balancer would. Answers are cached in each; a
write through one must be seen by the next read through the other, and an
unchanged answer revalidates to 304. ``tests/test_cache_contract.py`` checks that a
hit equals the miss on every route.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import gc
import io
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import exc as sa_exc

from app.db.faults import database_fault
from app.http.cache import Entry, ResponseCache, SharedRead, VersionWatch
from app.main import create_app
from app.services.changes import Version
from app.telemetry.metrics import CACHE_LOOKUPS
from tests.app_settings import app_settings
from tests.bulk import insert_pledges
from tests.conftest import client_for, setup_engine
from tests.live_server import ROOT, serving

FORUM_PAGE = "/v1/pledges?forum=MIRPS-SP"
GRAPHQL = {"query": '{ pledges(filter: {forum: "MIRPS-SP"}) { totalCount } }'}


def _env(url: str) -> dict[str, str]:
    import os

    return {**os.environ, "MIGOV_DATABASE_URL": url, "MIGOV_LOG_LEVEL": "warning"}


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
            "--any-pledger",
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
        serving(live_database_url, tmp_path / "writer.log", workers=2) as writer_server,
        serving(live_database_url, tmp_path / "reader.log") as reader_server,
        httpx.Client(timeout=30) as client,
    ):
        writer, reader = writer_server.base_url, reader_server.base_url
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
    entry = Entry(headers=[(b"etag", b'"v1"')], body=b"x" * 300)
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
    app = create_app(app_settings(live_database_url, cache=True))
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


async def test_a_version_read_running_at_shutdown_stops_before_the_engine_is_disposed(
    live_database_url: str,
) -> None:
    # A request gave up waiting for a slow data-version read (503 database_busy); the
    # read itself must not outlive its app, holding a connection of a disposed engine
    # (CI on SQLite: such a connection was collected unclosed in the next test).
    started, stopped = asyncio.Event(), asyncio.Event()

    async def read_that_never_ends() -> Version:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()
        raise AssertionError("the read was never meant to end")

    app = create_app(app_settings(live_database_url, db_pool_timeout=0.2))
    app.state.version_read = read_that_never_ends
    async with client_for(app) as client:
        response = await client.get("/v1/forums")
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "database_busy"
        assert started.is_set()
        assert not stopped.is_set()  # still reading
    assert stopped.is_set()


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
    started: asyncio.Event | None = None

    async def read() -> int:
        calls.append(1)
        if len(calls) == 1:
            assert started is not None
            started.set()
            await asyncio.Event().wait()  # the first loop closes with this read pending
        return len(calls)

    shared = SharedRead(read)

    async def abandon() -> None:
        nonlocal started
        started = asyncio.Event()
        asyncio.get_running_loop().create_task(shared())
        await started.wait()  # the read is under way when its loop closes

    first = asyncio.new_event_loop()
    first.run_until_complete(abandon())
    first.close()  # the pending read is dropped, not cancelled: nothing tidies up after it
    assert asyncio.run(asyncio.wait_for(shared(), 5)) == 2
    gc.collect()  # the abandoned runner is closed here, and must leave the new state alone
    assert asyncio.run(asyncio.wait_for(shared(), 5)) == 3


async def test_a_caller_waits_for_the_data_version_no_longer_than_for_a_connection() -> None:
    # A shared read may queue behind the one before it; each caller still gives up
    # after db_pool_timeout, as database_busy, as it would waiting for a connection.
    release = asyncio.Event()
    reading = asyncio.Event()

    async def stuck_read() -> Version:
        reading.set()
        await release.wait()
        return Version(version=1, changed_at=dt.datetime.now(dt.UTC))

    watch = VersionWatch(stuck_read, timeout=0.3)
    first = asyncio.create_task(watch.current())
    await reading.wait()
    queued_at = time.monotonic()
    queued = asyncio.create_task(watch.current())  # waits for the read after the stuck one
    for caller in (first, queued):
        with pytest.raises(sa_exc.TimeoutError) as refused:
            await caller
        fault = database_fault(refused.value)
        assert fault is not None
        assert fault.code == "database_busy"
    # it gave up after its own timeout, not at once (no upper bound: a busy machine is slow)
    assert time.monotonic() - queued_at >= 0.3
    release.set()
    assert (await watch.current()).version == 1


# --- a client that hangs up mid-answer leaves nothing behind for the next one ---

BULK_PLEDGES = 20_000
CSV_ALL = "/v1/pledges?format=csv&all=true&sort=-id"
# What the hanging-up client and the next one both send, as curl does: the same request.
HEADERS = {"Accept": "*/*", "Accept-Encoding": "identity"}
AS_CURL = "".join(f"{name}: {value}\r\n" for name, value in HEADERS.items())


async def _add_pledges(url: str, count: int = BULK_PLEDGES) -> None:
    engine = setup_engine(url)
    try:
        async with engine.begin() as connection:
            await insert_pledges(connection, count, forum="RCM")
    finally:
        await engine.dispose()


def _hang_up_after(base_url: str, path: str, body_bytes: int) -> int:
    """Ask for ``path`` on a raw socket with a small receive buffer, read the headers and
    about ``body_bytes`` of the body, then close; returns the bytes read."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(60)
        sock.connect((host, int(port)))
        request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{AS_CURL}\r\n"
        sock.sendall(request.encode())
        received = b""
        while b"\r\n\r\n" not in received or len(received) < body_bytes:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
        assert received.startswith(b"HTTP/1.1 200"), received[:200]
        return len(received)


def _csv_rows(text: str) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(text))) - 1  # less the header row


def test_a_csv_stream_cut_short_is_never_served_to_the_next_client(
    live_database_url: str, tmp_path: Path
) -> None:
    asyncio.run(_add_pledges(live_database_url))
    with (
        serving(live_database_url, tmp_path / "server.log") as server,
        httpx.Client(base_url=server.base_url, timeout=120) as client,
    ):
        total = client.get("/v1/pledges?limit=1").json()["total"]
        assert total > BULK_PLEDGES
        _hang_up_after(server.base_url, CSV_ALL, 64 * 1024)
        for _ in range(2):  # the next client, and the one after it (a hit, if any was kept)
            whole = client.get(CSV_ALL)
            assert whole.status_code == 200
            assert _csv_rows(whole.text) == total


def test_a_download_cut_short_is_never_served_to_the_next_client(
    live_database_url: str, tmp_path: Path
) -> None:
    import zipfile

    with (
        serving(live_database_url, tmp_path / "server.log") as server,
        httpx.Client(base_url=server.base_url, timeout=300) as client,
    ):
        name = client.get("/v1/download").json()["files"][0]["name"]
        assert name.endswith(".zip")
        _hang_up_after(server.base_url, f"/v1/download/{name}", 0)  # right after the headers
        for _ in range(2):
            whole = client.get(f"/v1/download/{name}")
            assert whole.status_code == 200
            archive = zipfile.ZipFile(io.BytesIO(whole.content))
            assert archive.testzip() is None
            assert "datapackage.json" in archive.namelist()
        index = client.get("/v1/download").json()
        assert index["files"][0]["built"] is True  # the index says so once the file exists


async def _hang_up_in_process(app: Any, path: str) -> int:
    """Ask ``app`` for ``path`` as a client that leaves once the first piece of the body
    arrived: the server then reports ``http.disconnect``, as uvicorn does. Returns the
    number of body messages the client saw."""
    first_piece = asyncio.Event()
    pieces = 0

    async def send(message: dict[str, Any]) -> None:
        nonlocal pieces
        if message["type"] == "http.response.body":
            pieces += 1
            first_piece.set()  # the client reads this much, then goes away

    await app(get_scope(path), receive_then_leave(first_piece), send)
    return pieces


def receive_then_leave(leave: asyncio.Event) -> Callable[[], Awaitable[dict[str, Any]]]:
    """An ASGI ``receive`` for a GET: the request, then ``http.disconnect`` once ``leave``
    is set (as uvicorn reports a client gone)."""
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await leave.wait()
        return {"type": "http.disconnect"}

    return receive


def get_scope(path: str) -> dict[str, Any]:
    """The ASGI scope of a GET of ``path`` with ``HEADERS``, as uvicorn gives it."""
    path_part, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path_part,
        "raw_path": path_part.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            *((k.lower().encode(), v.encode()) for k, v in HEADERS.items()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
        "state": {},
    }


async def test_an_answer_cut_short_in_process_is_never_stored(live_database_url: str) -> None:
    """The same, deterministic: the client leaves after the first piece of each streamed
    answer (a CSV of every pledge, a download being built), and the next client of the
    same app gets the whole answer."""
    import zipfile

    await _add_pledges(live_database_url, 5_000)  # many pages: the stream takes a while
    app = create_app(app_settings(live_database_url))
    async with client_for(app) as client:
        client.headers.update(HEADERS)
        total = (await client.get("/v1/pledges?limit=1")).json()["total"]
        assert total > 5_000
        name = (await client.get("/v1/download")).json()["files"][0]["name"]
        inner = client._transport.app  # type: ignore[attr-defined]
        assert await _hang_up_in_process(inner, CSV_ALL) >= 1
        assert await _hang_up_in_process(inner, f"/v1/download/{name}") >= 1
        for _ in range(2):
            whole = await client.get(CSV_ALL)
            assert whole.status_code == 200
            assert _csv_rows(whole.text) == total
            download = await client.get(f"/v1/download/{name}")
            assert download.status_code == 200
            archive = zipfile.ZipFile(io.BytesIO(download.content))
            assert archive.testzip() is None
