"""A response cache that is never stale: answers keyed by the data version.

Every committed write bumps the single ``data_version`` row (``services.changes``),
so an answer computed at version V stays right until V changes. Each process
keeps:

* a ``VersionWatch``: the data version, read from the database's one-row
  ``data_version`` table (a primary-key read) for every cacheable request. A
  notice on a channel cannot replace that read: PostgreSQL delivers
  ``pg_notify`` at commit, but a busy listener may take the next request before
  the notice reaches it, and that request would be answered from before a
  write its client already saw acknowledged. The channel (LISTEN on
  ``migov_data_version``, or Redis pub/sub with ``MIGOV_REDIS_URL``) still
  carries each new version to every process, so idle processes drop old
  answers early.
* a ``ResponseCache``: complete GET answers under ``/v1`` and GraphQL query
  answers, by (data version, request), LRU within ``MIGOV_CACHE_MAX_MB``. A newer
  version empties it. Requests carrying credentials and GraphQL documents that
  mention a mutation are never cached; only 200 answers without GraphQL errors
  are stored. The key includes the UTC day, since ``as_of`` defaults to today, and
  the scheme and host, since a next-page ``Link`` names them.

A hit costs one primary-key read, shared with the requests that arrived while the
previous read ran (``SharedRead``), and no routing; a matching ``If-None-Match``
answers 304 after that same read, because ETags derive from the data version.
When that read fails because the database is down or the pool stays exhausted, the
request is answered at once with the 503 the app would give (``Refusal``), so it
waits for a connection once, not twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

import asyncpg
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.errors import Unavailable
from app.faults import database_fault
from app.metrics import CACHE_LOOKUPS
from app.services.changes import CURRENT_VERSION, NOTIFY_CHANNEL, Version

log = logging.getLogger(__name__)
T = TypeVar("T")

REDIS_CHANNEL = "migov:data_version"
VERSION_SQL = "SELECT version, changed_at FROM data_version WHERE id = 1"
# Headers a stored answer keeps; per-request ones (date, server, request ids) are left out.
KEPT_HEADERS = frozenset(
    {
        b"content-type",
        b"content-language",
        b"content-disposition",
        b"etag",
        b"last-modified",
        b"cache-control",
        b"vary",
        b"link",
    }
)
MAX_ENTRY_BYTES = 4 * 1024 * 1024
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_CACHED_PATHS = ("/v1/audit",)
MUTATION = re.compile(rb"\b(mutation|subscription)\b")

# The answer to a request whose data version could not be read because the database
# failed: (scope, fault) -> the ASGI app sending the adapter's own 503 (problem+json
# over REST, a GraphQL error over /graphql). The composition root (app.main) supplies it.
Refusal = Callable[[Scope, Unavailable], ASGIApp]


def encode_version(version: Version) -> str:
    return f"{version.version}|{version.changed_at.isoformat()}"


def decode_version(payload: str | bytes) -> Version | None:
    text = payload.decode() if isinstance(payload, bytes) else payload
    number, _, changed = text.partition("|")
    try:
        return Version(version=int(number), changed_at=dt.datetime.fromisoformat(changed))
    except ValueError:
        return None


class SharedRead(Generic[T]):
    """Calls of ``read`` shared among concurrent callers, without answering any caller
    from before it called.

    One read runs at a time. Callers that arrive while it runs do not join it (it may
    have started before a write they have seen committed): they wait together for the
    next read, which starts once the running one ends. Under load one database round
    trip answers every request that arrived during the one before, instead of each
    request taking a connection of its own. A failed read fails all who shared it, at
    once; a caller cancelled while waiting leaves the read to the others.
    """

    def __init__(self, read: Callable[[], Awaitable[T]]) -> None:
        self._read = read
        self._next: asyncio.Future[T] | None = None
        self._runner: asyncio.Task[None] | None = None
        self._generation = 0  # bumped when a runner is given up; a stale one touches nothing

    async def __call__(self) -> T:
        loop = asyncio.get_running_loop()
        if self._runner is not None and (
            self._runner.done() or self._runner.get_loop() is not loop
        ):
            # a runner that cannot finish (its event loop was closed under it) runs no more
            self._generation += 1
            self._runner = self._next = None
        if self._next is None:
            self._next = loop.create_future()
            # retrieved here, so a failure whose waiters all left is not logged as unheard
            self._next.add_done_callback(_retrieve)
        waiting = self._next
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(self._generation))
        return await asyncio.shield(waiting)

    async def _run(self, generation: int) -> None:
        try:
            while self._generation == generation and self._next is not None:
                # From here on, new callers wait for the next read: this one starts now.
                waiting, self._next = self._next, None
                try:
                    value = await self._read()
                except Exception as error:
                    _fail(waiting, error)
                except BaseException:  # cancelled, or closed with its loop: the waiters hear
                    _fail(waiting, RuntimeError("the shared read was cancelled"))
                    raise
                else:
                    if not waiting.done():
                        waiting.set_result(value)
        finally:
            if self._generation == generation:
                self._runner = None
                pending, self._next = self._next, None
                if pending is not None:
                    _fail(pending, RuntimeError("the shared read stopped"))


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    """Fail ``future`` unless it is settled, or its loop is gone (nobody can wait on it)."""
    if not future.done() and not future.get_loop().is_closed():
        future.set_exception(error)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


class VersionWatch:
    """The newest data version this process knows, and whether it may trust it."""

    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self._engine = engine
        self._asyncpg = engine.dialect.driver == "asyncpg"
        self._settings = settings
        self._known: Version | None = None
        self._live = False
        self._task: asyncio.Task[None] | None = None
        self._redis: Any = None

    @property
    def live(self) -> bool:
        """True while a channel would tell this process of every commit."""
        return self._live

    async def start(self) -> None:
        url = make_url(self._settings.database_url)
        if self._settings.redis_url:
            self._task = asyncio.create_task(self._follow(self._redis_session))
        elif url.get_backend_name() == "postgresql":
            self._task = asyncio.create_task(self._follow(self._listen_session))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._redis is not None:
            await self._redis.aclose()

    async def current(self) -> Version:
        """The data version now, read from the database (the one source of truth).

        Concurrent callers share reads (``SharedRead``): each gets the result of a read
        that started after it called, so it sees every write committed before it asked.
        A caller waits at most ``db_pool_timeout``, as it would for a connection of its
        own: a shared read may queue behind the one before it.
        """
        try:
            async with asyncio.timeout(self._settings.db_pool_timeout) as window:
                return await self._shared()
        except TimeoutError:
            if not window.expired():
                raise  # the read's own (a connection attempt's), not this wait's
            raise sa_exc.TimeoutError("no data version within db_pool_timeout") from None

    @cached_property
    def _shared(self) -> SharedRead[Version]:
        return SharedRead(self.read)

    async def read(self) -> Version:
        async with self._engine.connect() as connection:
            if self._asyncpg:
                # One round trip on the driver itself: no BEGIN/ROLLBACK around it and no
                # statement compilation. On a cache hit this read is the whole database
                # cost, and through SQLAlchemy it was about a quarter of the process.
                raw: Any = (await connection.get_raw_connection()).driver_connection
                row = await raw.fetchrow(VERSION_SQL)
                version = Version(version=int(row["version"]), changed_at=row["changed_at"])
            else:
                found = (await connection.execute(CURRENT_VERSION)).one()
                version = Version(version=int(found.version), changed_at=found.changed_at)
        self._advance(version)
        return version

    async def announce(self) -> None:
        """After a write's answer: tell the other processes over Redis (PostgreSQL needs not)."""
        if self._redis is None:
            return
        try:
            version = await self.read()
            await self._redis.publish(REDIS_CHANNEL, encode_version(version))
        except Exception as error:  # the others fall back on the database until they hear
            log.warning("could not announce data version %s", error)

    def _advance(self, version: Version) -> None:
        if self._known is None or version.version > self._known.version:
            self._known = version

    def _on_payload(self, payload: str | bytes) -> None:
        version = decode_version(payload)
        if version is not None:
            self._advance(version)

    async def _follow(self, session: Callable[[], Awaitable[None]]) -> None:
        """Keep a channel open; while it is down, requests read the database."""
        backoff = 0.1
        while True:
            started = time.monotonic()
            try:
                await session()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a lost channel is logged and retried, never fatal
                log.warning("data version channel lost (%s); reading the database meanwhile", error)
            finally:
                self._live = False
            backoff = 0.1 if time.monotonic() - started > 10 else min(backoff * 2, 5.0)
            await asyncio.sleep(backoff)

    async def _listen_session(self) -> None:
        dsn = (
            make_url(self._settings.database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        connection = await asyncpg.connect(dsn, timeout=10)
        lost = asyncio.Event()
        try:
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(
                NOTIFY_CHANNEL, lambda _c, _pid, _channel, payload: self._on_payload(payload)
            )
            # Listening first, then reading: a commit in between is both read and notified.
            row = await connection.fetchrow(
                "SELECT version, changed_at FROM data_version WHERE id = 1"
            )
            self._advance(Version(version=int(row["version"]), changed_at=row["changed_at"]))
            self._live = True
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), timeout=5)
                if not lost.is_set():
                    # A silent peer would lose notifications: prove the line works.
                    self._live = False
                    await asyncio.wait_for(connection.fetchval("SELECT 1"), timeout=2)
                    self._live = True
        finally:
            self._live = False
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), timeout=2)

    async def _redis_session(self) -> None:
        import redis.asyncio as aioredis

        if self._redis is None:
            self._redis = aioredis.from_url(self._settings.redis_url or "", socket_timeout=5)
        pubsub = self._redis.pubsub()
        try:
            await pubsub.subscribe(REDIS_CHANNEL)
            await self.read()
            self._live = True
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
                if message is None:
                    self._live = False
                    await self._redis.ping()
                    self._live = True
                elif message.get("type") == "message":
                    self._on_payload(message["data"])
        finally:
            self._live = False
            with contextlib.suppress(Exception):
                await pubsub.aclose()


@dataclass(frozen=True)
class Entry:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str | None

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


class ResponseCache:
    """Answers of one data version, least recently used first out."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.version = -1
        self._entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self._bytes = 0

    def get(self, version: int, key: tuple[Any, ...]) -> Entry | None:
        if version != self.version:
            return None
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, version: int, key: tuple[Any, ...], entry: Entry) -> None:
        if version < self.version or entry.size > min(self.max_bytes, MAX_ENTRY_BYTES):
            return
        if version > self.version:
            self.clear()
            self.version = version
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.size
        self._entries[key] = entry
        self._bytes += entry.size
        while self._bytes > self.max_bytes and self._entries:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return b""


def _etag_matches(header: bytes, etag: str | None) -> bool:
    if etag is None or not header:
        return False
    candidates = [c.strip().removeprefix(b"W/") for c in header.split(b",")]
    return b"*" in candidates or etag.encode() in candidates


class ResponseCacheMiddleware:
    """Serves stored answers for the current data version; stores new ones."""

    def __init__(self, app: ASGIApp, state: State, max_bytes: int, refuse: Refusal) -> None:
        self.app = app
        self.state = state
        self.store = ResponseCache(max_bytes)
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        watch: VersionWatch | None = getattr(self.state, "version_watch", None)
        if scope["type"] != "http" or watch is None:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        path = scope["path"]
        credentials = _header(scope, b"authorization") or _header(scope, b"cookie")
        if method in WRITE_METHODS and (credentials or not path.startswith("/graphql")):
            await self._write(watch, scope, receive, send)
            return
        if credentials:
            await self.app(scope, receive, send)
            return
        body = b""
        if method in ("GET", "HEAD") and path.startswith("/v1/"):
            if path.startswith(NOT_CACHED_PATHS):
                await self.app(scope, receive, send)
                return
        elif path == "/graphql" and method in ("GET", "POST"):
            if method == "POST":
                body, receive = await _read_body(receive)
            document = body or scope["query_string"]
            if MUTATION.search(document):
                await self._write(watch, scope, receive, send)
                return
        else:
            await self.app(scope, receive, send)
            return

        try:
            version = await watch.current()
        except Exception as error:
            fault = database_fault(error)
            if not isinstance(fault, Unavailable):
                await self.app(scope, receive, send)  # not a known fault: the app decides
                return
            # The database is down or busy: answer now with the adapter's own 503, rather
            # than let the app wait for a connection a second time.
            log.warning("%s reading the data version: %s", fault.code, type(error).__name__)
            await self.refuse(scope, fault)(scope, receive, send)
            return
        key = (
            "GET" if method == "HEAD" else method,
            # A next-page Link names the URL it was asked on: scheme and host are part of it.
            scope.get("scheme"),
            _header(scope, b"host"),
            path,
            scope["query_string"],
            body,
            _header(scope, b"accept").replace(b"*/*", b""),
            _header(scope, b"accept-language"),
            _header(scope, b"accept-encoding"),
            # Answers that default to today (as_of) change at midnight, not only on writes.
            dt.datetime.now(dt.UTC).date().toordinal(),
        )
        entry = self.store.get(version.version, key)
        if entry is not None:
            CACHE_LOOKUPS.labels("hit").inc()
            await _replay(entry, scope, send)
            return
        CACHE_LOOKUPS.labels("miss").inc()
        scope.setdefault("state", {})["data_version"] = version
        await self._fill(version, key, scope, receive, send)

    async def _write(self, watch: VersionWatch, scope: Scope, receive: Receive, send: Send) -> None:
        succeeded = False

        async def send_noting_writes(message: Message) -> None:
            nonlocal succeeded
            if message["type"] == "http.response.start" and message["status"] < 400:
                succeeded = True
            await send(message)

        await self.app(scope, receive, send_noting_writes)
        if succeeded:
            await watch.announce()

    async def _fill(
        self, version: Version, key: tuple[Any, ...], scope: Scope, receive: Receive, send: Send
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and start is not None:
                chunk = message.get("body", b"")
                size += len(chunk)
                if size <= MAX_ENTRY_BYTES:
                    chunks.append(chunk)
            await send(message)

        await self.app(scope, receive, capture)
        if start is None or start["status"] != 200 or size > MAX_ENTRY_BYTES:
            return
        body = b"".join(chunks)
        if scope["method"] == "HEAD" or (scope["path"] == "/graphql" and b'"errors"' in body):
            return
        headers = [(k.lower(), v) for k, v in start.get("headers", []) if k.lower() in KEPT_HEADERS]
        etag = next((v.decode() for k, v in headers if k == b"etag"), None)
        self.store.put(version.version, key, Entry(headers=headers, body=body, etag=etag))


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _replay(entry: Entry, scope: Scope, send: Send) -> None:
    if _etag_matches(_header(scope, b"if-none-match"), entry.etag):
        headers = [(k, v) for k, v in entry.headers if k != b"content-type"]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [*entry.headers, (b"content-length", str(len(entry.body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    body = b"" if scope["method"] == "HEAD" else entry.body
    await send({"type": "http.response.body", "body": body})


async def start_watch(state: State, engine: AsyncEngine, settings: Settings) -> None:
    """Lifespan start: the version watch the cache middleware reads (only with the cache on)."""
    if settings.cache:
        state.version_watch = VersionWatch(engine, settings)
        await state.version_watch.start()


async def stop_watch(state: State) -> None:
    watch: VersionWatch | None = getattr(state, "version_watch", None)
    if watch is not None:
        await watch.stop()


def install(app: Any, settings: Settings, refuse: Refusal) -> None:
    if settings.cache:
        app.add_middleware(
            ResponseCacheMiddleware,
            state=app.state,
            max_bytes=settings.cache_max_mb * 1024 * 1024,
            refuse=refuse,
        )
