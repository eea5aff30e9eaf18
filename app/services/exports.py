"""The whole dataset as files: a Frictionless Data Package (a zip of one CSV per table
and ``datapackage.json``) and a SQLite database of the same rows.

Invariants:

* Every table of ``Base.metadata`` is exported, each as it is stored (its columns,
  primary key and foreign keys), except ``EXCLUDED``: secrets and the machinery of
  writes. A table added later is in the next export with no change here. A column
  that refers to an excluded table (``pledge.api_key_id``) is left out too.
* Repeated values are rows of their own tables (``citation``, ``pledge_pledger``,
  ``event_host`` ...); the few JSON columns (a forum's aliases, a dispute's claims)
  are typed ``array``/``object`` in the table schema, never joined text.
* An export is one data version: ``build_files`` is given the session that reads it
  and the ``Version`` it is (the live tables, checked against the version after the
  read; or tables holding a past version's rows). Its files are named for that version
  (``migov-<version>.zip``, ``migov-<version>.sqlite``) and never change once built.
  They are built on first request into ``Settings.export_dir`` and kept there up to
  ``Settings.export_keep_mb`` in all; past it the least recently used are deleted
  (``evict``) and built again, the same bytes, when asked for.
* Reproducible: the same data version builds the same bytes on every build, in every
  process, from either engine. Rows go out in primary-key order, text keys by code
  point (``COLLATE "C"`` on PostgreSQL, whatever the database's collation, as SQLite's
  ``BINARY`` compares); values are formatted from their Python values, which the
  column types make the same on both engines. The zip's members come in a fixed order,
  each stamped with the version's commit time (UTC) and mode 0644, made on Unix,
  deflated at zlib's default level, with no extra fields; ``datapackage.json`` has a
  fixed key order and its ``created`` is that same commit time. The SQLite file is
  written by the same statements into a fresh file, its layout set by ``PRAGMA``
  rather than the library's compiled-in defaults, then ``VACUUM``ed. Nothing reads
  the clock. What the bytes also depend on: the release of migov (the tables,
  descriptions and ``service_version`` in ``datapackage.json``), zlib's deflate for
  the zip and the SQLite library's version, which its file header records.
* Values are written exactly as stored: decimals as their digits, dates in ISO
  8601, booleans ``true``/``false``, NULL as an empty cell. Unlike the API's CSV,
  text in ``data/`` is not prefixed against spreadsheet formulas: a data package is
  read by programs, and the prefix would change the values it validates. Since
  submitted pledges carry partners' own text, which may start with ``=`` or ``@``,
  the zip also holds ``spreadsheet/<table>.csv``: the same rows with every text
  cell that a spreadsheet would run as a formula prefixed with ``'`` (the API's CSV
  rule, ``schemas.common.neutralise``), and its README says which to open where.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Column, String, Table, TypeDecorator, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import __version__
from app.db.autocommit import read_in_transaction
from app.errors import Conflict, NotFound
from app.models import Base, DataVersion, Source
from app.schemas.common import csv_cell
from app.schemas.dates import format_partial
from app.schemas.descriptions import TERMS_NOT_STATED
from app.services import changes as change_service
from app.services import cite as cite_service
from app.services import export_fields
from app.standards import licence

# Tables never exported, with the reason; everything else in the metadata is.
EXCLUDED: dict[str, str] = {
    "api_key": "API keys: their names and secret hashes",
    "api_key_pledger": "which actors each API key may pledge for",
    "idempotency_record": "writers' stored requests and answers",
    "rate_limit_bucket": "per-key write quotas",
    "audit_entry": "who wrote what, by key, with copies of the submissions",
    "data_version": "one row; the version is the package's own `version`",
    "row_image": "every version's rows; a package holds one version",
}
NAME = re.compile(r"^migov-(?P<version>[0-9]{1,18})\.(?P<format>zip|sqlite)$")
MEDIA_TYPES = {"zip": "application/zip", "sqlite": "application/vnd.sqlite3"}
FORMATS = ("zip", "sqlite")
BATCH = 2_000


@dataclass(frozen=True)
class ExportTable:
    table: Table
    columns: list[Column[Any]]

    @property
    def name(self) -> str:
        return self.table.name


@dataclass(frozen=True)
class ExportFile:
    name: str
    format: str
    path: Path

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def file_name(version: int, format: str) -> str:
    return f"migov-{version}.{format}"


def export_tables() -> list[ExportTable]:
    """The exported tables, parents before children, each with its exported columns."""
    tables = []
    for table in Base.metadata.sorted_tables:
        if table.name in EXCLUDED:
            continue
        hidden = {
            column.name
            for constraint in table.foreign_key_constraints
            if constraint.referred_table.name in EXCLUDED
            for column in constraint.columns
        }
        tables.append(ExportTable(table, [c for c in table.columns if c.name not in hidden]))
    return tables


# --- the table schema -------------------------------------------------------------------


def _annotations() -> dict[tuple[str, str], str]:
    """Each mapped column's annotation as written (``Mapped[list[str]]``), by table and column."""
    found: dict[tuple[str, str], str] = {}
    for mapper in Base.registry.mappers:
        hints: dict[str, Any] = {}
        for cls in reversed(mapper.class_.__mro__):
            hints.update(getattr(cls, "__annotations__", {}))
        for attribute in mapper.column_attrs:
            for column in attribute.columns:
                if isinstance(column, Column) and column.table is not None:
                    found[(column.table.name, column.name)] = str(hints.get(attribute.key, ""))
    return found


def field_type(column: Column[Any], annotation: str = "") -> str:
    """The Frictionless type of ``column``, from its Python type (JSON: from its annotation)."""
    sql_type = column.type
    if isinstance(sql_type, TypeDecorator):  # UTCDateTime, EnumText: what they store
        sql_type = sql_type.impl_instance
    try:
        python = sql_type.python_type
    except NotImplementedError:
        return "any"
    if python is bool:
        return "boolean"
    if python is int:
        return "integer"
    if python in (Decimal, float):
        return "number"
    if python is dt.datetime:
        return "datetime"
    if python is dt.date:
        return "date"
    if python is str or issubclass(python, str):
        return "string"
    inner = annotation.removeprefix("Mapped[").lstrip()
    if inner.startswith("list"):
        return "array"
    if inner.startswith("dict"):
        return "object"
    return "any"


def table_schema(export: ExportTable, annotations: dict[tuple[str, str], str]) -> dict[str, Any]:
    fields = []
    unique = {
        constraint.columns[0].name
        for constraint in export.table.constraints
        if isinstance(constraint, UniqueConstraint) and len(constraint.columns) == 1
    }
    for column in export.columns:
        field: dict[str, Any] = {
            "name": column.name,
            "type": field_type(column, annotations.get((export.name, column.name), "")),
        }
        if description := export_fields.describe(export.name, column):
            field["description"] = description
        constraints: dict[str, Any] = {}
        if not column.nullable:
            constraints["required"] = True
        if column.unique or column.name in unique:
            constraints["unique"] = True
        enum = getattr(column.type, "enum", None)
        if isinstance(enum, type) and issubclass(enum, Enum):
            constraints["enum"] = [member.value for member in enum]
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    schema: dict[str, Any] = {
        "fields": fields,
        "primaryKey": [column.name for column in export.table.primary_key.columns],
        "missingValues": [""],
    }
    foreign_keys = [
        {
            "fields": [column.name for column in constraint.columns],
            "reference": {
                "resource": constraint.referred_table.name,
                "fields": [element.column.name for element in constraint.elements],
            },
        }
        for constraint in sorted(
            export.table.foreign_key_constraints,
            key=lambda c: ([e.parent.name for e in c.elements], c.referred_table.name),
        )
        if constraint.referred_table.name not in EXCLUDED
    ]
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def _description(table: Table) -> str | None:
    for mapper in Base.registry.mappers:
        if mapper.local_table is table and mapper.class_.__doc__:
            return " ".join(mapper.class_.__doc__.split("\n\n")[0].split())
    return None


def descriptor(
    tables: Sequence[ExportTable],
    version: change_service.Version,
    sources: Sequence[Source],
) -> dict[str, Any]:
    """``datapackage.json``: the package's metadata and every resource's table schema."""
    annotations = _annotations()
    resources = []
    for export in tables:
        resource: dict[str, Any] = {
            "name": export.name,
            "path": f"data/{export.name}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": table_schema(export, annotations),
        }
        if description := _description(export.table):
            resource["description"] = description
        resources.append(resource)
    return {
        "profile": "tabular-data-package",
        "name": "migov",
        "id": f"migov-{version.version}",
        "title": cite_service.DATASET_TITLE,
        "description": (
            "Forums that govern migration in the Americas and beyond, who takes part in each "
            "and in what role over time, funding shares, events, pledges and more, every "
            "curated fact citing its source (table `citation`). One CSV per table, as stored; "
            "JSON columns are typed array or object."
        ),
        "version": str(version.version),
        "created": _utc(version.changed_at).isoformat(timespec="seconds"),
        "licenses": [
            {
                "name": licence.DATA_LICENCE_ID,
                "path": licence.DATA_LICENCE_URL,
                "title": licence.DATA_LICENCE_NAME,
            }
        ],
        "sources": [
            {
                "title": source.title,
                **({"path": source.url} if source.url else {}),
                "publisher": source.publisher,
                "published": format_partial(source.published_date, source.published_precision),
                "terms": source.terms or TERMS_NOT_STATED,
                "id": source.id,
            }
            for source in sources
        ],
        "contributors": [{"title": cite_service.PUBLISHER, "role": "publisher"}],
        # Not a Data Package property (the standard has none for this): how to cite this
        # version, as /v1/cite gives it less the address and the day (docs/versioning.md).
        "citation": cite_service.package_citation(version),
        "migov": {
            "service_version": __version__,
            "attribution": licence.DATA_ATTRIBUTION,
            "licence_reason": licence.DATA_LICENCE_REASON,
            "excluded_tables": EXCLUDED,
        },
        "resources": resources,
    }


# --- writing ------------------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return csv_cell(value, guard=False)


# Decimals (money, shares, rates) are TEXT: a NUMERIC column would turn "13150000.00"
# into a binary float; as text each keeps its exact digits, as the CSV has them.
SQLITE_TYPES = {"integer": "INTEGER", "boolean": "INTEGER"}
# Files and zip members readable by all, as a download is (mkstemp makes 0600).
FILE_MODE = 0o644


def _sqlite_ddl(export: ExportTable, annotations: dict[tuple[str, str], str]) -> str:
    schema = table_schema(export, annotations)
    lines = []
    for field in schema["fields"]:
        kind = SQLITE_TYPES.get(field["type"], "TEXT")
        required = " NOT NULL" if field.get("constraints", {}).get("required") else ""
        lines.append(f'"{field["name"]}" {kind}{required}')
    keys = ", ".join(f'"{name}"' for name in schema["primaryKey"])
    lines.append(f"PRIMARY KEY ({keys})")
    for foreign in schema.get("foreignKeys", []):
        own = ", ".join(f'"{name}"' for name in foreign["fields"])
        theirs = ", ".join(f'"{name}"' for name in foreign["reference"]["fields"])
        lines.append(
            f'FOREIGN KEY ({own}) REFERENCES "{foreign["reference"]["resource"]}" ({theirs})'
        )
    return f'CREATE TABLE "{export.name}" (\n  ' + ",\n  ".join(lines) + "\n)"


# Set before the first table, so the file's layout is the same whatever defaults the
# SQLite library was compiled with. No journal on disk and no syncs while it is
# written: a build that fails is discarded whole, and the finished file is synced once.
SQLITE_PRAGMAS = (
    "PRAGMA page_size = 4096",
    "PRAGMA auto_vacuum = NONE",
    "PRAGMA encoding = 'UTF-8'",
    "PRAGMA journal_mode = MEMORY",
    "PRAGMA synchronous = OFF",
)


def file_names(version: int, directory: Path) -> list[ExportFile]:
    """The files of data version ``version`` in ``directory``, built or not."""
    return [
        ExportFile(file_name(version, f), f, directory / file_name(version, f)) for f in FORMATS
    ]


async def build_files(
    session: AsyncSession,
    version: change_service.Version,
    directory: Path,
    *,
    live: bool = True,
) -> list[ExportFile]:
    """Write ``migov-<version>.zip`` and ``.sqlite`` into ``directory`` (unless both are
    there; when one is, it is replaced by the same bytes): the data ``session`` reads,
    which is data version ``version``. Every build of the same data writes the same
    bytes (module docstring).

    ``live``: ``session`` reads the live tables, and the build raises ``Conflict`` when
    the data changed while they were read, so no file ever mixes two versions. Pass
    False for a session whose tables hold a past version's rows, which never change.
    Each file is written under a scratch name and renamed into place, so a reader (or
    another process building the same version) never sees half a file.
    """
    files = file_names(version.version, directory)
    if all(f.path.exists() for f in files):
        return files
    await read_in_transaction(session)  # the tables are streamed through server-side cursors
    tables = export_tables()
    annotations = _annotations()
    order = _key_order(session)
    sources = list(await session.scalars(select(Source).order_by(*order([Source.id]))))
    package = descriptor(tables, version, sources)
    stamp = _zip_time(version)
    zip_tmp, sqlite_tmp = _scratch_files(directory)
    try:
        # Autocommit mode, with the transaction spelled out: the file sees exactly the
        # statements below, whatever sqlite3's implicit transactions would do. Used by
        # one thread at a time: VACUUM runs in a worker thread, off the event loop.
        database = sqlite3.connect(sqlite_tmp, isolation_level=None, check_same_thread=False)
        try:
            for pragma in SQLITE_PRAGMAS:
                database.execute(pragma)
            database.execute("BEGIN")
            with zipfile.ZipFile(zip_tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(
                    _member("datapackage.json", stamp), json.dumps(package, indent=2) + "\n"
                )
                for export in tables:
                    database.execute(_sqlite_ddl(export, annotations))
                    await _write_table(session, export, archive, database, stamp, order)
                archive.writestr(_member("README.txt", stamp), _readme(version.version))
            database.execute("COMMIT")
            await asyncio.to_thread(database.execute, "VACUUM")
        finally:
            database.close()
        if live:
            after = await change_service.current_version(session)
            if after.version != version.version:
                raise Conflict(
                    f"The data changed (version {version.version} to {after.version}) while "
                    "the export was being built; ask again for the new version.",
                    code="export_conflict",
                )
        for scratch in (zip_tmp, sqlite_tmp):
            scratch.chmod(FILE_MODE)
            await asyncio.to_thread(_sync, scratch)
        os.replace(zip_tmp, files[0].path)
        os.replace(sqlite_tmp, files[1].path)
    finally:
        _discard(zip_tmp, sqlite_tmp)
    return files


def _utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; a naive one is taken as UTC already, never as local time."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _zip_time(version: change_service.Version) -> tuple[int, int, int, int, int, int]:
    """The time every member of the zip carries: when ``version`` was committed, in UTC
    (a zip's times have no zone), to the even second below (their resolution)."""
    at = _utc(version.changed_at)
    stamp = (at.year, at.month, at.day, at.hour, at.minute, at.second - at.second % 2)
    return max(stamp, (1980, 1, 1, 0, 0, 0))  # the earliest time a zip can hold


def _key_order(session: AsyncSession) -> Callable[[Sequence[Any]], list[Any]]:
    """How to order by key columns on ``session``'s engine: text by code point, whatever
    the column's or the database's collation (PostgreSQL's ``en_US`` sorts ``ab`` before
    ``a-c`` and ``B`` after both). PostgreSQL's ``C`` and SQLite's ``BINARY`` compare
    UTF-8 bytes, which is code point order, on both engines the same."""
    collation = "C" if session.get_bind().dialect.name == "postgresql" else "BINARY"

    def collated(columns: Sequence[Any]) -> list[Any]:
        return [
            column.collate(collation) if isinstance(_stored_type(column), String) else column
            for column in columns
        ]

    return collated


def _stored_type(column: Any) -> Any:
    sql_type = column.type
    return sql_type.impl_instance if isinstance(sql_type, TypeDecorator) else sql_type


def _sync(path: Path) -> None:
    """Put ``path`` on disk before it is renamed into place: after a crash a kept file
    is whole or absent, never a named file that is short."""
    with path.open("rb") as file:
        os.fsync(file.fileno())


def _scratch_files(directory: Path) -> tuple[Path, Path]:
    """Two new paths in ``directory``, a zip's (created) and a SQLite file's (not yet)."""
    directory.mkdir(parents=True, exist_ok=True)
    handle, zip_name = tempfile.mkstemp(dir=directory, suffix=".zip.part")
    os.close(handle)
    handle, sqlite_name = tempfile.mkstemp(dir=directory, suffix=".sqlite.part")
    os.close(handle)
    Path(sqlite_name).unlink()
    return Path(zip_name), Path(sqlite_name)


def _discard(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


async def _write_table(
    session: AsyncSession,
    export: ExportTable,
    archive: zipfile.ZipFile,
    database: sqlite3.Connection,
    stamp: tuple[int, int, int, int, int, int],
    order: Callable[[Sequence[Any]], list[Any]],
) -> None:
    names = [column.name for column in export.columns]
    quoted = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" for _ in names)
    insert = f'INSERT INTO "{export.name}" ({quoted}) VALUES ({marks})'
    # The spreadsheet copy waits in a spooled file while data/ is written: a zip takes
    # one member at a time.
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+b") as guarded_raw:
        guarded_text = io.TextIOWrapper(guarded_raw, encoding="utf-8", newline="")
        guarded = csv.writer(guarded_text, lineterminator="\r\n")
        guarded.writerow(names)
        with archive.open(_member(f"data/{export.name}.csv", stamp), "w") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(names)
            # The primary key orders every table totally: the same rows, the same order.
            key = list(export.table.primary_key.columns)
            statement = select(*export.columns).order_by(*order(key))
            result = await session.stream(statement.execution_options(yield_per=BATCH))
            async for partition in result.partitions(BATCH):
                batch = [list(row) for row in partition]
                writer.writerows([csv_cell(value, guard=False) for value in row] for row in batch)
                guarded.writerows([csv_cell(value, guard=True) for value in row] for row in batch)
                database.executemany(insert, ([_sqlite_value(v) for v in row] for row in batch))
                await asyncio.sleep(0)  # let other requests run between batches
            text.flush()
            text.detach()
        guarded_text.flush()
        guarded_text.detach()
        guarded_raw.seek(0)
        with archive.open(_member(f"{SPREADSHEET_DIR}/{export.name}.csv", stamp), "w") as copy:
            while chunk := guarded_raw.read(1024 * 1024):
                copy.write(chunk)


SPREADSHEET_DIR = "spreadsheet"


def _member(name: str, stamp: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    """A zip member as every build writes it: stamped ``stamp`` (not the clock), made
    on Unix (``ZipInfo`` says Windows on Windows), deflated, readable by all
    (``FILE_MODE``, not the 0600 ``ZipFile`` gives a member named by a string)."""
    member = zipfile.ZipInfo(name, date_time=stamp)
    member.create_system = 3
    member.compress_type = zipfile.ZIP_DEFLATED
    member.external_attr = (0o100000 | FILE_MODE) << 16
    return member


def _readme(version: int) -> str:
    return (
        f"migov data, version {version}\n\n"
        "datapackage.json describes every table (fields, types, primary and foreign keys),\n"
        "the licence and the sources; data/<table>.csv holds the rows, one file per table.\n"
        f"Data licence: {licence.DATA_LICENCE_NAME} ({licence.DATA_LICENCE_URL}).\n"
        "Each source document keeps its own terms (datapackage.json, sources[].terms).\n"
        "\n"
        "WARNING: do not open data/*.csv in a spreadsheet. Pledges submitted by partners\n"
        "carry their own text, stored exactly as sent: a cell that starts with =, +, -, @,\n"
        "a tab or a carriage return may be run as a formula by Excel, LibreOffice or\n"
        "Google Sheets. For a spreadsheet, open spreadsheet/<table>.csv instead: the same\n"
        "rows, where each such text cell (and each that starts with ') has one ' put in\n"
        "front; drop one leading ' from a text cell to get the stored value. Programs\n"
        "(and datapackage.json) read data/, which holds the values unchanged.\n"
        "\n"
        "migov-<version>.sqlite holds the same tables; its decimals (amounts, shares,\n"
        "rates) are TEXT holding the exact digits, as in the CSV: cast them to a decimal\n"
        "type, never to a float, to keep every cent.\n"
    )


# --- what the API offers ------------------------------------------------------------------

# One build at a time per directory in this process; another process building the same
# version at once only repeats the work: it writes the same bytes and renames them into
# place as well.
_locks: dict[str, asyncio.Lock] = {}
# A file used this recently is never deleted: a request, of this process or another, may
# be about to open it to send it.
IN_USE_SECONDS = 60.0
MEGABYTE = 1024 * 1024


async def ensure_files(
    session: AsyncSession,
    version: change_service.Version,
    directory: Path,
    *,
    keep_bytes: int | None,
    live: bool = True,
) -> list[ExportFile]:
    """``version``'s files in ``directory``, built first if missing (``build_files``);
    then, with ``keep_bytes``, other files deleted past that bound (``evict``)."""
    lock = _locks.setdefault(str(directory), asyncio.Lock())
    async with lock:
        files = await build_files(session, version, directory, live=live)
    if keep_bytes is not None:
        evict(directory, keep_bytes, keep=[f.path for f in files])
    return files


def evict(directory: Path, keep_bytes: int, *, keep: Sequence[Path] = ()) -> list[Path]:
    """Delete the least recently used files of ``directory`` until those left take
    ``keep_bytes`` or less; returns those deleted. A deleted file is built again, the
    same bytes, when next asked for.

    A file's last use is its modification time: set when it is built, and by ``kept``
    whenever it is sent. Never deleted, whatever the bound: ``keep`` (the files just
    built), the newest version's files (the current one's, which most requests ask
    for) and a file used in the last ``IN_USE_SECONDS``.
    """
    found = []
    for path in directory.glob("migov-*"):
        if (match := NAME.match(path.name)) is None:
            continue
        try:
            status = path.stat()
        except FileNotFoundError:  # deleted by another process meanwhile
            continue
        found.append((status.st_mtime, int(match["version"]), path.name, status.st_size))
    if not found:
        return []
    newest = max(number for _, number, _, _ in found)
    spared = {path.name for path in keep}
    recent = time.time() - IN_USE_SECONDS
    deleted = []
    total = 0
    for used, number, name, size in sorted(found, reverse=True):  # the latest used first
        total += size
        if total <= keep_bytes or name in spared or number == newest or used > recent:
            continue
        try:
            (directory / name).unlink(missing_ok=True)
        except OSError:  # not ours to delete: it stays, and counts
            continue
        total -= size
        deleted.append(directory / name)
    return deleted


def kept(export: ExportFile) -> os.stat_result | None:
    """``export``'s status when it is kept on disk, marking it used now (``evict``
    deletes the least recently used first); None when it is not (never built, or
    deleted since)."""
    with contextlib.suppress(OSError):  # a file another user owns is still sent
        os.utime(export.path)
    try:
        return export.path.stat()
    except FileNotFoundError:
        return None


async def current_files(
    session: AsyncSession, directory: Path, *, build_missing: bool
) -> tuple[change_service.Version, list[ExportFile]]:
    """The current version and its files (built first when ``build_missing``; no other
    file is deleted: ``migov export`` writes into a folder of the operator's)."""
    version = await change_service.current_version(session)
    if build_missing:
        return version, await ensure_files(session, version, directory, keep_bytes=None)
    return version, file_names(version.version, directory)


async def find_file(
    session: AsyncSession, directory: Path, name: str
) -> tuple[change_service.Version, ExportFile, bool]:
    """The export called ``name`` (built or not), its version, and whether that version is
    the current one (else its rows are read from a snapshot, ``app.db.history``). Every
    version from the oldest kept to the current one is offered."""
    match = NAME.match(name)
    current, oldest = (
        await session.execute(select(DataVersion.version, DataVersion.history_from))
    ).one()
    asked = int(match["version"]) if match else None
    version = (
        await change_service.version_at(session, asked)
        if asked is not None and max(int(oldest), 1) <= asked <= int(current)
        else None
    )
    if match is None or version is None:
        latest = file_name(int(current), match["format"] if match else "zip")
        raise NotFound(
            f"No export is called {name!r}. The current data version is {int(current)}: "
            f"/v1/download/{latest} (or .sqlite); every version from {max(int(oldest), 1)} "
            "on can be downloaded.",
            code="export_not_found",
        )
    return version, ExportFile(name, match["format"], directory / name), asked == int(current)
