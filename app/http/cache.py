"""A response cache that is never stale and never partial: answers keyed by the data version.

Every committed write bumps the single ``data_version`` row (``services.changes``),
so an answer computed at version V stays right until V changes. Each process keeps:

* a ``VersionWatch``: the data version, read from the database for every
  cacheable request (``services.changes.committed_version``, one primary-key
  read). Concurrent requests share reads (``SharedRead``), each answered by a
  read that started after it asked, so no request is answered from before a
  write its client already saw acknowledged.
* a ``ResponseCache``: complete answers to GETs under ``/v1`` and to GraphQL
  queries, by request, each with the tables (and, for one pledge, the rows) it was
  computed from (``app.db.reads``), LRU within ``MIGOV_CACHE_MAX_MB``. When the
  version moves on, the cache reads what the writes in between changed
  (``services.changes.written_between``) and drops only the answers that read it: a
  pledge submission leaves forums, actors, participations and other pledges' pages
  standing. When that cannot be told (curated data reloaded, too many changes, the
  read failing), it empties. It remembers what the latest ``REMEMBERED_STEPS``
  version steps changed, so an answer computed at a version it has moved past
  meanwhile (a write landed while the answer was computed) is still kept when none
  of those writes touched what the answer read.
* the misses being computed (``_Flight``): a request that misses a key at the
  version another request is computing it for waits for that answer and replays it
  as a hit would, so a page every client watches is computed once after a write,
  not once per client, and the same costly query sent many times at once costs one
  computation. The answer is handed over as soon as its last byte is produced,
  before the first client reads it, so a slow reader holds no one; one that is not
  kept (below) releases the waiting requests at once to compute their own.

What is stored, and what is not:

* Only a **complete** answer: status 200, its whole body in one message (the last
  one, ``more_body`` false), delivered without the client hanging up. A streamed
  answer (``?format=csv&all=true``, a dataset download) is sent in many messages
  and is never stored: it may be far larger than an entry, and a stream cut short
  by its client must never become the answer for everyone else.
* Every response header the app produced, except the per-request ones
  (``PER_REQUEST_HEADERS``). Headers added per client (CORS, the request id, the
  security headers, rate-limit budgets) come from layers outside the cache, so a hit
  gets them as a miss does.
* Nothing for requests carrying credentials (``Authorization``, ``Cookie``), for
  ``/v1/audit`` and ``/v1/download`` (whose index changes when a file is built,
  without a new data version), for answers that set a cookie, for GraphQL documents
  that mention a mutation, or for GraphQL answers that carry errors.

The key holds exactly what changes the bytes (``_key``): the method, scheme and
host (a next-page ``Link`` names them), path, query, GraphQL body and its content
type, ``Accept``, ``Accept-Language``, every request header the API declares for
reads (``Migov-Min-Version``: a malformed one keys a miss, which refuses it as it
always does), and the UTC day (``as_of`` defaults to today). ``Accept-Encoding`` is
not in it: compression runs outside the cache, on plain stored bodies.

A hit answers conditional requests as a miss would: ``If-None-Match`` first, then
``If-Modified-Since`` (``http.preconditions``). Every 304 that passes the cache, from
the store or from the app, carries the validators and caching headers only
(``NOT_MODIFIED_HEADERS``), as RFC 9110 asks. When the version read fails because the database is
down or the pool stays exhausted, the request is answered at once with the 503 the
app would give (``Refusal``), so it waits for a connection once, not twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import re
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl

from sqlalchemy import exc as sa_exc
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db.faults import database_fault
from app.db.reads import EVERYTHING, FrozenReads, Reads, recording
from app.errors import Unavailable
from app.http.bodies import read_body
from app.http.preconditions import not_modified
from app.services.changes import Version, Written
from app.telemetry.metrics import CACHE_LOOKUPS

log = logging.getLogger(__name__)
T = TypeVar("T")

# Headers that describe one exchange, not the answer: never stored, never replayed.
# Content-Length is recomputed on a hit; the others are added by outer layers per request.
PER_REQUEST_HEADERS = frozenset(
    {
        b"date",
        b"server",
        b"content-length",
        b"transfer-encoding",
        b"connection",
        b"keep-alive",
        b"x-request-id",
        b"server-timing",
        b"ratelimit",
        b"ratelimit-policy",
        b"retry-after",
        b"age",
    }
)
# What a 304 carries (RFC 9110 section 15.4.5): the validators and what guides caches, not
# the metadata of a body it does not have. Applied to every 304 that passes the cache, so
# a 304 from the store and one from the app are alike.
NOT_MODIFIED_HEADERS = frozenset(
    {b"etag", b"last-modified", b"cache-control", b"vary", b"expires", b"content-location"}
)
# Request headers the API declares on reads: part of the key, so that a value a miss
# would refuse is never answered from an entry stored for another value.
KEYED_REQUEST_HEADERS = (b"migov-min-version", b"migov-data-version")
MAX_ENTRY_BYTES = 4 * 1024 * 1024
# How many version steps the store remembers what they changed. An answer computed at a
# version the store has moved past since (writes committed while it was computed) is
# kept if no step in between changed what it read; older than these steps, it is not.
# The rows they name are bounded too (a batch may name thousands): past the bound the
# oldest steps are forgotten.
REMEMBERED_STEPS = 256
REMEMBERED_ROWS = 20_000
# A GraphQL POST is read whole to key it only up to this size, declared in Content-Length;
# a larger or undeclared body passes through uncached (no document that long is served).
MAX_KEYED_BODY_BYTES = 64 * 1024
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_CACHED_PATHS = ("/v1/audit", "/v1/download")
MUTATION = re.compile(rb"\b(mutation|subscription)\b")

# The answer to a request whose data version could not be read because the database
# failed: (scope, fault) -> the ASGI app sending the adapter's own 503 (problem+json
# over REST, a GraphQL error over /graphql). The composition root supplies it.
Refusal = Callable[[Scope, Unavailable], ASGIApp]
VersionRead = Callable[[], Awaitable[Version]]
# What the writes of versions (after, upto] changed; None when it cannot be told.
WrittenRead = Callable[[int, int], Awaitable[Written | None]]


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

    async def aclose(self) -> None:
        """Stop a read under way, as its app shuts down: the read gives its connection
        back now, before the engine is disposed, and its waiters hear an error."""
        runner = self._runner
        if runner is None or runner.done() or runner.get_loop() is not asyncio.get_running_loop():
            return
        runner.cancel()
        await asyncio.wait([runner])


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    """Fail ``future`` unless it is settled, or its loop is gone (nobody can wait on it)."""
    if not future.done() and not future.get_loop().is_closed():
        future.set_exception(error)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


class VersionWatch:
    """The data version now, read from the database (the one source of truth)."""

    def __init__(
        self, read: VersionRead, *, timeout: float, written: WrittenRead | None = None
    ) -> None:
        self._timeout = timeout
        self._shared = SharedRead(read)
        self._written = written

    async def written(self, after: int, upto: int) -> Written | None:
        """What the writes after version ``after`` up to ``upto`` changed; None (all)
        when the watch cannot tell or the read fails."""
        if self._written is None:
            return None
        try:
            async with asyncio.timeout(self._timeout):
                return await self._written(after, upto)
        except Exception as error:  # the cache then starts afresh: never a stale answer
            log.warning("reading the changes after version %s: %s", after, type(error).__name__)
            return None

    async def current(self) -> Version:
        """Concurrent callers share reads (``SharedRead``): each gets the result of a read
        that started after it called, so it sees every write committed before it asked.
        A caller waits at most ``timeout`` (``db_pool_timeout``), as it would for a
        connection of its own: a shared read may queue behind the one before it.
        """
        try:
            async with asyncio.timeout(self._timeout) as window:
                return await self._shared()
        except TimeoutError:
            if not window.expired():
                raise  # the read's own (a connection attempt's), not this wait's
            raise sa_exc.TimeoutError("no data version within db_pool_timeout") from None

    async def aclose(self) -> None:
        """Stop the read under way, if any (see ``SharedRead.aclose``)."""
        await self._shared.aclose()


EVERYTHING_READ = FrozenReads(frozenset({EVERYTHING}))


@dataclass(frozen=True)
class Entry:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    # What the answer was computed from; an entry without it depends on everything.
    reads: FrozenReads = EVERYTHING_READ

    @cached_property
    def etag(self) -> str | None:
        return _value(self.headers, b"etag")

    @cached_property
    def named_version(self) -> int | None:
        """The data version the answer names (``Migov-Data-Version``), if it names one."""
        named = _value(self.headers, b"migov-data-version")
        return int(named) if named and named.isdigit() else None

    @cached_property
    def last_modified(self) -> dt.datetime | None:
        stamp = _value(self.headers, b"last-modified")
        try:
            return parsedate_to_datetime(stamp) if stamp else None
        except (TypeError, ValueError, IndexError):
            return None

    @property
    def size(self) -> int:
        rows = sum(len(ids) for _, ids in self.reads.rows)
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200 + 8 * rows


@dataclass
class _Flight:
    """A miss being computed, and how many requests that missed the same key at the same
    version wait for its answer (None when it is not one to keep)."""

    answer: asyncio.Future[Entry | None]
    waiting: int = 0


def _value(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    return next((value.decode("latin-1") for key, value in headers if key == name), None)


class ResponseCache:
    """Answers valid at ``version`` (each computed at it or kept across writes that did
    not touch what it read), least recently used first out.

    An index from each table and each part an entry read to the entries that read it
    makes a write's eviction cost what it evicts, not the size of the cache: a stream
    of pledge writes does not make every process walk every entry.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.version = -1
        self._entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self._bytes = 0
        self._readers: dict[Hashable, set[tuple[Any, ...]]] = {}
        # The latest version steps, oldest first: (from, to, what changed or None when
        # unknown), each ``to`` the next one's ``from``.
        self._steps: deque[tuple[int, int, Written | None]] = deque()
        self._remembered_rows = 0

    def get(self, version: int, key: tuple[Any, ...]) -> Entry | None:
        if version != self.version:
            return None
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, version: int, key: tuple[Any, ...], entry: Entry) -> None:
        """Keep ``entry``, computed at ``version``, as the answer to ``key`` at the store's
        version: when it is that version, or an older one that the writes since did not
        change for it (``unchanged_since``). A newer version empties the store first."""
        if entry.size > min(self.max_bytes, MAX_ENTRY_BYTES):
            return
        if version < self.version and not self.unchanged_since(version, entry.reads):
            return
        if version > self.version:
            self.clear()
            self._remember(version, None)
            self.version = version
        self._drop(key)
        self._entries[key] = entry
        self._bytes += entry.size
        for dependency in _dependencies(entry.reads):
            self._readers.setdefault(dependency, set()).add(key)
        while self._bytes > self.max_bytes and self._entries:
            self._drop(next(iter(self._entries)))

    def advance(self, version: int, written: Written | None, *, since: int) -> int:
        """Move to ``version``, given what the writes after ``since`` changed (None: not
        known, so everything). Entries computed from what they changed leave; the rest
        stay, valid at ``version``. Returns how many left."""
        if version <= self.version:
            return 0
        if written is None or since < 0 or since > self.version:
            left = len(self._entries)
            self.clear()
            self._remember(version, None)
        else:
            # ``written`` covers (since, version], all of the step from ``self.version``.
            self._remember(version, written)
            stale: set[tuple[Any, ...]] = set(self._readers.get(EVERYTHING, ()))
            for table in written.tables:
                stale |= self._readers.get(table, set())
            for family, keys in written.rows.items():
                for row in keys:
                    stale |= self._readers.get((family, row), set())
            for key in stale:
                self._drop(key)
            left = len(stale)
        self.version = version
        return left

    def _remember(self, version: int, written: Written | None) -> None:
        """Note the step from the store's version to ``version`` (before moving to it)."""
        self._steps.append((self.version, version, written))
        self._remembered_rows += _rows_named(written)
        while len(self._steps) > REMEMBERED_STEPS or self._remembered_rows > REMEMBERED_ROWS:
            _, _, forgotten = self._steps.popleft()
            self._remembered_rows -= _rows_named(forgotten)

    @property
    def remembered(self) -> tuple[int, int]:
        """How many steps the store remembers, and how many rows they name."""
        return len(self._steps), self._remembered_rows

    def unchanged_since(self, version: int, reads: FrozenReads) -> bool:
        """Whether the writes from ``version`` to the store's version changed nothing
        ``reads`` names, as far as the remembered steps tell (an answer that read
        everything, a step whose changes are unknown, or a gap in the steps: changed)."""
        if EVERYTHING in reads.tables:
            return False
        upto = self.version
        for start, end, written in reversed(self._steps):
            if end != upto or written is None or _touches(written, reads):
                return False
            if start <= version:
                return True
            upto = start
        return False

    def _drop(self, key: tuple[Any, ...]) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self._bytes -= entry.size
        for dependency in _dependencies(entry.reads):
            readers = self._readers.get(dependency)
            if readers is not None:
                readers.discard(key)
                if not readers:
                    del self._readers[dependency]

    def clear(self) -> None:
        self._entries.clear()
        self._readers.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def _dependencies(reads: FrozenReads) -> Iterator[Hashable]:
    """What an entry read, as index keys: each table by name, each part as (family, key)."""
    yield from reads.tables
    for family, keys in reads.rows:
        for row in keys:
            yield (family, row)


def _rows_named(written: Written | None) -> int:
    return 0 if written is None else sum(len(keys) for keys in written.rows.values())


def _touches(written: Written, reads: FrozenReads) -> bool:
    """Whether ``written`` changed a table or a part ``reads`` names (the rule by which
    ``ResponseCache.advance`` drops entries)."""
    if reads.tables & written.tables:
        return True
    return any(not keys.isdisjoint(written.rows.get(family, ())) for family, keys in reads.rows)


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return b""


def _text_header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _key(scope: Scope, body: bytes) -> tuple[Any, ...]:
    return (
        scope["method"],
        # A next-page Link names the URL it was asked on: scheme and host are part of it.
        scope.get("scheme"),
        _header(scope, b"host"),
        scope["path"],
        scope["query_string"],
        hashlib.sha256(body).digest() if body else b"",
        _header(scope, b"content-type") if body else b"",
        _header(scope, b"accept").replace(b"*/*", b""),
        _header(scope, b"accept-language"),
        *(_header(scope, name) for name in KEYED_REQUEST_HEADERS),
        # Answers that default to today (as_of) change at midnight, not only on writes.
        dt.datetime.now(dt.UTC).date().toordinal(),
    )


class ResponseCacheMiddleware:
    """Serves stored answers for the current data version; stores new complete ones.

    The version watch is ``app.state.version_watch``, set up by the lifespan; without
    one (the cache switched off, or before start-up) every request goes to the app.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, refuse: Refusal) -> None:
        self.app = app
        self.store = ResponseCache(max_bytes)
        self.refuse = refuse
        # The advance under way (the version it moves to): requests that find the same
        # new version wait for it rather than each reading the changes again.
        self._advancing: tuple[int, asyncio.Future[None]] | None = None
        # The misses being computed, by (version, key): requests that miss the same key
        # at the same version meanwhile wait for that answer instead of computing it too.
        self._flights: dict[tuple[int, tuple[Any, ...]], _Flight] = {}

    @property
    def waiting(self) -> int:
        """How many requests are waiting for an answer another request is computing."""
        return sum(flight.waiting for flight in self._flights.values())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        watch: VersionWatch | None = getattr(scope["app"].state, "version_watch", None)
        method = scope["method"]
        path = scope["path"]
        if (
            watch is None
            or (method in WRITE_METHODS and path != "/graphql")
            or _header(scope, b"authorization")
            or _header(scope, b"cookie")
        ):
            await self.app(scope, receive, send)
            return
        body = b""
        if method == "GET" and path.startswith("/v1/"):
            if path.startswith(NOT_CACHED_PATHS):
                await self.app(scope, receive, send)
                return
        elif path == "/graphql" and method in ("GET", "POST"):
            if method == "POST":
                declared = _header(scope, b"content-length")
                if not declared.isdigit() or int(declared) > MAX_KEYED_BODY_BYTES:
                    await self.app(scope, receive, send)
                    return
                read, receive = await read_body(receive)
                if read is None:  # the client went away: nothing to answer or keep
                    await self.app(scope, receive, send)
                    return
                body = read
            if MUTATION.search(body or scope["query_string"]):
                await self.app(scope, receive, send)
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
        if version.version > self.store.version:
            await self._advance(watch, version.version)
        key = _key(scope, body)
        entry = self.store.get(version.version, key)
        if entry is not None:
            CACHE_LOOKUPS.labels("hit").inc()
            await _replay(entry, scope, send, version.version)
            return
        at = (version.version, key)
        running = self._flights.get(at)
        loop = asyncio.get_running_loop()
        if running is not None and running.answer.get_loop() is loop:
            # The same answer is being computed at this version: the one this request
            # would compute. Waited for once; when it is not one to keep (an error, a
            # stream, a client gone first), this request computes its own.
            running.waiting += 1
            try:
                shared = await asyncio.shield(running.answer)
            finally:
                running.waiting -= 1
            if shared is not None:
                CACHE_LOOKUPS.labels("joined").inc()
                await _replay(shared, scope, send, version.version)
                return
        CACHE_LOOKUPS.labels("miss").inc()
        scope.setdefault("state", {})["data_version"] = version
        ours: _Flight | None = None
        if running is None or running.answer.done() or running.answer.get_loop() is not loop:
            ours = self._flights[at] = _Flight(loop.create_future())
        try:
            await self._fill(version, key, scope, receive, send, ours.answer if ours else None)
        finally:
            if ours is not None:
                if self._flights.get(at) is ours:
                    del self._flights[at]
                if not ours.answer.done():
                    ours.answer.set_result(None)

    async def _advance(self, watch: VersionWatch, version: int) -> None:
        """Bring the store to ``version`` (``ResponseCache.advance``), once for all the
        requests that find it at the same time."""
        loop = asyncio.get_running_loop()
        running = self._advancing
        if (
            running is not None
            and running[0] >= version
            and not running[1].done()
            and running[1].get_loop() is loop
        ):
            await asyncio.shield(running[1])
            return
        since = self.store.version

        async def advance() -> None:
            written = await watch.written(since, version) if since >= 0 else None
            self.store.advance(version, written, since=since)

        task = asyncio.ensure_future(advance())
        self._advancing = (version, task)
        await asyncio.shield(task)

    async def _fill(
        self,
        version: Version,
        key: tuple[Any, ...],
        scope: Scope,
        receive: Receive,
        send: Send,
        waiting: asyncio.Future[Entry | None] | None = None,
    ) -> None:
        """Compute the answer, send it, and keep it when it is complete. ``waiting``, the
        requests that missed the same key meanwhile, gets the answer as soon as its last
        byte is produced, before this request's client has read it (a slow reader holds
        no one else), or None as soon as it is plainly not one to keep."""

        def settle(entry: Entry | None) -> None:
            if waiting is not None and not waiting.done():
                waiting.set_result(entry)

        status: int | None = None
        headers: list[tuple[bytes, bytes]] = []
        body: bytes | None = None  # set once the whole answer went out in one message
        kept: Entry | None = None  # the answer as the store keeps it, once it is complete
        streamed = False
        client_left = False

        async def receive_noting_disconnect() -> Message:
            nonlocal client_left
            message = await receive()
            if message["type"] == "http.disconnect":
                client_left = True
            return message

        async def capture(message: Message) -> None:
            nonlocal status, headers, body, streamed, kept
            if message["type"] == "http.response.start":
                # A copy as the app gave it: outer layers edit the message's list in place.
                status = message["status"]
                headers = [(name.lower(), value) for name, value in message.get("headers", [])]
                if status == 304:
                    message = {**message, "headers": _not_modified_headers(headers)}
                if status != 200:
                    settle(None)
            elif message["type"] == "http.response.body":
                if body is None and not streamed and not message.get("more_body", False):
                    body = message.get("body", b"")
                    # What the answer read is complete: nothing read later made its bytes.
                    kept = None if client_left else _entry(scope, status, headers, body, reads)
                    settle(kept)
                else:
                    streamed, body, kept = True, None, None
                    settle(None)
            await send(message)  # a failed send (the client gone) raises: nothing is stored

        with recording() as reads:
            await self.app(scope, receive_noting_disconnect, capture)
        if kept is not None and not client_left:
            self.store.put(version.version, key, kept)


def _entry(
    scope: Scope, status: int | None, headers: list[tuple[bytes, bytes]], body: bytes, reads: Reads
) -> Entry | None:
    """The answer as the store keeps it, or None when it is not one to keep: anything but
    a 200, a body over ``MAX_ENTRY_BYTES``, a GraphQL answer carrying errors, an answer
    setting a cookie."""
    if status != 200 or len(body) > MAX_ENTRY_BYTES:
        return None
    if scope["path"] == "/graphql" and b'"errors"' in body:
        return None
    if any(name == b"set-cookie" for name, _ in headers):
        return None
    kept = [(name, value) for name, value in headers if name not in PER_REQUEST_HEADERS]
    return Entry(headers=kept, body=body, reads=reads.frozen())


def _not_modified_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, value in headers if name in NOT_MODIFIED_HEADERS]


# The version in a cite-as link's query (``app.api.conditional.version_headers``).
_CITED_VERSION = re.compile(rb'(<[^>]*[?&]version=)[0-9]+(>; rel="cite-as")')


def _pinned(scope: Scope) -> bool:
    """Whether the request named a data version (``adapters_common.requested_version``)."""
    if _header(scope, b"migov-data-version"):
        return True
    return any(name == "version" for name, _ in parse_qsl(scope["query_string"].decode("latin-1")))


def _labelled(headers: list[tuple[bytes, bytes]], version: int) -> list[tuple[bytes, bytes]]:
    """``headers`` naming ``version`` as the one the answer shows: a stored answer that no
    write since touched is the current version's answer too."""
    number = str(version).encode()
    labelled = []
    for name, value in headers:
        if name == b"migov-data-version":
            value = number
        elif name == b"link":
            value = _CITED_VERSION.sub(rb"\g<1>" + number + rb"\g<2>", value)
        labelled.append((name, value))
    return labelled


async def _replay(entry: Entry, scope: Scope, send: Send, version: int) -> None:
    if scope["method"] == "GET" and not_modified(
        if_none_match=_text_header(scope, b"if-none-match"),
        if_modified_since=_text_header(scope, b"if-modified-since"),
        etag=entry.etag,
        last_modified=entry.last_modified,
    ):
        headers = _not_modified_headers(entry.headers)
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    stored = entry.headers
    if entry.named_version not in (None, version) and not _pinned(scope):
        stored = _labelled(stored, version)
    headers = [*stored, (b"content-length", str(len(entry.body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": entry.body})
