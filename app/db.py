"""Engine and session factories, and the request-scoped session dependency.

Nothing here runs at import time: ``create_app`` builds one engine per process in
its lifespan and keeps it on ``app.state``.

SQLite needs two fixes to behave like PostgreSQL:

* foreign keys are off unless ``PRAGMA foreign_keys=ON`` is issued per connection;
* the sqlite3 driver opens transactions lazily and mishandles SAVEPOINT, so we
  switch its own transaction handling off and emit ``BEGIN`` ourselves (the
  recipe from SQLAlchemy's SQLite dialect documentation). The tests rely on this
  to run each test inside a transaction with nested savepoints.
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
        connection.exec_driver_sql("BEGIN")


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
