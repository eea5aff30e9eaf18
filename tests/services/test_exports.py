"""The dataset files as built: the same bytes for the same data version, whatever the
directory, the build or the engine; a builder pointed at any version; and the files
kept up to a bound, deleted least recently used first and built again the same.

The route's side (serving, building on request, the bound from the settings) is in
tests/api/test_download.py, with the builds in separate processes.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import os
import sqlite3
import struct
import time
import zipfile
from pathlib import Path
from typing import Any

import anyio
import pytest
from frictionless import Package
from sqlalchemy import delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.db.migrations import upgrade
from app.errors import Conflict
from app.models import Base, Dispute
from app.models.enums import Entity
from app.services import changes as change_service
from app.services import exports as export_service
from app.services.changes import Version

LONG_AGO = dt.datetime(2001, 2, 3, 4, 5, 7, tzinfo=dt.UTC)


def contents(files: list[export_service.ExportFile]) -> dict[str, bytes]:
    return {f.name: f.path.read_bytes() for f in files}


def names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def table_rows(archive: Path, table: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(archive) as zipped:
        text_ = zipped.read(f"data/{table}.csv").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text_, newline="")))


async def test_a_version_builds_the_same_bytes_every_time(
    session: AsyncSession, tmp_path: Path
) -> None:
    current = await change_service.current_version(session)
    first = await export_service.build_files(session, current, tmp_path / "one")
    second = await export_service.build_files(session, current, tmp_path / "two" / "nested")
    assert [f.name for f in first] == [
        f"migov-{current.version}.zip",
        f"migov-{current.version}.sqlite",
    ]
    assert contents(first) == contents(second)
    # Nothing but the two files: the scratch files are renamed or discarded.
    assert names(tmp_path / "one") == sorted(f.name for f in first)


async def test_the_zip_carries_the_versions_time_and_nothing_of_the_build(
    session: AsyncSession, tmp_path: Path
) -> None:
    """Every member: stamped with the version's commit time (not the clock), made on
    Unix, deflated, mode 0644, no extra field; datapackage.json's `created` the same."""
    current = await change_service.current_version(session)
    version = Version(version=current.version, changed_at=LONG_AGO)
    zip_file, _ = await export_service.build_files(session, version, tmp_path)
    with zipfile.ZipFile(zip_file.path) as zipped:
        members = zipped.infolist()
        descriptor = json.loads(zipped.read("datapackage.json"))
        readme = zipped.read("README.txt").decode()
    tables = [resource["name"] for resource in descriptor["resources"]]
    assert [m.filename for m in members] == [
        "datapackage.json",
        *[name for table in tables for name in (f"data/{table}.csv", f"spreadsheet/{table}.csv")],
        "README.txt",
    ]
    assert {
        (m.date_time, m.create_system, m.compress_type, m.external_attr >> 16, m.extra, m.comment)
        for m in members
    } == {((2001, 2, 3, 4, 5, 6), 3, zipfile.ZIP_DEFLATED, 0o100644, b"", b"")}
    assert descriptor["created"] == "2001-02-03T04:05:07+00:00"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert today not in json.dumps(descriptor)
    assert today not in readme
    # Keys in one fixed order, the same as the code writes them.
    assert list(descriptor)[:4] == ["profile", "name", "id", "title"]


async def test_the_sqlite_file_is_laid_out_by_its_own_settings(
    session: AsyncSession, tmp_path: Path
) -> None:
    current = await change_service.current_version(session)
    _, database = await export_service.build_files(session, current, tmp_path)
    header = database.path.read_bytes()[:100]
    assert header[:16] == b"SQLite format 3\x00"
    (page_size,) = struct.unpack(">H", header[16:18])
    assert page_size == 4096
    assert (header[18], header[19]) == (1, 1)  # a rollback-journal file, never WAL
    (freelist,) = struct.unpack(">I", header[36:40])
    assert freelist == 0  # vacuumed: no free pages left over from the build
    (auto_vacuum,) = struct.unpack(">I", header[52:56])
    (encoding,) = struct.unpack(">I", header[56:60])
    assert (auto_vacuum, encoding) == (0, 1)  # none, UTF-8
    connection = sqlite3.connect(database.path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        connection.close()


async def test_every_table_goes_out_in_the_order_of_its_primary_key(
    session: AsyncSession, tmp_path: Path
) -> None:
    current = await change_service.current_version(session)
    zip_file, database = await export_service.build_files(session, current, tmp_path)
    with zipfile.ZipFile(zip_file.path) as zipped:
        descriptor = json.loads(zipped.read("datapackage.json"))
    connection = sqlite3.connect(database.path)
    try:
        for resource in descriptor["resources"]:
            name = resource["name"]
            types = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
            key = resource["schema"]["primaryKey"]
            rows = table_rows(zip_file.path, name)
            keys = [tuple(int(r[k]) if types[k] == "integer" else r[k] for k in key) for r in rows]
            assert keys == sorted(keys), name  # text by code point, as Python compares it
            assert len(set(keys)) == len(keys), name
            columns = ", ".join(f'"{k}"' for k in key)
            stored = connection.execute(f'SELECT {columns} FROM "{name}" ORDER BY rowid')
            assert [tuple(str(v) for v in row) for row in stored] == [
                tuple(r[k] for k in key) for r in rows
            ], name
    finally:
        connection.close()


DISPUTES = ("ab", "B", "a-c")


async def test_text_keys_go_out_by_code_point_whatever_the_columns_collation(
    scratch_url: str, tmp_path: Path
) -> None:
    """A column (or database) that sorts text as a language does, as PostgreSQL's do
    under ``en_US``, still exports in code point order: the order SQLite's default
    gives, so both engines build the same bytes."""
    await anyio.to_thread.run_sync(upgrade, scratch_url)
    engine = create_async_engine(scratch_url)
    try:
        async with AsyncSession(engine) as scratch:
            if engine.dialect.name == "postgresql":
                await scratch.execute(
                    text('ALTER TABLE dispute ALTER COLUMN id TYPE varchar(120) COLLATE "en-x-icu"')
                )
            else:
                (ddl,) = (
                    await scratch.execute(
                        text(
                            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'dispute'"
                        )
                    )
                ).one()
                await scratch.execute(text("DROP TABLE dispute"))
                await scratch.execute(
                    text(
                        ddl.replace(
                            "id VARCHAR(120) NOT NULL", "id VARCHAR(120) COLLATE NOCASE NOT NULL"
                        )
                    )
                )
            scratch.add_all(
                Dispute(
                    id=slug,
                    subject_entity=Entity.FORUM,
                    subject_id="RCM",
                    subject_field="name",
                    summary="Ordering.",
                    claims=[],
                )
                for slug in DISPUTES
            )
            await scratch.flush()
            by_the_column = list(await scratch.scalars(select(Dispute.id).order_by(Dispute.id)))
            assert by_the_column == ["a-c", "ab", "B"]  # the column's own order
            current = await change_service.current_version(scratch)
            zip_file, database = await export_service.build_files(scratch, current, tmp_path)
            await scratch.rollback()
    finally:
        await engine.dispose()
    assert [row["id"] for row in table_rows(zip_file.path, "dispute")] == ["B", "a-c", "ab"]
    connection = sqlite3.connect(database.path)
    try:
        stored = [i for (i,) in connection.execute("SELECT id FROM dispute ORDER BY rowid")]
    finally:
        connection.close()
    assert stored == ["B", "a-c", "ab"]


async def test_a_copy_of_the_rows_in_a_fresh_sqlite_database_builds_the_same_bytes(
    session: AsyncSession, tmp_path: Path
) -> None:
    """The files depend on the rows, not on the engine or the database holding them.
    On PostgreSQL this compares the bytes built from PostgreSQL with those built from
    SQLite; on SQLite, those of two databases."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'copy.db'}"
    await anyio.to_thread.run_sync(upgrade, url)
    current = await change_service.current_version(session)
    copy = create_async_engine(url)  # foreign keys unchecked while tables fill in any order
    try:
        async with AsyncSession(copy) as target:
            # Row images are not data; the copy's own triggers write its own.
            tables = [t for t in Base.metadata.sorted_tables if t.name != "row_image"]
            for table in reversed(tables):
                await target.execute(delete(table))
            for table in tables:
                rows = [dict(row) for row in (await session.execute(select(table))).mappings()]
                if rows:
                    await target.execute(insert(table), rows)
            await target.commit()
            copied = await export_service.build_files(target, current, tmp_path / "copy")
    finally:
        await copy.dispose()
    original = await export_service.build_files(session, current, tmp_path / "original")
    assert contents(copied) == contents(original)


async def test_any_version_builds_from_a_session_that_reads_it(
    session: AsyncSession, tmp_path: Path
) -> None:
    """The builder takes the version it is given; a session over a past version's rows
    passes ``live=False``. The files are named for that version and validate."""
    current = await change_service.current_version(session)
    past = Version(version=current.version + 100, changed_at=LONG_AGO)
    zip_file, database = await export_service.build_files(session, past, tmp_path, live=False)
    assert (zip_file.name, database.name) == (
        f"migov-{past.version}.zip",
        f"migov-{past.version}.sqlite",
    )
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(zip_file.path) as zipped:
        zipped.extractall(unpacked)
    descriptor = json.loads((unpacked / "datapackage.json").read_text())
    assert (descriptor["version"], descriptor["id"]) == (str(past.version), f"migov-{past.version}")
    report = Package(str(unpacked / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "note", "resourceName", "rowNumber"])[:10]


async def test_a_live_build_of_another_version_is_refused_and_leaves_nothing(
    session: AsyncSession, tmp_path: Path
) -> None:
    current = await change_service.current_version(session)
    other = Version(version=current.version - 1, changed_at=current.changed_at)
    with pytest.raises(Conflict) as refused:
        await export_service.build_files(session, other, tmp_path)
    assert refused.value.code == "export_conflict"
    assert names(tmp_path) == []


async def test_two_requests_for_the_same_missing_files_build_them_once(
    session: AsyncSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = []
    scratch_files = export_service._scratch_files

    def counted(directory: Path) -> tuple[Path, Path]:
        builds.append(directory)
        return scratch_files(directory)

    monkeypatch.setattr(export_service, "_scratch_files", counted)
    current = await change_service.current_version(session)
    first, second = await asyncio.gather(
        export_service.ensure_files(session, current, tmp_path, keep_bytes=None),
        export_service.ensure_files(session, current, tmp_path, keep_bytes=None),
    )
    assert first == second
    assert builds == [tmp_path]
    assert names(tmp_path) == sorted(f.name for f in first)


def used(files: list[export_service.ExportFile], seconds_ago: float) -> None:
    moment = time.time() - seconds_ago
    for f in files:
        os.utime(f.path, (moment, moment))


def size(*groups: list[export_service.ExportFile]) -> int:
    return sum(f.path.stat().st_size for files in groups for f in files)


async def test_past_the_bound_the_least_recently_used_files_go_and_come_back_the_same(
    session: AsyncSession, tmp_path: Path
) -> None:
    current = await change_service.current_version(session)

    async def build(number: int, **kwargs: Any) -> list[export_service.ExportFile]:
        version = Version(version=current.version + number, changed_at=current.changed_at)
        return await export_service.ensure_files(session, version, tmp_path, live=False, **kwargs)

    one, two, three = [await build(n, keep_bytes=None) for n in (1, 2, 3)]
    built = {**contents(one), **contents(two), **contents(three)}
    used(one, 100)  # the most recently used of the three
    used(two, 300)
    used(three, 200)
    four = await export_service.build_files(
        session,
        Version(version=current.version + 4, changed_at=current.changed_at),
        tmp_path,
        live=False,
    )
    deleted = export_service.evict(tmp_path, size(four, one), keep=[f.path for f in four])
    assert sorted(p.name for p in deleted) == sorted(f.name for f in two + three)
    assert names(tmp_path) == sorted(f.name for f in one + four)

    # Asked for again, a deleted file is built again, the same bytes; the bound then
    # makes room by deleting the least recently used one left (not the newest version's).
    bound = size(one, four)
    again = await build(2, keep_bytes=bound)
    assert contents(again) == {f.name: built[f.name] for f in two}
    assert names(tmp_path) == sorted(f.name for f in two + four)


async def test_files_just_used_and_the_newest_versions_are_never_deleted(
    session: AsyncSession, tmp_path: Path
) -> None:
    current = await change_service.current_version(session)
    old, new = [
        await export_service.build_files(
            session,
            Version(version=current.version + n, changed_at=current.changed_at),
            tmp_path,
            live=False,
        )
        for n in (1, 2)
    ]
    used(old + new, 3600)
    status = export_service.kept(old[0])  # being sent now
    assert status is not None
    assert status.st_mtime > time.time() - 60
    assert export_service.evict(tmp_path, 0) == [old[1].path]  # the other, unused for an hour
    used(old[:1], 3600)
    assert export_service.evict(tmp_path, 0) == [old[0].path]
    assert names(tmp_path) == sorted(f.name for f in new)
    assert export_service.kept(old[0]) is None
