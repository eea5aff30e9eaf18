"""Every published version stays readable (``app.db.history``): an answer recorded while
version N was current is answered again, byte for byte, by the same request pinned to N.

The property test drives the real app (response cache on, as in production) on a
committed database of the suite's engine: random pledge submissions, updates,
withdrawals, batches and curated reloads that change, remove and add back facts. After
each write it records a random sample of REST and GraphQL answers with the version
they name; at the end it asks a random sample of (request, version) pairs again, pinned.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from frictionless import Package
from sqlalchemy import func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.dataset import load as dataset_service
from app.dataset import read as dataset_read
from app.dataset.check import check_dataset
from app.dataset.files import Dataset
from app.db import history
from app.main import create_app
from app.models import RowImage
from app.services import api_keys as api_key_service
from app.services import changes as change_service
from tests.app_settings import app_settings
from tests.conftest import client_for
from tests.factories import pledge_body

pytestmark = pytest.mark.anyio

WRITES = int(os.environ.get("MIGOV_HISTORY_WRITES", "200"))
CHECKS = int(os.environ.get("MIGOV_HISTORY_CHECKS", "60"))
SEED = int(os.environ.get("MIGOV_HISTORY_SEED", str(random.SystemRandom().randrange(2**32))))

REST_READS = [
    "/v1/pledges?limit=50",
    "/v1/pledges?forum=MIRPS-SP&limit=20&sort=-id",
    "/v1/pledges?format=csv&limit=40",
    "/v1/pledges/summary?group_by=forum",
    "/v1/forums",
    "/v1/forums/RCM",
    "/v1/forums/MIRPS/participants",
    "/v1/actors?limit=40",
    "/v1/participations?limit=60",
    "/v1/events?limit=30",
    "/v1/meta",
    "/v1/changes?limit=100",
    "/v1/sources",
    "/v1/disputes",
    "/v1/programmes?limit=20",
    "/v1/funding-shares",
]
GRAPHQL_READS = [
    "{ pledges(first: 30) { totalCount edges { node { id title status amount currency "
    "amountUsd version pledgers { id name } } } } }",
    '{ forum(code: "MIRPS") { code name participants { role start end actor { id name } } } }',
    "{ forums { edges { node { code name } } } }",
    "{ pledgeSummary(groupBy: [FORUM]) { group { forum } count amountUsd } }",
]


@dataclass(frozen=True)
class Ask:
    """One read: a REST path, or a GraphQL document (``graphql``)."""

    target: str
    graphql: bool = False


@dataclass(frozen=True)
class Seen:
    ask: Ask
    version: int
    body: bytes


async def _read(client: httpx.AsyncClient, ask: Ask, version: int | None = None) -> Seen:
    headers = {} if version is None else {"Migov-Data-Version": str(version)}
    if ask.graphql:
        response = await client.post("/graphql", json={"query": ask.target}, headers=headers)
    elif version is not None and hash(ask.target) % 2:
        # Half the REST asks name the version in the query, as the cite-as link does.
        separator = "&" if "?" in ask.target else "?"
        response = await client.get(f"{ask.target}{separator}version={version}")
    else:
        response = await client.get(ask.target, headers=headers)
    assert response.status_code == 200, (ask, version, response.text[:500])
    if ask.graphql:
        assert "errors" not in response.json(), response.text[:500]
    named = int(response.headers["migov-data-version"])
    if not ask.graphql:
        link = response.headers["link"]
        assert f'version={named}>; rel="cite-as"' in link, link
    return Seen(ask, named, response.content)


def _difference(seed: int, before: Seen, after: bytes) -> str:
    at = next(
        (i for i, (a, b) in enumerate(zip(before.body, after, strict=False)) if a != b),
        min(len(before.body), len(after)),
    )
    return (
        f"seed {seed}: {before.ask} at version {before.version} answered differently at "
        f"byte {at}: recorded {before.body[max(0, at - 150) : at + 150]!r}, "
        f"now {after[max(0, at - 150) : at + 150]!r}"
    )


def _removable(dataset: Dataset) -> list[int]:
    """Participations whose removal leaves a dataset the checks accept."""
    found = []
    for index in range(len(dataset.participations) - 1, -1, -1):
        kept = [p for i, p in enumerate(dataset.participations) if i != index]
        if check_dataset(dataset.model_copy(update={"participations": kept})).ok:
            found.append(index)
        if len(found) == 4:
            break
    return found


class Writer:
    """The random writes, each answered with the version it committed."""

    def __init__(self, client: httpx.AsyncClient, engine: AsyncEngine, secret: str) -> None:
        self.client = client
        self.engine = engine
        self.auth = {"Authorization": f"Bearer {secret}"}
        self.pledges: list[int] = []
        self.shipped = dataset_read.read_dataset()
        self.curated = self.shipped
        self.removable = _removable(self.shipped)
        self.serial = 0

    def _body(self, rng: random.Random) -> dict[str, Any]:
        self.serial += 1
        return pledge_body(
            pledgers=[rng.choice(["CAN", "MEX", "USA"])],
            amount=f"{rng.randrange(1, 10**7)}.{rng.randrange(100):02d}",
            currency=rng.choice(["CAD", "USD"]),
            title=f"History pledge {self.serial}",
            external_ref=f"history-{SEED}-{self.serial}",
        )

    async def write(self, rng: random.Random) -> int:
        kind = rng.choices(
            ["submit", "update", "withdraw", "batch", "curated"], weights=[8, 4, 1, 2, 1]
        )[0]
        if kind in ("update", "withdraw") and not self.pledges:
            kind = "submit"
        if kind == "submit":
            response = await self.client.post(
                "/v1/pledges", json=self._body(rng), headers=self.auth
            )
            assert response.status_code == 201, response.text
            self.pledges.append(response.json()["id"])
        elif kind == "batch":
            items = [self._body(rng) for _ in range(rng.randrange(2, 6))]
            response = await self.client.post(
                "/v1/pledges/batch", json={"pledges": items}, headers=self.auth
            )
            assert response.status_code == 200, response.text
            self.pledges += [item["pledge"]["id"] for item in response.json()["results"]]
        elif kind in ("update", "withdraw"):
            pledge = rng.choice(self.pledges)
            current = await self.client.get(f"/v1/pledges/{pledge}")
            change: dict[str, Any] = (
                {"status": "withdrawn"}
                if kind == "withdraw"
                else {"title": f"Retitled {rng.randrange(10**6)}"}
            )
            response = await self.client.patch(
                f"/v1/pledges/{pledge}",
                json=change,
                headers={**self.auth, "If-Match": current.headers["etag"]},
            )
            if response.status_code == 409:  # a withdrawn pledge stays withdrawn
                return await self.write(rng)
            assert response.status_code == 200, response.text
        else:
            return await self._reload(rng)
        return int(response.headers["migov-data-version"])

    async def _reload(self, rng: random.Random) -> int:
        """A curated reload: rename a forum, remove a participation, or go back to the
        shipped files (which adds back what was removed)."""
        choice = rng.choice(["rename", "remove", "shipped"])
        if choice == "rename":
            index = rng.randrange(len(self.curated.forums))
            forum = self.curated.forums[index]
            revised = forum.model_copy(
                update={"description": f"{forum.description} (revised {rng.randrange(10**6)})"}
            )
            forums = [*self.curated.forums[:index], revised, *self.curated.forums[index + 1 :]]
            changed = self.curated.model_copy(update={"forums": forums})
        elif choice == "remove" and self.removable:
            index = rng.choice(self.removable)
            kept = [p for i, p in enumerate(self.curated.participations) if i != index]
            changed = self.curated.model_copy(update={"participations": kept})
            self.removable = []  # indexes shift: one removal per return to the files
        else:
            changed = self.shipped
            self.removable = _removable(self.shipped)
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            report = await dataset_service.load_dataset(session, changed)
            await session.commit()
            version = int(
                (await session.execute(text("SELECT version FROM data_version"))).scalar_one()
            )
        self.curated = changed
        if not report.changes:
            return await self.write(rng)
        return version


@pytest.fixture
async def served(live_database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    app = create_app(
        app_settings(
            live_database_url,
            client_rate_limit_per_minute=0,
            rate_limit_per_minute=0,
            request_timeout=0,
            db_request_budget=0,
            db_statement_timeout=0,
        )
    )
    assert app.state.settings.cache  # production's default
    async with client_for(app) as client:
        yield client, app


async def test_every_recorded_answer_is_answered_again_at_its_version(served: Any) -> None:
    client, app = served
    engine: AsyncEngine = app.state.engine
    async with AsyncSession(engine, expire_on_commit=False) as session:
        created = await api_key_service.create_api_key(
            session, name="history", scopes=["pledges:write"], any_pledger=True
        )
        await session.commit()
    rng = random.Random(SEED)
    writer = Writer(client, engine, created.secret)
    asks = [Ask(path) for path in REST_READS] + [Ask(doc, graphql=True) for doc in GRAPHQL_READS]
    seen: list[Seen] = [await _read(client, ask) for ask in asks]
    versions = {seen[0].version}
    for _ in range(WRITES):
        version = await writer.write(rng)
        versions.add(version)
        sample = rng.sample(asks, 3)
        if writer.pledges:
            sample.append(Ask(f"/v1/pledges/{rng.choice(writer.pledges)}"))
        for ask in sample:
            answer = await _read(client, ask)
            assert answer.version == version, (SEED, ask, answer.version, version)
            seen.append(answer)
    assert len(versions) > WRITES  # every write made a version

    # The pairs asked again: every kind of ask, and versions from the whole run.
    checked = rng.sample(seen, min(CHECKS, len(seen)))
    for before in checked:
        again = await _read(client, before.ask, before.version)
        assert again.version == before.version
        assert again.body == before.body, _difference(SEED, before, again.body)

    async with AsyncSession(engine) as session:
        unstamped = await session.scalar(
            select(func.count()).select_from(RowImage).where(RowImage.version.is_(None))
        )
    assert unstamped == 0


async def test_versions_outside_the_kept_range_are_refused_naming_it(served: Any) -> None:
    client, _app = served
    current = int((await client.get("/v1/meta")).headers["migov-data-version"])
    for asked in (current + 1, 0, "x", "1.5"):
        response = await client.get(f"/v1/forums?version={asked}")
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["code"] in ("unknown_version", "invalid_version")
        if asked == current + 1:
            assert f"to {current} (the current one)" in body["detail"]
    both = await client.get("/v1/forums?version=1", headers={"Migov-Data-Version": "2"})
    assert both.status_code == 400
    graphql = await client.post(
        "/graphql",
        json={"query": "{ forums { edges { node { code } } } }"},
        headers={"Migov-Data-Version": "0"},
    )
    assert graphql.status_code == 400


async def test_a_write_naming_a_version_applies_to_the_current_one_and_says_so(
    served: Any,
) -> None:
    client, app = served
    async with AsyncSession(app.state.engine, expire_on_commit=False) as session:
        created = await api_key_service.create_api_key(
            session, name="pinned writer", scopes=["pledges:write"], any_pledger=True
        )
        await session.commit()
    before = int((await client.get("/v1/meta")).headers["migov-data-version"])
    response = await client.post(
        "/v1/pledges?version=1",
        json=pledge_body(external_ref="pinned-write"),
        headers={"Authorization": f"Bearer {created.secret}", "Migov-Data-Version": "1"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["migov-data-version-ignored"] == "1"
    assert int(response.headers["migov-data-version"]) == before + 1


async def test_every_column_of_every_versioned_table_is_imaged(engine: AsyncEngine) -> None:
    """The triggers cover the tables and columns the database has (SQLite's list them)."""

    def check(connection: Any) -> None:
        inspector = inspect(connection)
        tables = history.versioned(inspector.get_table_names())
        assert {"pledge", "forum", "participation"} <= set(tables)
        assert not {"api_key", "audit_entry", "change"} & set(tables)
        if connection.dialect.name == "postgresql":
            found = connection.execute(
                text(
                    "SELECT DISTINCT event_object_table FROM information_schema.triggers "
                    "WHERE trigger_name = 'row_image'"
                )
            ).scalars()
            assert set(found) == set(tables)
            return
        for table in tables:
            columns = [column["name"] for column in inspector.get_columns(table)]
            for kind in ("insert", "update", "delete"):
                sql = connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = :n"),
                    {"n": f"row_image_{table}_{kind}"},
                ).scalar_one()
                if kind != "delete":
                    for column in columns:
                        assert f"'{column}', NEW.\"{column}\"" in sql, (table, column)

    async with engine.connect() as connection:
        await connection.run_sync(check)


async def _key(app: Any, name: str) -> dict[str, str]:
    async with AsyncSession(app.state.engine, expire_on_commit=False) as session:
        created = await api_key_service.create_api_key(
            session, name=name, scopes=["pledges:write"], any_pledger=True
        )
        await session.commit()
    return {"Authorization": f"Bearer {created.secret}"}


async def test_changes_between_two_versions_show_each_written_row_before_and_after(
    served: Any,
) -> None:
    client, app = served
    auth = await _key(app, "diff")
    start = int((await client.get("/v1/meta")).headers["migov-data-version"])
    created = await client.post(
        "/v1/pledges", json=pledge_body(external_ref="diff-1", amount="1234.50"), headers=auth
    )
    assert created.status_code == 201, created.text
    pledge = created.json()
    updated = await client.patch(
        f"/v1/pledges/{pledge['id']}",
        json={"title": "A corrected title"},
        headers={**auth, "If-Match": created.headers["etag"]},
    )
    assert updated.status_code == 200, updated.text
    end = int(updated.headers["migov-data-version"])

    compared = await client.get("/v1/changes", params={"from": start, "to": end})
    assert compared.status_code == 200, compared.text
    items = compared.json()["items"]
    assert [(i["version"], i["entity"], i["action"]) for i in items] == [
        (start + 1, "pledge", "created"),
        (end, "pledge", "updated"),
    ]
    made, fixed = items
    # The creation: the pledge's own row first, then the rows that belong to it.
    assert made["rows"][0]["table"] == "pledge"
    assert made["rows"][0]["key"] == [pledge["id"]]
    assert made["rows"][0]["before"] is None
    assert made["rows"][0]["after"]["amount"] == "1234.50"  # exact, as the API writes it
    assert made["rows"][0]["after"]["title"] == pledge["title"]
    assert {r["table"] for r in made["rows"]} == {"pledge", "pledge_pledger", "pledge_objective"}
    assert "api_key_id" not in made["rows"][0]["after"]  # as the data package leaves it out
    # The correction: what the title was, and what it is.
    own = fixed["rows"][0]
    assert (own["before"]["title"], own["after"]["title"]) == (pledge["title"], "A corrected title")
    assert [r["table"] for r in fixed["rows"]] == ["pledge"]

    # Only the second version: the correction alone. Past the end: refused, naming the range.
    later = await client.get("/v1/changes", params={"from": start + 1, "to": end})
    assert [i["action"] for i in later.json()["items"]] == ["updated"]
    for params in ({"from": end, "to": end}, {"from": 0, "to": end + 1}, {"to": end}):
        refused = await client.get("/v1/changes", params=params)
        assert refused.status_code == 400, (params, refused.text)
    # Paged: the cursor resumes within the range.
    first = (await client.get("/v1/changes", params={"from": start, "to": end, "limit": 1})).json()
    assert first["has_more"] is True
    rest = await client.get(
        "/v1/changes", params={"from": start, "to": end, "since": first["next_cursor"]}
    )
    assert [i["action"] for i in rest.json()["items"]] == ["updated"]
    # The comparison is itself an answer at a version: pinned, it is the same.
    pinned = await client.get(compared.links["cite-as"]["url"])
    assert pinned.content == compared.content


async def test_a_curated_correction_shows_the_fact_before_and_after(served: Any) -> None:
    client, app = served
    start = int((await client.get("/v1/meta")).headers["migov-data-version"])
    shipped = dataset_read.read_dataset()
    forum = shipped.forums[0]
    revised = forum.model_copy(update={"description": f"{forum.description} Corrected."})
    changed = shipped.model_copy(update={"forums": [revised, *shipped.forums[1:]]})
    async with AsyncSession(app.state.engine, expire_on_commit=False) as session:
        report = await dataset_service.load_dataset(session, changed)
        await session.commit()
    assert report.changes == 1
    answer = (await client.get("/v1/changes", params={"from": start})).json()
    [item] = answer["items"]
    assert (item["entity"], item["entity_id"], item["origin"]) == ("forum", forum.code, "curated")
    [row] = item["rows"]
    assert row["before"]["description"] == forum.description
    assert row["after"]["description"] == f"{forum.description} Corrected."
    changed_columns = {k for k in row["before"] if row["before"][k] != row["after"][k]}
    assert changed_columns == {"description", "updated_at"}


async def _snapshots_on_disk(app: Any) -> set[int]:
    snapshots: history.Snapshots = app.state.snapshots
    if snapshots.postgresql:
        async with app.state.engine.connect() as connection:
            names = (
                await connection.execute(
                    text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'migov_v%'")
                )
            ).scalars()
            return {int(name.removeprefix(history.SNAPSHOT_PREFIX)) for name in names}
    folder = snapshots._file(1).parent
    return {int(path.stem[1:]) for path in folder.glob("v*.sqlite")}


async def test_snapshots_are_bounded_and_a_dropped_one_is_built_again(
    live_database_url: str,
) -> None:
    app = create_app(app_settings(live_database_url, history_snapshots=2))
    async with client_for(app) as client:
        auth = await _key(app, "bounded")
        first = int((await client.get("/v1/meta")).headers["migov-data-version"])
        recorded = {first: (await client.get("/v1/pledges")).content}
        for serial in range(3):
            made = await client.post(
                "/v1/pledges", json=pledge_body(external_ref=f"bounded-{serial}"), headers=auth
            )
            assert made.status_code == 201, made.text
            version = int(made.headers["migov-data-version"])
            recorded[version] = (await client.get("/v1/pledges")).content
        for version, body in recorded.items():
            assert (await client.get(f"/v1/pledges?version={version}")).content == body
            assert len(await _snapshots_on_disk(app)) <= 2
        # What another process dropped (or this one, past the bound) is built again, the
        # same, never read as an empty database.
        oldest = min(recorded)
        assert oldest not in await _snapshots_on_disk(app)
        # (By the header, not the parameter: the response cache keeps the earlier answer.)
        again = await client.get("/v1/pledges", headers={"Migov-Data-Version": str(oldest)})
        assert again.content == recorded[oldest]
        assert oldest in await _snapshots_on_disk(app)


async def test_a_graphql_get_links_itself_pinned_and_a_post_names_its_version(
    served: Any,
) -> None:
    client, app = served
    auth = await _key(app, "graphql reader")
    document = "{ pledges(first: 5) { totalCount } }"
    before = await client.get("/graphql", params={"query": document})
    assert before.status_code == 200, before.text
    cited = before.links["cite-as"]["url"]
    assert cited.endswith(f"version={before.headers['migov-data-version']}")
    made = await client.post("/v1/pledges", json=pledge_body(external_ref="gql-1"), headers=auth)
    assert made.status_code == 201
    now = await client.get("/graphql", params={"query": document})
    assert now.json() != before.json()  # the new pledge counts now...
    assert (await client.get(cited)).content == before.content  # ...not at the cited version
    posted = await client.post(
        "/graphql",
        json={"query": document},
        headers={"Migov-Data-Version": before.headers["migov-data-version"]},
    )
    assert posted.json() == before.json()
    assert posted.headers["migov-data-version"] == before.headers["migov-data-version"]


async def test_an_old_version_downloads_the_bytes_it_had_while_current(
    live_database_url: str, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    app = create_app(app_settings(live_database_url, export_dir=str(exports)))
    async with client_for(app) as client:
        auth = await _key(app, "downloads")
        version = int((await client.get("/v1/meta")).headers["migov-data-version"])
        while_current = {
            kind: (await client.get(f"/v1/download/migov-{version}.{kind}")).content
            for kind in ("zip", "sqlite")
        }
        made = await client.post("/v1/pledges", json=pledge_body(external_ref="dl"), headers=auth)
        assert made.status_code == 201
        for kept in exports.iterdir():
            kept.unlink()  # as the storage bound would: the old files are built again
        for kind, body in while_current.items():
            again = await client.get(f"/v1/download/migov-{version}.{kind}")
            assert again.status_code == 200, again.text
            assert again.content == body, kind
        newer = await client.get(f"/v1/download/migov-{version + 1}.zip")
        assert newer.status_code == 200
        assert newer.content != while_current["zip"]
        unpacked = tmp_path / "package"
        with zipfile.ZipFile(io.BytesIO(while_current["zip"])) as zipped:
            zipped.extractall(unpacked)
        report = Package(str(unpacked / "datapackage.json")).validate()
        assert report.valid, report.flatten(["type", "note", "resourceName", "rowNumber"])[:10]


async def test_a_version_that_only_moved_the_curated_day_stays_readable(
    served: Any,
) -> None:
    client, app = served
    shipped = dataset_read.read_dataset()
    assert shipped.updated is not None
    moved = shipped.model_copy(update={"updated": shipped.updated - dt.timedelta(days=1)})
    async with AsyncSession(app.state.engine, expire_on_commit=False) as session:
        report = await dataset_service.load_dataset(session, moved)
        await session.commit()
        assert report.changes == 0  # no row changed: only the day
        while_current = await change_service.current_version(session)
    meta = await client.get("/v1/meta")
    assert int(meta.headers["migov-data-version"]) == while_current.version
    async with AsyncSession(app.state.engine, expire_on_commit=False) as session:
        await dataset_service.load_dataset(session, shipped)
        await session.commit()
        assert await change_service.version_at(session, while_current.version) == while_current
    pinned = await client.get(f"/v1/meta?version={while_current.version}")
    assert pinned.content == meta.content


async def test_one_pledge_names_its_version_with_the_cache_off_too(
    live_database_url: str,
) -> None:
    """Without the cache to say the version, the pledge's read says it (same statement)."""
    app = create_app(app_settings(live_database_url, cache=False))
    async with client_for(app) as client:
        auth = await _key(app, "uncached")
        made = await client.post("/v1/pledges", json=pledge_body(external_ref="nc"), headers=auth)
        assert made.status_code == 201
        one = await client.get(made.headers["location"])
        assert one.headers["migov-data-version"] == made.headers["migov-data-version"]
        assert one.links["cite-as"]["url"].endswith(
            f"?version={made.headers['migov-data-version']}"
        )
        pinned = await client.get(one.links["cite-as"]["url"])
        assert pinned.content == one.content
