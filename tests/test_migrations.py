"""Migrations: a full round trip on a database of its own, and models == migrations."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.db.migrations import downgrade, head_revisions, upgrade
from app.models import Base
from app.models.pledge import POSTGRESQL_ONLY_INDEXES


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
