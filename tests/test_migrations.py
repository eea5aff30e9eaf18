"""Migrations: a full round trip on a database of its own, and models == migrations."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.db.migrations import downgrade, head_revisions, upgrade
from app.models import Base
from app.models.pledge import POSTGRESQL_ONLY_INDEXES
from tests.conftest import setup_engine


def _inspect(url: str, fn: Any) -> Any:
    async def run() -> Any:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(fn)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_downgrade_upgrade_round_trip(scratch_url: str) -> None:
    model_tables = set(Base.metadata.tables)

    upgrade(scratch_url)
    assert _tables_after(scratch_url) == model_tables | {"alembic_version"}
    assert {_inspect(scratch_url, _revision)} == set(head_revisions())

    downgrade(scratch_url, "base")
    assert _tables_after(scratch_url) <= {"alembic_version"}
    assert _inspect(scratch_url, _revision) is None

    upgrade(scratch_url)
    assert _tables_after(scratch_url) == model_tables | {"alembic_version"}


def _tables_after(url: str) -> set[str]:
    tables: set[str] = _inspect(url, _tables)
    return tables


def _modelled(obj: Any, name: str | None, type_: str, reflected: bool, _compare_to: Any) -> bool:
    return not (type_ == "index" and reflected and name in POSTGRESQL_ONLY_INDEXES)


def test_models_match_migrations(database_url: str) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _modelled}
        )
        return list(compare_metadata(context, Base.metadata))

    assert _inspect(database_url, diff) == []


def test_idempotency_records_keep_whether_they_created_across_the_status_migration(
    scratch_url: str,
) -> None:
    """Records stored as REST's 201/200 come through as ``created`` true/false (and back)."""
    upgrade(scratch_url, "e5c9f3a7b2d4")
    rows = [("k201", 201, "done"), ("k200", 200, "done"), ("kfly", None, "in_flight")]

    def seed(connection: Connection) -> None:
        connection.execute(
            text(
                "INSERT INTO api_key (id, name, prefix, secret_hash, scopes, created_at, "
                "any_pledger) VALUES (1, 'k', 'p', 'h', '[]', '2026-01-01', true)"
            )
        )
        for key, status, state in rows:
            connection.execute(
                text(
                    "INSERT INTO idempotency_record (api_key_id, key, request_hash, status, "
                    "response_status, created_at, expires_at) VALUES (1, :key, 'x', :state, "
                    ":status, '2026-01-01', '2026-01-02')"
                ),
                {"key": key, "status": status, "state": state},
            )

    def read(column: str) -> Any:
        def run(connection: Connection) -> dict[str, Any]:
            found = connection.execute(text(f"SELECT key, {column} FROM idempotency_record"))
            return {key: value for key, value in found}

        return _inspect(scratch_url, run)

    def seed_and_commit(connection: Connection) -> None:
        seed(connection)
        connection.commit()

    _inspect(scratch_url, seed_and_commit)
    upgrade(scratch_url, "f6d1a4b8c3e5")
    assert {k: None if v is None else bool(v) for k, v in read("created").items()} == {
        "k201": True,
        "k200": False,
        "kfly": None,
    }
    downgrade(scratch_url, "e5c9f3a7b2d4")
    assert read("response_status") == {"k201": 201, "k200": 200, "kfly": None}


def test_a_migration_waits_out_a_lock_instead_of_the_request_statement_timeout(
    scratch_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request's statement timeout (here 1 ms, from the environment) does not bound a
    migration: its first write waits for a transaction holding ``alembic_version``, and
    runs once that ends. On PostgreSQL the holder lets go once ``pg_locks`` shows the
    migration waiting; SQLite shows no waiter, so there it lets go after a second."""
    monkeypatch.setenv("MIGOV_DB_STATEMENT_TIMEOUT", "0.001")
    sqlite = make_url(scratch_url).get_backend_name() == "sqlite"

    async def scenario() -> None:
        # The service's own engine: on SQLite it puts the file in WAL mode, as in service.
        holder = setup_engine(scratch_url)
        try:
            async with holder.connect() as connection:
                await connection.execute(text(ALEMBIC_VERSION))
                await connection.commit()
                if sqlite:  # a pending write holds the file's write lock until it ends
                    await connection.execute(text("INSERT INTO alembic_version VALUES ('x')"))
                else:
                    await connection.execute(
                        text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
                    )
                migration = asyncio.create_task(asyncio.to_thread(upgrade, scratch_url))
                if sqlite:
                    await asyncio.wait({migration}, timeout=1.0)
                else:
                    async with holder.connect() as watcher:
                        # Each poll its own transaction: a transaction keeps the server's
                        # view of other sessions as it first saw them, so a migration that
                        # connected after the first poll would never be seen waiting.
                        watcher = await watcher.execution_options(isolation_level="AUTOCOMMIT")
                        waiting = text(WAITING_ON_A_LOCK)
                        # PostgreSQL offers no event for a lock wait beginning: it is polled,
                        # for a bounded time (a hang is a failure, not a wait).
                        async with asyncio.timeout(LOCK_WAIT_SEEN_WITHIN):
                            while not migration.done() and not await watcher.scalar(waiting):  # noqa: ASYNC110
                                await asyncio.sleep(0.01)
                await connection.rollback()
            await migration
        finally:
            await holder.dispose()

    asyncio.run(scenario())
    assert {_inspect(scratch_url, _revision)} == set(head_revisions())


ALEMBIC_VERSION = "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"
# pg_locks alone: it is read live, where pg_stat_activity is a snapshot per transaction.
WAITING_ON_A_LOCK = (
    "SELECT count(*) FROM pg_locks WHERE NOT granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
LOCK_WAIT_SEEN_WITHIN = 120  # seconds; a loaded machine starts a migration slowly
