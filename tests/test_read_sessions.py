"""A request that only reads runs no transaction on PostgreSQL; a write runs in one.

``app.db``: on PostgreSQL (READ COMMITTED, so each statement has its own snapshot
either way) a GET or a GraphQL document without a mutation reads in autocommit, with
no BEGIN and ROLLBACK around its statements; on SQLite a read keeps its transaction,
which holds one snapshot across statements. A session opened for reads cannot write.

Each test serves the app as production does (its own engine, the response cache on)
on a committed database of its own. The first notes each statement the engine runs
with whether the database connection was inside a transaction when it ran (the
driver's own view: asyncpg's transaction status, sqlite3's ``in_transaction``). The
last holds that a request leaves no database budget behind in its caller's context.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.db import DB_BUDGET, begin_write
from app.main import create_app
from tests.app_settings import app_settings
from tests.conftest import client_for, setup_engine
from tests.factories import make_api_key, pledge_body


class Ran:
    """Each statement ``engine`` runs from now on, upper-cased, with whether it ran
    inside a transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements: list[tuple[str, bool]] = []
        sync = engine.sync_engine
        postgresql = sync.dialect.name == "postgresql"

        @event.listens_for(sync, "after_cursor_execute")
        def _ran(conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            driver = conn.connection.driver_connection
            inside = driver.is_in_transaction() if postgresql else driver.in_transaction
            self.statements.append((" ".join(statement.split()).upper(), bool(inside)))

    def since(self, mark: int) -> list[tuple[str, bool]]:
        return self.statements[mark:]


# What a write's admission writes (``api_keys.count_request``).
ADMISSION_WRITES = ("INSERT INTO RATE_LIMIT_BUCKET ", "UPDATE API_KEY ")


async def _writer_secret(url: str) -> str:
    engine = setup_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            return (await make_api_key(session, name="read sessions")).secret
    finally:
        await engine.dispose()


async def test_reads_run_outside_transactions_on_postgresql_and_writes_inside_one(
    live_database_url: str,
) -> None:
    secret = await _writer_secret(live_database_url)
    headers = {"Authorization": f"Bearer {secret}"}
    app = create_app(app_settings(live_database_url))
    async with client_for(app) as client:
        engine: AsyncEngine = app.state.engine
        postgresql = engine.dialect.name == "postgresql"
        ran = Ran(engine)

        mark = len(ran.statements)
        created = await client.post("/v1/pledges", json=pledge_body(), headers=headers)
        assert created.status_code == 201, created.text
        pledge_id = created.json()["id"]
        writes = [
            (statement, inside)
            for statement, inside in ran.since(mark)
            if statement.startswith(("INSERT", "UPDATE", "DELETE"))
        ]
        admission = [(s, inside) for s, inside in writes if s.startswith(ADMISSION_WRITES)]
        written = [(s, inside) for s, inside in writes if not s.startswith(ADMISSION_WRITES)]
        # The pledge, its pledgers, the audit entry, the version: all in a transaction.
        assert any(statement.startswith("INSERT INTO PLEDGE ") for statement, _ in written)
        assert all(inside for _, inside in written), written
        # The admission's writes (the quota's UPSERT; the key's last use, once a minute) are
        # each atomic alone: in autocommit on PostgreSQL (no BEGIN and COMMIT around them),
        # in a writer's transaction on SQLite.
        assert any("RATE_LIMIT_BUCKET" in statement for statement, _ in admission), writes
        assert all(inside is not postgresql for _, inside in admission), admission

        reads = [
            ("GET", f"/v1/pledges/{pledge_id}", None),
            ("GET", "/v1/pledges?forum=MIRPS-SP&limit=5", None),
            ("POST", "/graphql", {"query": f"{{ pledge(id: {pledge_id}) {{ id title }} }}"}),
        ]
        for method, path, body in reads:
            mark = len(ran.statements)
            answer = await client.request(method, path, json=body)
            assert answer.status_code == 200, answer.text
            assert "errors" not in answer.json()
            read = [(s, inside) for s, inside in ran.since(mark) if " FROM PLEDGE" in s]
            assert read, (path, ran.since(mark))
            # PostgreSQL: no transaction around the read (autocommit); SQLite: one.
            assert all(inside is not postgresql for _, inside in read), (path, read)


async def test_a_session_opened_for_reads_cannot_write(live_database_url: str) -> None:
    app = create_app(app_settings(live_database_url))
    async with client_for(app):
        async with app.state.reading_sessionmaker() as session:
            with pytest.raises(RuntimeError, match="reads only"):
                await begin_write(session)
        async with app.state.sessionmaker() as session:
            await begin_write(session)  # the primary's sessions write as before
            assert session.in_transaction()


async def test_a_request_leaves_no_database_budget_behind(live_database_url: str) -> None:
    """An in-process client serves each request in its own context: the request's
    database budget must not stay in it and go on being charged for what runs next."""
    settings = app_settings(live_database_url, db_request_budget=4)
    app = create_app(settings)
    async with client_for(app) as client:
        assert DB_BUDGET.get() is None
        answer = await client.get("/v1/forums?limit=1")
        assert answer.status_code == 200, answer.text
        assert DB_BUDGET.get() is None
