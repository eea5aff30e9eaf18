"""Test harness: one migrated database per run, one rolled-back transaction per test.

``MIGOV_TEST_DATABASE_URL`` picks the engine; without it the suite uses a SQLite
file under pytest's tmp dir. On PostgreSQL the run creates a database of its own
(``migov_test_<random>``) next to the one in the URL and drops it afterwards, so
reruns and parallel runs never see each other. An unreachable PostgreSQL fails
the run; it is never skipped.

Tests that need real commits from several connections (concurrent submissions,
a live server) use ``live_database_url``: a database of their own, migrated and
loaded with the curated data, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from app.config import Settings
from app.dataset import load as dataset_service
from app.dataset import read as dataset_read
from app.dataset.sync import LoadReport
from app.db import create_engine
from app.db.migrations import upgrade
from app.main import create_app
from app.services import changes as change_service
from app.services.changes import Version, Written
from tests.app_settings import app_settings


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


async def _admin(url: str, statement: str) -> None:
    admin = make_url(url)
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("MIGOV_TEST_DATABASE_URL", "").strip()
    if not configured:
        path = tmp_path_factory.mktemp("db") / "migov-test.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        yield url
        return
    name = f"migov_test_{uuid.uuid4().hex[:10]}"
    base = make_url(configured)
    asyncio.run(_admin(configured, f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(configured, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database beside the suite's one, on the same engine."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"migov_scratch_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(database_url, f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def setup_engine(url: str) -> AsyncEngine:
    """An engine for a test's own seeding and checks, not the service under test.

    The production defaults bound a statement at 5 s and a connect at 2 s; a 50,000-row
    COPY or a VACUUM on a loaded machine can outlast them (CI on PostgreSQL: a seeding
    COPY was cancelled by the statement timeout), so setup waits instead.
    """
    return create_engine(
        Settings(
            database_url=url,
            db_statement_timeout=0,
            db_pool_timeout=30,
            db_connect_timeout=30,
            _env_file=None,
        )
    )


async def _load_curated(url: str) -> None:
    engine = setup_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await dataset_service.load_dataset(session, dataset_read.read_dataset())
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture
def live_database_url(scratch_url: str) -> str:
    """A migrated database with the curated data, where writes really commit."""
    upgrade(scratch_url)
    asyncio.run(_load_curated(scratch_url))
    return scratch_url


# Seconds a test's request deadline leaves for the answer to start where the test is
# about what happens after the start: a loaded machine running the suite in parallel
# has been seen to delay a start by more than three seconds.
START_ALLOWANCE = 10.0


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # Generous timeouts: the suite shares its machine with other runs, and a slow
    # moment must not turn into a 503. tests/test_reliability_timeouts.py sets the
    # tight ones it proves. The response cache is on, as in production (its default):
    # ``build_app`` has it read the data version inside the test's transaction.
    return app_settings(
        database_url,
        debug=False,
        # The data package files a run builds stay in its own folder: runs in parallel
        # (pytest-xdist workers, two suites on one machine) never share one.
        export_dir=str(tmp_path_factory.mktemp("exports")),
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def curated(engine: AsyncEngine) -> LoadReport:
    """The shipped dataset, loaded once and committed; tests roll back on top of it."""
    dataset = dataset_read.read_dataset()
    async with AsyncSession(engine, expire_on_commit=False) as session:
        report = await dataset_service.load_dataset(session, dataset)
        await session.commit()
    return report


@pytest.fixture
async def connection(engine: AsyncEngine, curated: Any) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            if transaction.is_active:
                await transaction.rollback()


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    session = AsyncSession(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )
    try:
        yield session
    finally:
        await session.close()


# Set while the response cache reads the data version or what writes changed through the
# test's session: those statements are the cache's, not the request's (``count_queries``).
CACHE_OWN_READ: ContextVar[bool] = ContextVar("cache_own_read", default=False)


def build_app(settings: Settings, session: AsyncSession) -> Any:
    """The app on ``settings``, with every request served by the test's session.

    The response cache (on unless ``settings`` say otherwise) reads the data version
    through that session too, so it sees the test's writes as its requests do: every
    write bumps the version, and a cached answer of an older one is never served.
    """
    application = create_app(settings)

    async def _version_in_test_transaction() -> Version:
        token = CACHE_OWN_READ.set(True)
        try:
            return await change_service.current_version(session)
        finally:
            CACHE_OWN_READ.reset(token)

    application.state.version_read = _version_in_test_transaction

    async def _writes_in_test_transaction(after: int, upto: int) -> Written | None:
        token = CACHE_OWN_READ.set(True)
        try:
            return await change_service.written_between(session, after, upto)
        finally:
            CACHE_OWN_READ.reset(token)

    application.state.written_read = _writes_in_test_transaction

    @asynccontextmanager
    async def _test_session() -> AsyncIterator[AsyncSession]:
        # Behave like a fresh session per request: what the test did before is
        # committed (a savepoint released, still inside the test's transaction),
        # and what the request leaves uncommitted is rolled back, as closing its
        # session would in production.
        if session.in_transaction():
            await session.commit()
        try:
            yield session
        finally:
            await session.rollback()

    # Reads pinned to a data version are still served from its snapshot, which holds
    # committed data only (``app.db.history``).
    application.state.session_source = _test_session
    return application


def _state_per_request(app: Any) -> Any:
    """Give each request a shallow copy of the lifespan state, as uvicorn does.

    ``asgi_lifespan`` hands every request the one state dict itself, so what one request
    notes there (its cache headers, its data version) would leak into the next.
    """

    async def app_with_own_state(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and "state" in scope:
            scope = {**scope, "state": dict(scope["state"])}
        await app(scope, receive, send)

    return app_with_own_state


@asynccontextmanager
async def client_for(app: Any, base_url: str = "http://test") -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(_state_per_request(app)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


@pytest.fixture
def app(settings: Settings, session: AsyncSession) -> Any:
    return build_app(settings, session)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client


@pytest.fixture
async def exporting_client(
    settings: Settings, session: AsyncSession, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its exports (the data package files) in this test's own folder."""
    local = settings.model_copy(update={"export_dir": str(tmp_path / "exports")})
    async with client_for(build_app(local, session)) as client:
        yield client


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def work(self) -> int:
        """Statements other than data-version reads (``conditional_get`` makes one when
        the response cache has not told the request its version)."""
        return sum("FROM data_version" not in statement for statement in self.statements)


@pytest.fixture
def count_queries(engine: AsyncEngine) -> Iterator[QueryCounter]:
    counter = QueryCounter()

    def _before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if CACHE_OWN_READ.get():
            return  # the response cache's own reads, made once per version for all requests
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            counter.statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", _before)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", _before)
