"""Alembic environment: async engines, batch mode on SQLite, type comparison on."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig
from typing import Any, Literal

from sqlalchemy.engine import Connection

from alembic import context
from app.config import get_settings
from app.db import WRITER_OPTION, create_engine
from app.models import Base
from app.models.base import EnumText, UTCDateTime

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations stay free of app imports: UTCDateTime is a plain aware DateTime in SQL.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, EnumText):
        return f"sa.String(length={obj.impl.length})"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=False,
    )


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    existing = config.attributes.get("connection")
    if existing is not None:
        _run_sync(existing)
        return
    from app.config import Settings

    # A migration is not a request: a statement rebuilding an index over a large table
    # runs as long as the data needs, and a busy server gets time to accept the connect.
    engine = create_engine(
        Settings(database_url=_url(), db_statement_timeout=0, db_connect_timeout=30)
    )
    try:
        async with engine.connect() as connection:
            # On SQLite the migration's transaction begins as a writer (BEGIN IMMEDIATE):
            # one begun as a reader cannot take the write lock from a writer of the
            # running service, and fails at once instead of waiting for it.
            await connection.execution_options(**{WRITER_OPTION: True})
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
