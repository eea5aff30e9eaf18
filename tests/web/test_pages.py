"""The front door, /v1 index and the shells of the docs and dashboard pages, over HTTP.

What the pages do in a browser is tested in tests/browser; these check what the server
answers: the right status, the dataset version, and that every script, style and image a
page asks for is served by this app (nothing from another host).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import AsyncSession

from app import __version__
from app.config import Settings
from app.dataset.load import load_dataset
from app.dataset.read import DEFAULT_DATA_DIR, read_dataset
from app.main import create_app
from app.services import changes as change_service
from tests.factories import make_api_key, pledge_body

# The day the curated data last changed, as the shipped data/dataset.yaml gives it.
CURATED_UPDATED = dt.date.fromisoformat(
    yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "data" / "dataset.yaml").read_text(encoding="utf-8")
    )["updated"]
)
VENDOR = Path(__file__).resolve().parents[2] / "app" / "web" / "static" / "vendor"
ASSET = re.compile(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"')
PAGES = [
    "/",
    "/docs",
    "/redoc",
    "/graphql",
    "/dashboard",
    "/dashboard/matrix",
    "/dashboard/forums/RCM",
]


async def test_front_door_shows_the_dataset_version_and_the_ways_in(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    version = await change_service.current_version(session)
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert f'<dd id="dataset-version">{version.version}</dd>' in page
    # "Last change" is the curated dataset's day, not when `migov data load` ran.
    assert f'datetime="{CURATED_UPDATED.isoformat()}"' in page
    assert f'datetime="{version.changed_at.isoformat(timespec="seconds")}"' not in page
    links = set(re.findall(r'<a[^>]* href="([^"]+)"', page))
    assert {
        "/dashboard",
        "/docs",
        "/redoc",
        "/graphql",
        "/v1",
        "/v1/meta",
        "/openapi.json",
        "/v1/pledges?format=csv",
        "/v1/download",
        "https://creativecommons.org/licenses/by/4.0/",
    } <= links
    assert (
        '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in page
    )
    assert "curl -s 'http://test/v1/forums/MIRPS-SP/participants?as_of=2022-01-01" in page


async def _meta(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/v1/meta")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _last_change(page: str) -> tuple[str, str]:
    found = re.search(r'<time id="last-changed" datetime="([^"]*)">([^<]*)</time>', page)
    assert found, page
    return found.group(1), found.group(2)


async def test_last_change_is_when_the_data_changed_and_agrees_with_meta(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """A fresh install loaded the curated data moments ago; the data itself last changed on
    the day data/dataset.yaml gives. A write through the API is later, so it wins."""
    meta = await _meta(client)
    loaded = dt.datetime.fromisoformat(meta["last_changed_at"])
    assert meta["curated_updated"] == CURATED_UPDATED.isoformat()
    assert meta["data_changed_by"] == "curated"
    assert dt.datetime.fromisoformat(meta["data_changed_at"]) == dt.datetime.combine(
        CURATED_UPDATED, dt.time(), tzinfo=dt.UTC
    )
    assert meta["last_api_write_at"] is None
    assert dt.datetime.fromisoformat(meta["data_changed_at"]) < loaded
    day = CURATED_UPDATED.isoformat()
    assert _last_change((await client.get("/")).text) == (day, day)

    key = await make_api_key(session)
    written = await client.post("/v1/pledges", json=pledge_body(), headers=key.headers)
    assert written.status_code == 201, written.text
    meta = await _meta(client)
    assert meta["data_changed_by"] == "api"
    assert meta["data_changed_at"] == meta["last_api_write_at"] == meta["last_changed_at"]
    assert meta["curated_updated"] == day
    at = dt.datetime.fromisoformat(meta["data_changed_at"]).astimezone(dt.UTC)
    assert _last_change((await client.get("/")).text) == (
        at.isoformat(timespec="seconds"),
        at.strftime("%Y-%m-%d %H:%M UTC"),
    )


async def test_the_curated_day_is_the_one_last_loaded_and_a_moved_day_is_a_new_version(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """The day comes from the database the answers come from (stored by the load), not
    from a folder beside the server; a reload that only moves the day still makes a new
    version, so the cached /v1/meta and front door cannot go on showing the old day."""
    before = await _meta(client)
    assert before["curated_updated"] == CURATED_UPDATED.isoformat()
    dataset = read_dataset(DEFAULT_DATA_DIR)
    report = await load_dataset(
        session, dataset.model_copy(update={"updated": dt.date(2020, 1, 2)})
    )
    await session.commit()
    assert report.changes == 0
    meta = await _meta(client)
    assert meta["dataset_version"] == before["dataset_version"] + 1
    assert meta["curated_updated"] == "2020-01-02"
    assert meta["data_changed_at"].startswith("2020-01-02T00:00:00")
    assert _last_change((await client.get("/")).text) == ("2020-01-02", "2020-01-02")
    # Loading the same again changes nothing, the version included.
    await load_dataset(session, dataset.model_copy(update={"updated": dt.date(2020, 1, 2)}))
    await session.commit()
    assert (await _meta(client))["dataset_version"] == meta["dataset_version"]


async def test_front_door_still_leads_somewhere_with_the_database_down(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "db.sqlite"
    application = create_app(Settings(database_url=f"sqlite+aiosqlite:///{missing}"))
    async with (
        LifespanManager(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://t"
        ) as client,
    ):
        response = await client.get("/")
    assert response.status_code == 503
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<dd id="dataset-version">?</dd>' in response.text
    assert "the database does not answer right now" in response.text
    assert '<a class="door" href="/docs">' in response.text


async def test_v1_index_lists_every_resource(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1")
    assert response.status_code == 200
    body = response.json()
    resources = body.pop("resources")
    assert body == {
        "name": "migov",
        "version": __version__,
        "links": {
            "graphql": "/graphql",
            "openapi": "/openapi.json",
            "docs": "/docs",
            "redoc": "/redoc",
            "dashboard": "/dashboard",
            "home": "/",
        },
    }
    assert [r["href"] for r in resources] == [
        "/v1/forums",
        "/v1/forums/{code}/participants",
        "/v1/actors",
        "/v1/participations",
        "/v1/funding-shares",
        "/v1/events",
        "/v1/events/summary",
        "/v1/pledges",
        "/v1/pledges/summary",
        "/v1/pledges/{pledge_id}/history",
        "/v1/sources",
        "/v1/meta",
        "/v1/changes",
        "/v1/audit",
        "/v1/disputes",
        "/v1/programmes",
        "/v1/money-records",
        "/v1/money-records/summary",
        "/v1/governance-changes",
        "/v1/participant-counts",
        "/v1/download",
        "/v1/cite",
    ]
    # Each listed collection answers (the participants path needs a code, a pledge's
    # history a submitted pledge, the audit log an admin key: each names what it needs).
    for resource in resources:
        href = resource["href"].replace("{code}", "RCM").replace("{pledge_id}", "1")
        status = (await client.get(href)).status_code
        assert status == (401 if href == "/v1/audit" else 200), href


async def test_v1_index_refuses_unknown_parameters(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1?nope=1")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", PAGES)
async def test_pages_load_everything_from_this_server(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assets = ASSET.findall(response.text)
    assert assets, "a page with no script or style"
    for asset in assets:
        assert asset.startswith("/"), f"{path} loads {asset} from elsewhere"
        assert (await client.get(asset)).status_code == 200, asset
    # Scripts live in files, so a Content-Security-Policy without 'unsafe-inline' holds.
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text) is None
    assert "<style" not in response.text
    assert " style=" not in response.text


async def test_graphql_still_answers_queries_beside_its_ide(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert "/static/vendor/graphiql-3.9.0/graphiql.min.js" in page.text
    answer = await client.post("/graphql", json={"query": '{ forum(code: "RCM") { code } }'})
    assert answer.json() == {"data": {"forum": {"code": "RCM"}}}


async def test_unknown_forum_page_is_404_with_a_way_back(client: httpx.AsyncClient) -> None:
    response = await client.get("/dashboard/forums/NOPE<b>")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert 'data-view="not-found" data-forum="NOPE&lt;b&gt;"' in response.text
    assert '<a href="/dashboard"' in response.text


def test_each_vendored_library_keeps_its_licence() -> None:
    folders = sorted(p for p in VENDOR.iterdir() if p.is_dir())
    assert [p.name for p in folders] == [
        "chart.js-4.6.1",
        "graphiql-3.9.0",
        "react-18.3.1",
        "react-dom-18.3.1",
        "redoc-2.5.4",
        "swagger-ui-dist-5.35.0",
    ]
    for folder in folders:
        assert list(folder.glob("LICENSE*")), f"{folder.name} has no licence"
        for script in folder.glob("*.js"):
            assert "cdn.redoc.ly" not in script.read_text(encoding="utf-8"), script


def _shell(page: str) -> dict[str, str]:
    """The dashboard shell's data attributes: the view, the forum, the pinned version."""
    found = re.search(
        r'<div id="dashboard" data-view="([^"]*)" data-forum="([^"]*)" data-version="([^"]*)">',
        page,
    )
    assert found, page
    return dict(zip(("view", "forum", "version"), found.groups(), strict=True))


@pytest.mark.parametrize(
    ("path", "view", "forum"),
    [
        ("/dashboard", "overview", ""),
        ("/dashboard/matrix?as_of=2022-01-01", "matrix", ""),
        ("/dashboard/forums/RCM", "forum", "RCM"),
    ],
)
async def test_a_dashboard_page_may_pin_a_data_version(
    client: httpx.AsyncClient, session: AsyncSession, path: str, view: str, forum: str
) -> None:
    """The page hands a version it can read to its script; without one, none."""
    version = (await change_service.current_version(session)).version
    current = await client.get(path)
    pinned = await client.get(f"{path}{'&' if '?' in path else '?'}version={version}")

    assert current.status_code == pinned.status_code == 200
    assert _shell(current.text) == {"view": view, "forum": forum, "version": ""}
    assert _shell(pinned.text) == {"view": view, "forum": forum, "version": str(version)}
    # Leading zeros name the same version; the script is given its plain number.
    padded = await client.get(f"/dashboard?version=000{version}")
    assert _shell(padded.text)["version"] == str(version)


async def test_an_unknown_forum_at_a_pinned_version_is_still_a_404(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    version = (await change_service.current_version(session)).version
    response = await client.get(f"/dashboard/forums/NOPE?version={version}")
    assert response.status_code == 404
    assert _shell(response.text) == {"view": "not-found", "forum": "NOPE", "version": str(version)}


def _refusal(page: str) -> tuple[str, str, str]:
    """What a refused page says: the version asked for, the detail, the way to current data."""
    asked = re.search(r'<code id="asked-version">([^<]*)</code>', page)
    detail = re.search(r'<p class="error" id="refusal-detail" lang="en">([^<]*)</p>', page)
    current = re.search(r'<a class="button" id="current-data" href="([^"]*)"', page)
    assert asked, page
    assert detail, page
    assert current, page
    return html.unescape(asked[1]), html.unescape(detail[1]), html.unescape(current[1])


NOT_A_VERSION = (
    "version must be a data version: a whole number from 1, as a pinned link or the "
    "Migov-Data-Version header of an answer gives it."
)


@pytest.mark.parametrize(
    ("query", "asked", "detail"),
    [
        ("version=abc", "abc", NOT_A_VERSION),
        ("version=0", "0", NOT_A_VERSION),
        ("version=-3", "-3", NOT_A_VERSION),
        ("version=2.5", "2.5", NOT_A_VERSION),
        ("version=", "", NOT_A_VERSION),
        ("version=%D9%A3", "\u0663", NOT_A_VERSION),  # ARABIC-INDIC DIGIT THREE
        (f"version={2**63}", str(2**63), NOT_A_VERSION),
        ("version=%3Cb%3E", "<b>", NOT_A_VERSION),
        (
            "version=1&version=2",
            "1, 2",
            "version is given more than once; give one data version.",
        ),
    ],
    ids=[
        "word",
        "zero",
        "negative",
        "fraction",
        "empty",
        "non-ascii",
        "too-big",
        "markup",
        "twice",
    ],
)
@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/dashboard?", "/dashboard"),
        ("/dashboard/matrix?as_of=2022-01-01&", "/dashboard/matrix?as_of=2022-01-01"),
        ("/dashboard/forums/RCM?", "/dashboard/forums/RCM"),
    ],
    ids=["overview", "matrix", "forum"],
)
async def test_a_version_that_is_no_data_version_is_a_400_page(
    client: httpx.AsyncClient, path: str, current: str, query: str, asked: str, detail: str
) -> None:
    response = await client.get(path + query)
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert _refusal(response.text) == (asked, detail, current)
    assert "<b>" not in response.text.split("<main", 1)[1]
    assert 'id="dashboard"' not in response.text  # no script asks for data at it


async def test_a_version_the_service_cannot_read_is_a_400_page_with_the_apis_detail(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Past the current version (or before the oldest kept) the page says what the API
    says of the same version, and leads to the same view of the current data."""
    beyond = (await change_service.current_version(session)).version + 1000
    api = await client.get(f"/v1/meta?version={beyond}")
    assert api.status_code == 400
    assert api.json()["code"] == "unknown_version"
    for path, current in [
        (f"/dashboard?version={beyond}", "/dashboard"),
        (
            f"/dashboard/matrix?version={beyond}&as_of=2022-01-01",
            "/dashboard/matrix?as_of=2022-01-01",
        ),
        (f"/dashboard/forums/RCM?version={beyond}", "/dashboard/forums/RCM"),
    ]:
        response = await client.get(path)
        assert response.status_code == 400, path
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert _refusal(response.text) == (str(beyond), api.json()["detail"], current)
