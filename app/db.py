"""Engine and session factories, and the request-scoped session dependency.

Nothing here runs at import time: ``create_app`` builds one engine per process in
its lifespan and keeps it on ``app.state``.

SQLite needs two fixes to behave like PostgreSQL:

* foreign keys are off unless ``PRAGMA foreign_keys=ON`` is issued per connection;
* the sqlite3 driver opens transactions lazily and mishandles SAVEPOINT, so we
  switch its own transaction handling off and emit ``BEGIN`` ourselves (the
  recipe from SQLAlchemy's SQLite dialect documentation). The tests rely on this
  to run each test inside a transaction with nested savepoints.

Write transactions start with ``begin_write``. On SQLite that emits ``BEGIN
IMMEDIATE``, taking the write lock up front: two deferred transactions that both
read and then write would otherwise deadlock, and SQLite answers one of them
"database is locked" at once instead of waiting. On PostgreSQL it is a plain
``BEGIN``; row locks and unique indexes order concurrent writers there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from starlette.requests import HTTPConnection

from app.config import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    url = make_url(settings.database_url)
    kwargs: dict[str, Any] = {"echo": settings.db_echo, "pool_pre_ping": True}
    if url.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_size"] = settings.db_pool_size
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        install_sqlite_fixes(engine)
    return engine


def install_sqlite_fixes(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        writer = connection.get_execution_options().get(WRITER_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


WRITER_OPTION = "migov_writer"


async def begin_write(session: AsyncSession) -> None:
    """Open the session's next transaction as a writer (``BEGIN IMMEDIATE`` on SQLite).

    Call it before the transaction's first statement: a transaction already open
    keeps the way it began.
    """
    if session.in_transaction():
        raise RuntimeError("begin_write() must open the transaction, not join one")
    await session.connection(execution_options={WRITER_OPTION: True})


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_session(connection: HTTPConnection) -> AsyncIterator[AsyncSession]:
    """One session per request; rolled back if the request fails, always closed."""
    sessionmaker: async_sessionmaker[AsyncSession] = connection.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
