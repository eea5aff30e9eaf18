"""Migrations: a full round trip on a database of its own, and models == migrations."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.migrations import downgrade, head_revisions, upgrade
from app.models import Base
from tests.conftest import _admin


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


def test_models_match_migrations(database_url: str) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    assert _inspect(database_url, diff) == []
