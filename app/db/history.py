"""Every published version of the data stays readable.

Storage: row images (``models.RowImage``). A trigger on every versioned table adds an
image of the row each insert or update leaves (its new values) and an empty image for
each delete, keyed by the table and the row's primary key, with no version yet;
``services.changes.record``, the last statement of every write, stamps the
transaction's images with the version it creates and adds the image of the
``data_version`` row itself. The images are written by the transaction that writes the
rows, so a version's rows can never disagree with its change log, whatever wrote them
(the API, a curated load, a rate stored on the way).

The rows of a table at version N are, for each key, its newest image stamped N or
earlier, unless that image is a delete. Versions before ``data_version.history_from``
(the version current when images began to be kept) cannot be told and are refused.

Reading: a request pinned to version N is served by the same code as any other, from a
*snapshot*: tables named and shaped like the live ones holding version N's rows, built
once from the images and kept (``Snapshots``). On PostgreSQL a snapshot is a schema
(``migov_v<N>``), reached through ``schema_translate_map``; the change log and the
tables that are not data (keys, audit) are views there. On SQLite it is a database file
beside the live one. Snapshot sessions are read-only.

Versioned: every table except those in ``NOT_VERSIONED``. A migration that adds a table
or changes a versioned table's columns calls ``install_triggers`` again (SQLite's
triggers list the columns; ``tests/test_history.py`` checks they cover every column).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# Not data: who may write, what they did, and the bookkeeping of versions themselves.
# ``change`` is append-only (its rows at version N are those stamped N or earlier) and
# ``data_version`` gets its image from ``services.changes.record``.
NOT_VERSIONED = frozenset(
    {
        "alembic_version",
        "api_key",
        "api_key_pledger",
        "audit_entry",
        "change",
        "data_version",
        "idempotency_record",
        "rate_limit_bucket",
        "row_image",
    }
)
# Tables only ever added to: a snapshot holds their rows stamped with its version or an
# earlier one (a filtered view on PostgreSQL, a copy on SQLite). The other tables that
# are not data are whole views on PostgreSQL and empty on SQLite (a file cannot view
# another); no answer reads them.
APPEND_ONLY = frozenset({"change", "row_image"})
SNAPSHOT_PREFIX = "migov_v"


def versioned(table_names: Sequence[str]) -> list[str]:
    return sorted(name for name in table_names if name not in NOT_VERSIONED)


# ---------------------------------------------------------------------------- triggers


# The image is ``row_to_json``: a JSON column's text is kept as stored (``to_jsonb`` would
# reorder its keys, and an answer at the version would not be byte for byte the same).
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION migov_row_image() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_key text;
    new_key text;
BEGIN
    IF TG_OP = 'UPDATE' AND to_jsonb(OLD) = to_jsonb(NEW) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        SELECT jsonb_agg(to_jsonb(OLD) -> k.name ORDER BY k.position)::text INTO old_key
        FROM unnest(TG_ARGV) WITH ORDINALITY AS k(name, position);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT jsonb_agg(to_jsonb(NEW) -> k.name ORDER BY k.position)::text INTO new_key
        FROM unnest(TG_ARGV) WITH ORDINALITY AS k(name, position);
    END IF;
    IF old_key IS NOT NULL AND old_key IS DISTINCT FROM new_key THEN
        INSERT INTO row_image (table_name, row_key, image) VALUES (TG_TABLE_NAME, old_key, NULL);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO row_image (table_name, row_key, image)
        VALUES (TG_TABLE_NAME, new_key, row_to_json(NEW));
    END IF;
    RETURN NULL;
END
$$
"""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sqlite_triggers(table: str, columns: Sequence[str], key: Sequence[str]) -> list[str]:
    """The three triggers of ``table`` on SQLite (module docstring)."""

    def image(row: str) -> str:
        pairs = ", ".join(f"{_literal(c)}, {row}.{_quote(c)}" for c in columns)
        return f"json_object({pairs})"

    def key_of(row: str) -> str:
        return f"json_array({', '.join(f'{row}.{_quote(c)}' for c in key)})"

    name = _literal(table)
    quoted = _quote(table)
    changed = " OR ".join(f"OLD.{_quote(c)} IS NOT NEW.{_quote(c)}" for c in columns)
    insert = "INSERT INTO row_image (table_name, row_key, image) VALUES"
    return [
        f"CREATE TRIGGER {_quote(f'row_image_{table}_insert')} AFTER INSERT ON {quoted} BEGIN "
        f"{insert} ({name}, {key_of('NEW')}, {image('NEW')}); END",
        f"CREATE TRIGGER {_quote(f'row_image_{table}_update')} AFTER UPDATE ON {quoted} "
        f"WHEN {changed} BEGIN "
        f"INSERT INTO row_image (table_name, row_key, image) SELECT {name}, {key_of('OLD')}, NULL "
        f"WHERE {key_of('OLD')} IS NOT {key_of('NEW')}; "
        f"{insert} ({name}, {key_of('NEW')}, {image('NEW')}); END",
        f"CREATE TRIGGER {_quote(f'row_image_{table}_delete')} AFTER DELETE ON {quoted} BEGIN "
        f"{insert} ({name}, {key_of('OLD')}, NULL); END",
    ]


def _layout(connection: Connection) -> dict[str, tuple[list[str], list[str]]]:
    """Each versioned table's columns and primary key, as the database has them."""
    inspector = inspect(connection)
    layout: dict[str, tuple[list[str], list[str]]] = {}
    for table in versioned(inspector.get_table_names()):
        columns = [column["name"] for column in inspector.get_columns(table)]
        key = list(inspector.get_pk_constraint(table)["constrained_columns"] or [])
        if not key:
            raise RuntimeError(f"versioned table {table} has no primary key")
        layout[table] = (columns, key)
    return layout


def install_triggers(connection: Connection) -> None:
    """(Re)create the row-image triggers of every versioned table (module docstring)."""
    drop_triggers(connection)
    layout = _layout(connection)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(PG_FUNCTION)
        for table, (_columns, key) in layout.items():
            arguments = ", ".join(_literal(column) for column in key)
            connection.exec_driver_sql(
                f"CREATE TRIGGER row_image AFTER INSERT OR UPDATE OR DELETE ON {_quote(table)} "
                f"FOR EACH ROW EXECUTE FUNCTION migov_row_image({arguments})"
            )
        return
    for table, (columns, key) in layout.items():
        for statement in _sqlite_triggers(table, columns, key):
            connection.exec_driver_sql(statement)


def drop_triggers(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        for table in versioned(inspect(connection).get_table_names()):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS row_image ON {_quote(table)}")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS migov_row_image()")
        return
    names = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'row_image_%'"
    ).scalars()
    for name in list(names):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {_quote(name)}")


def image_everything(connection: Connection, version: int) -> None:
    """Image every row of every versioned table as of ``version`` (the migration that
    starts history, for the rows that were there before it)."""
    layout = _layout(connection)
    postgresql = connection.dialect.name == "postgresql"
    for table, (columns, key) in layout.items():
        quoted = _quote(table)
        if postgresql:
            key_sql = f"jsonb_build_array({', '.join(f't.{_quote(c)}' for c in key)})::text"
            image_sql = "row_to_json(t)"
        else:
            key_sql = f"json_array({', '.join(f't.{_quote(c)}' for c in key)})"
            pairs = ", ".join(f"{_literal(c)}, t.{_quote(c)}" for c in columns)
            image_sql = f"json_object({pairs})"
        connection.exec_driver_sql(
            "INSERT INTO row_image (version, table_name, row_key, image) "
            f"SELECT {int(version)}, {_literal(table)}, {key_sql}, {image_sql} FROM {quoted} t "
            f"ORDER BY {', '.join(f't.{_quote(c)}' for c in key)}"
        )


# ---------------------------------------------------------------------------- snapshots


def _newest_images(table: str, version: int, source: str = "") -> str:
    """SELECT of the images that make ``table``'s rows at ``version``, in key order."""
    prefix = f"{source}." if source else ""
    return (
        "SELECT image FROM (SELECT image, row_key, row_number() OVER "
        "(PARTITION BY row_key ORDER BY version DESC, id DESC) AS newest "
        f"FROM {prefix}row_image WHERE table_name = {_literal(table)} "
        f"AND version <= {int(version)}) AS images WHERE newest = 1 AND image IS NOT NULL"
    )


class VersionNotReadable(Exception):
    """The version is not (yet) in the committed data this process can see."""


async def _build_postgresql(connection: AsyncConnection, version: int, schema: str) -> None:
    source = str(await connection.scalar(text("SELECT current_schema()")))
    # One builder per version at a time, across processes.
    await connection.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('migov_snapshot'), :v)"),
        {"v": version % 2**31},
    )
    ready = await connection.scalar(
        text("SELECT to_regclass(:name)"), {"name": f"{_quote(schema)}.migov_snapshot_ready"}
    )
    if ready is not None:
        return
    committed = int(await connection.scalar(text("SELECT version FROM data_version")) or 0)
    if committed < version:
        raise VersionNotReadable(version)
    s = _quote(schema)
    await connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {s} CASCADE")
    await connection.exec_driver_sql(f"CREATE SCHEMA {s}")
    tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names(schema=source))
    for table in tables:
        t = _quote(table)
        origin = f"{_quote(source)}.{t}"
        if table in APPEND_ONLY:
            await connection.exec_driver_sql(
                f"CREATE VIEW {s}.{t} AS SELECT * FROM {origin} WHERE version <= {int(version)}"
            )
        elif table in NOT_VERSIONED and table != "data_version":
            await connection.exec_driver_sql(f"CREATE VIEW {s}.{t} AS SELECT * FROM {origin}")
        else:
            await connection.exec_driver_sql(
                f"CREATE TABLE {s}.{t} (LIKE {origin} INCLUDING DEFAULTS INCLUDING INDEXES)"
            )
            await connection.exec_driver_sql(
                f"INSERT INTO {s}.{t} SELECT r.* FROM ({_newest_images(table, version)}) AS i, "
                f"json_populate_record(NULL::{origin}, i.image) AS r"
            )
            await connection.exec_driver_sql(f"ANALYZE {s}.{t}")
    await connection.exec_driver_sql(
        f"CREATE TABLE {s}.migov_snapshot_ready (built_at timestamptz DEFAULT now())"
    )
    await connection.exec_driver_sql(f"INSERT INTO {s}.migov_snapshot_ready DEFAULT VALUES")


async def _prune_postgresql(connection: AsyncConnection, keep: int) -> None:
    """Drop the snapshot schemas built longest ago, beyond the ``keep`` newest."""
    schemas = (
        await connection.execute(
            text(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix "
                "AND to_regclass(quote_ident(nspname) || '.migov_snapshot_ready') IS NOT NULL"
            ),
            {"prefix": f"{SNAPSHOT_PREFIX}%"},
        )
    ).scalars()
    built: list[tuple[Any, str]] = []
    for schema in schemas:
        at = await connection.scalar(
            text(f"SELECT built_at FROM {_quote(schema)}.migov_snapshot_ready")
        )
        built.append((at, schema))
    for _at, schema in sorted(built, reverse=True)[keep:]:
        await connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE")


def _build_sqlite(source: Path, target: Path, version: int) -> None:
    """Write version ``version`` of the database at ``source`` to the file ``target``."""
    partial = target.with_name(f"{target.name}.{uuid.uuid4().hex}.partial")
    db = sqlite3.connect(partial, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("ATTACH DATABASE ? AS src", (str(source),))
        db.execute("BEGIN")
        committed = db.execute("SELECT version FROM src.data_version").fetchone()
        if committed is None or int(committed[0]) < version:
            raise VersionNotReadable(version)
        schema = db.execute(
            "SELECT type, name, tbl_name, sql FROM src.sqlite_master "
            "WHERE sql IS NOT NULL AND type IN ('table', 'index') "
            "AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name"
        ).fetchall()
        for kind, _name, table, sql in schema:
            if table == "alembic_version":
                continue
            db.execute(sql)
            if kind != "table":
                continue
            t = _quote(table)
            if table in APPEND_ONLY:
                db.execute(f"INSERT INTO {t} SELECT * FROM src.{t} WHERE version <= ?", (version,))
            elif table in NOT_VERSIONED and table != "data_version":
                continue
            else:
                columns = [row[1] for row in db.execute(f"PRAGMA table_info({t})")]
                values = ", ".join(f"json_extract(image, '$.{c}')" for c in columns)
                names = ", ".join(_quote(c) for c in columns)
                db.execute(
                    f"INSERT INTO {t} ({names}) SELECT {values} "
                    f"FROM ({_newest_images(table, version, 'src')})"
                )
        db.execute("COMMIT")
        db.execute("DETACH DATABASE src")
        db.execute("ANALYZE")
    except BaseException:
        db.close()
        partial.unlink(missing_ok=True)
        raise
    db.close()
    partial.replace(target)


def _read_only_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()


class Snapshots:
    """The snapshots one process reads from, built on first use and kept up to ``keep``
    (the least recently used beyond it are dropped, and built again if asked for)."""

    def __init__(self, engine: AsyncEngine, settings: Any) -> None:
        self.engine = engine
        self.settings = settings
        self.keep = int(getattr(settings, "history_snapshots", 8))
        self._engines: OrderedDict[int, AsyncEngine] = OrderedDict()
        self._building: dict[int, asyncio.Lock] = {}

    @property
    def postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def _file(self, version: int) -> Path:
        database = make_url(str(self.engine.url)).database
        if not database or database == ":memory:":
            raise RuntimeError("reading past versions on SQLite needs a database file")
        live = Path(database)
        return live.with_name(f"{live.name}.versions") / f"v{version}.sqlite"

    async def engine_for(self, version: int) -> AsyncEngine:
        """An engine whose tables hold version ``version``'s rows (read-only)."""
        found = self._engines.get(version)
        if found is not None and not await self._ready(version):
            # Another process dropped it: build it again.
            del self._engines[version]
            found = None
        if found is not None:
            self._engines.move_to_end(version)
            return found
        lock = self._building.setdefault(version, asyncio.Lock())
        async with lock:
            found = self._engines.get(version)
            if found is None:
                found = await self._open(version)
                self._engines[version] = found
                await self._forget_beyond_keep()
        self._building.pop(version, None)
        return found

    async def _ready(self, version: int) -> bool:
        if not self.postgresql:
            return self._file(version).exists()
        async with self.engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT to_regclass(:name)"),
                {"name": f"{_quote(SNAPSHOT_PREFIX + str(version))}.migov_snapshot_ready"},
            )
        return found is not None

    async def _open(self, version: int) -> AsyncEngine:
        if self.postgresql:
            schema = f"{SNAPSHOT_PREFIX}{version}"
            if not await self._ready(version):
                async with self.engine.begin() as connection:
                    await _build_postgresql(connection, version, schema)
                    await _prune_postgresql(connection, self.keep)
            return self.engine.execution_options(
                schema_translate_map={None: schema}, postgresql_readonly=True
            )
        target = self._file(version)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            database = make_url(str(self.engine.url)).database
            await asyncio.to_thread(_build_sqlite, Path(str(database)), target, version)
        from app.db import create_engine  # the live engine's settings, pragmas and events

        # mode=rw: a file another process dropped is an error, never a new, empty database.
        engine = create_engine(self.settings, f"sqlite+aiosqlite:///file:{target}?mode=rw&uri=true")
        _read_only_sqlite(engine)
        return engine

    async def _forget_beyond_keep(self) -> None:
        while len(self._engines) > self.keep:
            version, engine = self._engines.popitem(last=False)
            if self.postgresql:
                continue  # the schema stays for other processes; the next build prunes
            await engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    self._file(version).with_name(f"v{version}.sqlite{suffix}").unlink()

    async def close(self) -> None:
        for engine in self._engines.values():
            if engine is not self.engine and not self.postgresql:
                await engine.dispose()
        self._engines.clear()
