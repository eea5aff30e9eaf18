"""Engine and session factories, and the session each request is served with.

Nothing here runs at import time: ``create_app`` builds one engine per process in
its lifespan and keeps it on ``app.state``.

SQLite needs two fixes to behave like PostgreSQL:

* foreign keys are off unless ``PRAGMA foreign_keys=ON`` is issued per connection;
* the sqlite3 driver opens transactions lazily and mishandles SAVEPOINT, so we
  switch its own transaction handling off and emit ``BEGIN`` ourselves (the
  recipe from SQLAlchemy's SQLite dialect documentation). The tests rely on this
  to run each test inside a transaction with nested savepoints.

With ``MIGOV_DATABASE_READ_URL`` (a streaming replica), ``request_session`` serves
reads from it unless the request must see a data version newer than the
replica's: the adapter says which version it needs (``adapters_common.get_session``
reads it from the request), and after one primary-key read of the replica's
``data_version`` a request the replica cannot serve yet goes to the primary.
Everything else (writes, GraphQL POSTs) uses the primary.

A request that only reads (a GET, a GraphQL document without a mutation) is served by
a session of ``create_sessionmaker(engine, reads_only=True)``, which on PostgreSQL reads
in autocommit, without the BEGIN and ROLLBACK round trips (two of the three of ``GET
/v1/pledges/{id}``), and which ``begin_write`` refuses (``app.db.autocommit``).

Write transactions start with ``begin_write``. On SQLite that emits ``BEGIN
IMMEDIATE``, taking the write lock up front: two deferred transactions that both
read and then write would otherwise deadlock, and SQLite answers one of them
"database is locked" at once instead of waiting. On PostgreSQL it is a plain
``BEGIN``; row locks and unique indexes order concurrent writers there.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any

import orjson
from sqlalchemy import event, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings
from app.db.autocommit import AUTOCOMMIT, opened_for_reads, reads_only_engine
from app.db.faults import budget_spent
from app.db.pool import FairPool
from app.db.reads import watch_reads
from app.models import DataVersion

# Execution option marking a connection whose next transaction writes (see begin_write).
WRITER_OPTION = "migov_writer"


def create_engine(settings: Settings, url_text: str | None = None) -> AsyncEngine:
    """The engine for ``settings.database_url`` (or ``url_text``, e.g. the read replica's)."""
    url = make_url(url_text or settings.database_url)
    sqlite = url.get_backend_name() == "sqlite"
    kwargs: dict[str, Any] = {
        "echo": settings.db_echo,
        # A bounded wait for a pooled connection: an exhausted pool answers 503
        # database_busy within db_pool_timeout instead of queueing requests for 30 s.
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_max_overflow,
        "pool_timeout": settings.db_pool_timeout,
        "poolclass": FairPool,
        # JSON columns (a participation's bounds and objectives, ...) are decoded on every
        # row read; orjson does it several times faster than the standard library, which
        # was 40 % of reading a big forum's participants.
        "json_deserializer": orjson.loads,
    }
    lock_wait = settings.db_statement_timeout or 30.0
    if sqlite:
        kwargs["connect_args"] = {"timeout": lock_wait}
    else:
        server_settings: dict[str, str] = {}
        if settings.db_statement_timeout:
            # PostgreSQL cancels the statement itself (57014) and the connection stays usable.
            server_settings["statement_timeout"] = str(int(settings.db_statement_timeout * 1000))
        kwargs["connect_args"] = {
            "timeout": settings.db_connect_timeout,
            "server_settings": server_settings,
        }
    engine = create_async_engine(url, **kwargs)
    ping_when_idle(engine)
    watch_budget(engine)
    watch_reads(engine)
    if sqlite:
        install_sqlite_fixes(
            engine, busy_timeout=lock_wait, synchronous=settings.sqlite_synchronous
        )
    return engine


# A pooled connection unused for longer than this is tested before it is handed out.
IDLE_PING_SECONDS = 1.0


class DatabaseBudget:
    """The database time one request may still spend, in seconds of statements run.

    ``get_session`` gives each request one (``Settings.db_request_budget``) in
    ``DB_BUDGET``, which the tasks a request starts (GraphQL's sibling fields) share;
    a write leaves it (``begin_write``).
    Each statement's time is taken off when it returns; a statement asked for once
    the budget is spent raises ``budget_spent`` (503 ``database_budget_spent``)
    instead of running. A single statement stays bounded by ``db_statement_timeout``.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.left = seconds
        self.clock = clock

    def check(self) -> None:
        if self.left <= 0:
            raise budget_spent(self.seconds)

    def spend(self, seconds: float) -> None:
        self.left -= seconds


DB_BUDGET: ContextVar[DatabaseBudget | None] = ContextVar("migov_db_budget", default=None)
_STARTED = "migov_statement_started"


def watch_budget(engine: AsyncEngine) -> None:
    """Charge every statement of ``engine`` to the running request's ``DatabaseBudget``."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(
        _conn: Any, _cursor: Any, _statement: Any, _params: Any, context: Any, _many: Any
    ) -> None:
        budget = DB_BUDGET.get()
        if budget is not None and context is not None:
            budget.check()
            context.__dict__[_STARTED] = budget.clock()

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _after(
        _conn: Any, _cursor: Any, _statement: Any, _params: Any, context: Any, _many: Any
    ) -> None:
        budget = DB_BUDGET.get()
        started = context.__dict__.pop(_STARTED, None) if context is not None else None
        if budget is not None and started is not None:
            budget.spend(budget.clock() - started)


def ping_when_idle(engine: AsyncEngine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """Test a pooled connection before use only when it has sat idle.

    SQLAlchemy's ``pool_pre_ping`` tests every checkout, which on asyncpg is three
    round trips (BEGIN, an empty statement, ROLLBACK) in front of every request.
    A connection that was in use within the last ``idle_seconds`` was alive then;
    one that sat longer (a quiet service, a database restarted meanwhile, a
    firewall that drops idle links) is pinged, and a dead one is replaced before
    the request sees it. A connection that dies while busy fails its statement:
    SQLAlchemy then discards the whole pool, and the request answers 503
    ``database_unavailable`` (``app.db.faults``).
    """
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= idle_seconds:
            return  # new, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool discards this connection and checks out another (up to three tries).
            raise DisconnectionError(f"idle connection failed its ping: {error}") from error


def install_sqlite_fixes(
    engine: AsyncEngine, *, busy_timeout: float = 30.0, synchronous: str = "FULL"
) -> None:
    """Per-connection pragmas; see the module docstring.

    WAL lets readers go on while one writer commits, and with ``synchronous=FULL``
    a commit is on disk (WAL fsynced) before it is acknowledged, so a crash of the
    process or the machine loses nothing that got a 201. ``journal_mode`` is a
    property of the database file: setting it on every connection is idempotent.
    """
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        writer = connection.get_execution_options().get(WRITER_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


async def begin_write(session: AsyncSession) -> None:
    """Open the session's next transaction as a writer (``BEGIN IMMEDIATE`` on SQLite).

    Call it before the transaction's first statement: a transaction already open
    keeps the way it began.
    """
    await _open_for_writes(session, "begin_write", {WRITER_OPTION: True})


async def begin_admission(session: AsyncSession) -> None:
    """Open the session for a write's admission (``api_keys.admit_write``).

    On PostgreSQL its statements run in autocommit: each is atomic alone (the key read,
    the quota's UPSERT, the last-use UPDATE) and nothing ties them together, so the
    BEGIN and COMMIT around them are two round trips saved on every write. On SQLite
    they stay in a writer's transaction (``begin_write``), which takes the write lock
    once for them; so does a session bound to a connection, whose transaction is
    already open.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql" or isinstance(bind, Connection):
        await begin_write(session)
    else:
        await _open_for_writes(session, "begin_admission", {"isolation_level": AUTOCOMMIT})


async def _open_for_writes(session: AsyncSession, caller: str, options: dict[str, Any]) -> None:
    """Take the session's connection with ``options``, for statements that write."""
    if session.in_transaction():
        raise RuntimeError(f"{caller}() must open the transaction, not join one")
    if opened_for_reads(session):
        raise RuntimeError(f"{caller}() on a session opened for reads only")
    # A write's statements are few and each bounded by the statement timeout, but on
    # SQLite its first waits for the write lock behind other writers: that wait is not
    # work the request asked of the database, so a writer leaves the read budget.
    DB_BUDGET.set(None)
    await session.connection(execution_options=options)


def create_sessionmaker(
    engine: AsyncEngine, *, reads_only: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions of ``engine``; with ``reads_only``, sessions that cannot write and, on
    PostgreSQL, read in autocommit (module docstring)."""
    if reads_only:
        engine = reads_only_engine(engine)
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def replica_version(session: AsyncSession) -> int:
    return int(await session.scalar(select(DataVersion.version).limit(1)) or 0)


async def _sessionmaker_for(
    state: Any, *, read: bool, writes: bool, needs: int | None
) -> async_sessionmaker[AsyncSession]:
    primary: async_sessionmaker[AsyncSession] = state.sessionmaker
    if not writes:
        primary = getattr(state, "reading_sessionmaker", primary)
    replica: async_sessionmaker[AsyncSession] | None = getattr(state, "read_sessionmaker", None)
    if replica is None or not read:
        return primary
    if needs is None:
        return replica
    async with replica() as probe:
        try:
            behind = await replica_version(probe) < needs
        except (SQLAlchemyError, OSError):
            behind = True  # a replica that cannot answer is behind
    return primary if behind else replica


# The session ``request_session`` gave the running request: a streamed answer gives its
# connection back between pages (``release_connection``).
REQUEST_SESSION: ContextVar[AsyncSession | None] = ContextVar("migov_session", default=None)


async def release_connection(session: AsyncSession | None = None) -> None:
    """End the read transaction of ``session`` (else of the request's own session), so
    its pooled connection goes back to the pool; its next statement takes one again.

    Reads never commit: rolling back loses nothing. A streamed answer calls it before
    it waits on the client, so a slow reader holds no connection.
    """
    session = session or REQUEST_SESSION.get()
    if session is not None and session.in_transaction():
        await session.rollback()


@contextlib.asynccontextmanager
async def request_session(
    state: Any,
    *,
    read: bool,
    writes: bool | None = None,
    needs: int | None = None,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> AsyncIterator[AsyncSession]:
    """A request's session, on the primary or the read replica (module docstring): ``read``
    for a request the replica may serve (a GET), ``writes`` false for one that only reads
    (by default, what ``read`` says), ``needs`` the data version it must see, if any. Rolled
    back if the request fails, always closed. The request's database time is bounded by
    ``db_request_budget`` when the settings on ``state`` give one. ``sessionmaker``, when
    given, is the one to use (a past data version's, ``app.db.history``)."""
    settings = getattr(state, "settings", None)
    seconds = getattr(settings, "db_request_budget", 0)
    # Set every time, unbounded included: a budget a caller's context holds from an
    # earlier request (an in-process client runs every request in its own task) is not
    # this request's.
    DB_BUDGET.set(DatabaseBudget(seconds) if seconds else None)
    if sessionmaker is None:
        writes = not read if writes is None else writes
        sessionmaker = await _sessionmaker_for(state, read=read, writes=writes, needs=needs)
    session = sessionmaker()
    REQUEST_SESSION.set(session)
    try:
        yield session
    except BaseException:
        # On a connection the database dropped, the rollback fails too; the
        # request's own error is the one to answer, so keep it.
        with contextlib.suppress(SQLAlchemyError, OSError):
            await session.rollback()
        raise
    finally:
        await close_session(session)
        # The budget was this request's: whatever runs next in this context (an in-process
        # caller's next step) is not charged to it.
        DB_BUDGET.set(None)


async def close_session(session: AsyncSession) -> None:
    """Close ``session``; a connection that broke is thrown away instead of pooled."""
    try:
        await session.close()
    except (SQLAlchemyError, OSError):
        with contextlib.suppress(SQLAlchemyError, OSError):
            await session.invalidate()
