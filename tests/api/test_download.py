"""The whole dataset as files: /v1/download, the Data Package it serves, and `migov export`.

The package is validated with the ``frictionless`` library (schemas, types, primary
and foreign keys) and read back, and what it holds is compared with what the API
answers: counts per table and a sample of values.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from frictionless import Package
from frictionless.resources import TableResource
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.models import Base
from app.services import changes as change_service
from app.services import exports as export_service
from tests.api.helpers import get_json, walk
from tests.conftest import START_ALLOWANCE, build_app, client_for
from tests.factories import make_api_key, pledge_body

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = "application/problem+json"


@pytest.fixture
def client(exporting_client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Every test here downloads: the app with its exports in the test's own folder."""
    return exporting_client


async def download(client: httpx.AsyncClient, fmt: str, tmp_path: Path) -> tuple[Path, int]:
    listing = await get_json(client, "/v1/download")
    (entry,) = [f for f in listing["files"] if f["format"] == fmt]
    response = await client.get(entry["url"])
    assert response.status_code == 200, response.text
    path = tmp_path / entry["name"]
    path.write_bytes(response.content)
    return path, listing["dataset_version"]


def rows(directory: Path, table: str) -> list[dict[str, str]]:
    with (directory / "data" / f"{table}.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def table(package: Package, name: str) -> list[dict[str, object]]:
    """The typed rows of one table of the package, as frictionless reads them."""
    resource = package.get_resource(name)
    assert isinstance(resource, TableResource)
    return [row.to_dict() for row in resource.read_rows()]


async def test_listing_offers_both_files_of_the_current_version(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    version = (await change_service.current_version(session)).version
    listing = await get_json(client, "/v1/download")
    assert listing["dataset_version"] == version
    assert [(f["name"], f["media_type"], f["url"], f["built"]) for f in listing["files"]] == [
        (f"migov-{version}.zip", "application/zip", f"/v1/download/migov-{version}.zip", False),
        (
            f"migov-{version}.sqlite",
            "application/vnd.sqlite3",
            f"/v1/download/migov-{version}.sqlite",
            False,
        ),
    ]
    assert listing["licence"]["id"] == "CC-BY-4.0"
    assert set(listing["excluded_tables"]) == {
        "api_key",
        "api_key_pledger",
        "idempotency_record",
        "rate_limit_bucket",
        "row_image",
        "audit_entry",
        "data_version",
    }
    built = await client.get(listing["files"][0]["url"])
    assert built.status_code == 200
    again = await get_json(client, "/v1/download")
    assert again["files"][0]["built"] is True
    assert again["files"][0]["bytes"] == len(built.content)


async def test_a_versioned_file_is_immutable_and_revalidates(client: httpx.AsyncClient) -> None:
    listing = await get_json(client, "/v1/download")
    name = listing["files"][0]["name"]
    built = await client.get(f"/v1/download/{name}")  # built by this request, then sent
    response = await client.get(f"/v1/download/{name}")  # sent from the file kept
    assert response.content == built.content
    for answer in (built, response):
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/zip"
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert answer.headers["etag"] == f'"{name}"'
        assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    revalidated = await client.get(
        f"/v1/download/{name}", headers={"If-None-Match": response.headers["etag"]}
    )
    assert revalidated.status_code == 304
    assert revalidated.content == b""


@pytest.mark.parametrize("name", ["migov-{old}.zip", "migov-{old}.sqlite", "everything.zip"])
async def test_another_version_is_404_naming_the_current_one(
    client: httpx.AsyncClient, session: AsyncSession, name: str
) -> None:
    current = (await change_service.current_version(session)).version
    response = await client.get(f"/v1/download/{name.format(old=current - 1)}")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "export_not_found"
    assert (
        f"The current data version is {current}: /v1/download/migov-{current}." in (body["detail"])
    )


async def test_a_write_makes_a_new_version_and_the_old_name_keeps_its_file(
    client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    before = (await get_json(client, "/v1/download"))["dataset_version"]
    first = await client.get(f"/v1/download/migov-{before}.zip")
    assert first.status_code == 200
    assert len(list(exports.iterdir())) == 2
    key = await make_api_key(session, name="new version")
    submitted = await client.post("/v1/pledges", json=pledge_body(), headers=key.headers)
    assert submitted.status_code == 201
    after = (await get_json(client, "/v1/download"))["dataset_version"]
    assert after > before
    # The old name still answers its file (kept, or built again from its version's rows).
    old = await client.get(f"/v1/download/migov-{before}.zip")
    assert (old.status_code, old.content) == (200, first.content)
    assert (await client.get(f"/v1/download/migov-{after}.zip")).status_code == 200
    # Within the bound (512 MiB by default) the old version's file is kept.
    assert sorted(p.name for p in exports.iterdir()) == sorted(
        f"migov-{version}.{format}" for version in (before, after) for format in ("zip", "sqlite")
    )


def last_used(paths: list[Path], seconds_ago: float) -> None:
    moment = time.time() - seconds_ago
    for path in paths:
        os.utime(path, (moment, moment))


async def test_past_the_bound_files_not_sent_lately_are_deleted(
    settings: Settings, session: AsyncSession, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    tight = settings.model_copy(update={"export_dir": str(exports), "export_keep_mb": 0})
    async with client_for(build_app(tight, session)) as tight_client:
        before = (await get_json(tight_client, "/v1/download"))["dataset_version"]
        assert (await tight_client.get(f"/v1/download/migov-{before}.zip")).status_code == 200
        key = await make_api_key(session, name="new version")
        submitted = await tight_client.post("/v1/pledges", json=pledge_body(), headers=key.headers)
        assert submitted.status_code == 201
        after = (await get_json(tight_client, "/v1/download"))["dataset_version"]
        last_used(list(exports.iterdir()), 3600)
        assert (await tight_client.get(f"/v1/download/migov-{after}.zip")).status_code == 200
    # Over the bound (0): what was not sent in the last minute goes, but never the
    # newest version's files.
    assert sorted(p.name for p in exports.iterdir()) == [
        f"migov-{after}.sqlite",
        f"migov-{after}.zip",
    ]


async def test_a_deleted_file_is_built_again_the_same_bytes(
    client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path
) -> None:
    version = await change_service.current_version(session)
    name = f"migov-{version.version}.zip"
    first = await client.get(f"/v1/download/{name}")
    (tmp_path / "exports" / name).unlink()  # as the bound, or an operator, deletes it
    again = await client.get(f"/v1/download/{name}")
    assert again.status_code == 200
    assert again.content == first.content
    for answer in (first, again):
        assert answer.headers["etag"] == f'"{name}"'
        # The version's commit time, the same on every build and every host.
        assert answer.headers["last-modified"] == format_datetime(
            version.changed_at.astimezone(dt.UTC), usegmt=True
        )


async def test_sending_a_kept_file_marks_it_used(client: httpx.AsyncClient, tmp_path: Path) -> None:
    name = (await get_json(client, "/v1/download"))["files"][1]["name"]
    built = await client.get(f"/v1/download/{name}")
    kept = tmp_path / "exports" / name
    last_used([kept], 3600)
    sent = await client.get(f"/v1/download/{name}")
    assert sent.content == built.content
    assert kept.stat().st_mtime > time.time() - 60


async def test_the_package_validates_and_reloads_to_the_api(
    client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path
) -> None:
    key = await make_api_key(session, name="package")
    submitted = await client.post(
        "/v1/pledges",
        json=pledge_body(title="=cmd|' /C calc'!A0", description="Line one\nline two; three"),
        headers=key.headers,
    )
    assert submitted.status_code == 201
    archive, version = await download(client, "zip", tmp_path)
    unpacked = tmp_path / "package"
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(unpacked)

    package = Package(str(unpacked / "datapackage.json"))
    report = package.validate()
    assert report.valid, report.flatten(["type", "note", "resourceName", "rowNumber"])[:10]

    descriptor = json.loads((unpacked / "datapackage.json").read_text())
    assert descriptor["version"] == str(version)
    assert descriptor["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "path": "https://creativecommons.org/licenses/by/4.0/",
            "title": "Creative Commons Attribution 4.0 International",
        }
    ]
    sources = {s["id"]: s for s in descriptor["sources"]}
    assert sources["wrmc-2021-regional-cooperation"]["terms"].startswith("Creative Commons")
    assert sources["mirps-sp-web-2021"]["terms"] == "not stated"

    # Every table but the excluded ones, each with a primary key; nothing secret.
    resources = {r["name"]: r for r in descriptor["resources"]}
    expected = {t.name for t in Base.metadata.sorted_tables} - set(export_service.EXCLUDED)
    assert set(resources) == expected
    assert {"citation", "dispute", "pledge_pledger", "programme", "money_record"} <= expected
    for resource in resources.values():
        fields = [f["name"] for f in resource["schema"]["fields"]]
        assert resource["schema"]["primaryKey"], resource["name"]
        assert not {"secret_hash", "api_key_id", "request_hash"} & set(fields)
    citation_keys = {
        fk["reference"]["resource"] for fk in resources["citation"]["schema"]["foreignKeys"]
    }
    assert {"source", "forum", "pledge", "participation", "event"} <= citation_keys

    # Counts: the package holds what the API lists.
    meta = await get_json(client, "/v1/meta")
    counted = {
        "forum": meta["counts"]["forums"],
        "actor": meta["counts"]["actors"],
        "participation": meta["counts"]["participations"],
        "funding_share": meta["counts"]["funding_shares"],
        "event": meta["counts"]["events"],
        "pledge": meta["counts"]["pledges"],
        "source": meta["counts"]["sources"],
        "exchange_rate": meta["counts"]["exchange_rates"],
        "dispute": (await get_json(client, "/v1/disputes"))["total"],
    }
    for name, count in counted.items():
        assert len(table(package, name)) == count, name
    cited = sum(sum(s["cited_by"].values()) for s in await walk(client, "/v1/sources"))
    assert len(rows(unpacked, "citation")) == cited

    # Values: the submitted pledge, its pledgers and citations, read back as typed rows.
    api_pledge = submitted.json()
    (pledge,) = [r for r in table(package, "pledge") if r["id"] == api_pledge["id"]]
    assert pledge["title"] == api_pledge["title"]  # exact: no prefix in the package
    assert pledge["description"] == api_pledge["description"]
    assert pledge["amount"] == Decimal(api_pledge["amount"])
    assert pledge["currency"] == api_pledge["currency"]
    assert pledge["forum_code"] == api_pledge["forum"]
    assert pledge["kind"] == api_pledge["kind"]
    pledgers = sorted(
        (r["position"], r["actor_id"])
        for r in rows(unpacked, "pledge_pledger")
        if r["pledge_id"] == str(api_pledge["id"])
    )
    assert [actor for _, actor in pledgers] == [p["id"] for p in api_pledge["pledgers"]]

    # A forum: JSON columns are arrays, its citations rows of their own, locators whole.
    gcr = await get_json(client, "/v1/forums/GCR")
    (forum,) = [r for r in table(package, "forum") if r["code"] == "GCR"]
    assert forum["aliases"] == gcr["aliases"]
    assert forum["name"] == gcr["name"]
    forum_citations = [
        {
            "source_id": r["source_id"],
            "locator": r["locator"] or None,
            "passage": {
                "start": int(r["passage_start"]),
                "end": int(r["passage_end"]),
                "sha256": r["passage_sha256"],
            },
        }
        for r in sorted(rows(unpacked, "citation"), key=lambda r: int(r["id"]))
        if r["forum_code"] == "GCR"
    ]
    assert forum_citations == gcr["citations"]
    assert any("; " in (c["locator"] or "") for c in forum_citations)

    # Inferred values travel with their reasoning: a JSON array column, as the API has it.
    meetings = await get_json(client, "/v1/events/mirps-sp-technical-meetings-2021-2022")
    (event,) = [r for r in table(package, "event") if r["id"] == meetings["id"]]
    assert event["inferred"] == meetings["inferred"]
    assert [value["field"] for value in meetings["inferred"]] == ["earliest", "latest"]


async def test_the_sqlite_file_holds_the_same_rows(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    archive, _ = await download(client, "zip", tmp_path)
    database, _ = await download(client, "sqlite", tmp_path)
    with zipfile.ZipFile(archive) as zipped:
        descriptor = json.loads(zipped.read("datapackage.json"))
        counts = {
            r["name"]: len(list(csv.reader(zipped.read(r["path"]).decode().splitlines(True)))) - 1
            for r in descriptor["resources"]
        }
    connection = sqlite3.connect(database)
    try:
        for name, count in counts.items():
            (found,) = connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()
            assert found == count, name
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        (amount,) = connection.execute("SELECT amount FROM pledge WHERE id = 1").fetchone()
        assert amount == "13150000.00"  # the exact digits, not a binary float
        kinds = {
            kind
            for (kind,) in connection.execute(
                "SELECT typeof(amount) FROM pledge UNION SELECT typeof(share_pct) "
                "FROM funding_share UNION SELECT typeof(usd_per_unit) FROM exchange_rate"
            )
        }
        assert kinds <= {"text", "null"}
        assert "real" not in kinds
    finally:
        connection.close()


async def test_every_field_of_the_package_is_described_and_its_files_are_readable_by_all(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    archive, _ = await download(client, "zip", tmp_path)
    with zipfile.ZipFile(archive) as zipped:
        descriptor = json.loads(zipped.read("datapackage.json"))
        modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in zipped.infolist()}

    fields = {
        (resource["name"], field["name"]): field.get("description")
        for resource in descriptor["resources"]
        for field in resource["schema"]["fields"]
    }
    assert [name for name, description in fields.items() if not description] == []
    assert "edge" in str(fields[("participation", "bounds")])
    assert "vacant" in str(fields[("participation", "holder_status")])
    assert "key" in str(fields[("funding_share", "key")]).lower()
    assert set(modes.values()) == {0o644}


def test_migov_export_builds_the_same_bytes_in_every_process(
    live_database_url: str, tmp_path: Path
) -> None:
    """Two processes exporting into one folder at once, and a third elsewhere, in another
    time zone and working directory, write the same bytes; the package validates."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGOV_")}
    env["MIGOV_DATABASE_URL"] = live_database_url

    def export(directory: Path, **extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "app", "export", str(directory)],
            cwd=extra.pop("cwd", ROOT),
            env={**env, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    runs = [
        export(tmp_path / "out"),
        export(tmp_path / "out"),
        export(tmp_path / "other", TZ="America/Bogota", cwd=str(elsewhere)),
    ]
    for run in runs:
        stdout, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr
        assert stdout.count("wrote ") == 2
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(written) == 2
    version = written[0].removeprefix("migov-").removesuffix(".sqlite")
    assert written == [f"migov-{version}.sqlite", f"migov-{version}.zip"]
    assert sorted(p.name for p in (tmp_path / "other").iterdir()) == written
    for name in written:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "other" / name).read_bytes()
    assert {(p.stat().st_mode & 0o777) for p in (tmp_path / "out").iterdir()} == {0o644}
    report = Package(
        str(_unzip(tmp_path / "out" / f"migov-{version}.zip", tmp_path / "x"))
    ).validate()
    assert report.valid


def _unzip(archive: Path, directory: Path) -> Path:
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(directory)
    return directory / "datapackage.json"


async def test_a_build_longer_than_the_request_deadline_still_answers(
    settings: Settings, session: AsyncSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline bounds the start of an answer; a file's build comes after its start."""
    deadline = START_ALLOWANCE
    build = export_service.build_files

    async def slow_build(*args: Any, **kwargs: Any) -> Any:
        # As a big database would take: the build begins after the request did, so
        # once this wait ends the deadline has passed, however fast the start was.
        await asyncio.sleep(deadline)
        return await build(*args, **kwargs)

    monkeypatch.setattr(export_service, "build_files", slow_build)
    hurried = settings.model_copy(
        update={"export_dir": str(tmp_path / "exports"), "request_timeout": deadline}
    )
    async with client_for(build_app(hurried, session)) as hurried_client:
        version = (await change_service.current_version(session)).version
        started = time.monotonic()
        response = await hurried_client.get(f"/v1/download/migov-{version}.zip")
        took = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert took > deadline  # the build did outlast the deadline
    with zipfile.ZipFile(io.BytesIO(response.content)) as zipped:
        assert "datapackage.json" in zipped.namelist()
