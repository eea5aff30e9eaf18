"""A cached answer is the answer: for every GET route of the OpenAPI document and for
GraphQL, the hit equals the miss in status, body and headers (less the per-request
ones), and a hit refuses exactly what a miss refuses.

The app runs as production does: the response cache on (its default), CORS for one
partner origin. Each case asks on a host of its own, so its first request is a miss
(the key names the host) and its second one must be a hit, which the cache's own
counter confirms for every answer the cache may keep.
"""

from __future__ import annotations

import itertools
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.http.cache import NOT_CACHED_PATHS
from app.telemetry.metrics import CACHE_LOOKUPS
from tests.conftest import build_app, client_for

PARTNER = "https://partner.example"
# Headers that belong to one exchange, not to the answer (app.http.cache.PER_REQUEST_HEADERS):
# the request id, and the client's rate budget, which every request spends.
PER_REQUEST = {"x-request-id", "date", "server", "ratelimit"}
# Where a path template's parameter comes from: a list to take the first item's id of.
SAMPLE_SOURCES = {
    "code": ("/v1/forums", "code"),
    "actor_id": ("/v1/actors", "id"),
    "event_id": ("/v1/events", "id"),
    "pledge_id": ("/v1/pledges", "id"),
    "source_id": ("/v1/sources", "id"),
    "dispute_id": ("/v1/disputes", "id"),
    "programme_id": ("/v1/programmes", "id"),
    "record_id": ("/v1/money-records", "id"),
    "participation_id": ("/v1/participations", "id"),
}
GRAPHQL_QUERY = (
    "{ forums(first: 20) { totalCount edges { node { code name } } } "
    'forum(code: "RCM") { code name } }'
)
_hosts = itertools.count()


@pytest.fixture
async def client(settings: Settings, session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    production = settings.model_copy(update={"cache": True, "cors_origins": [PARTNER]})
    async with client_for(build_app(production, session)) as client:
        yield client


def _host(case: str) -> str:
    return f"{case}-{next(_hosts)}.example"


def _hits() -> float:
    return float(CACHE_LOOKUPS.labels("hit")._value.get())


def _shape(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = sorted(
        (name.lower(), value)
        for name, value in response.headers.multi_items()
        if name.lower() not in PER_REQUEST
    )
    return response.status_code, response.content, headers


async def _get_paths(client: httpx.AsyncClient) -> list[str]:
    """Every GET path of the OpenAPI document, its parameters filled from the data."""
    document = (await client.get("/openapi.json")).json()
    samples: dict[str, str] = {}
    for name, (listing, field) in SAMPLE_SOURCES.items():
        items = (await client.get(listing)).json()["items"]
        assert items, listing
        samples[name] = str(items[0][field])
    download = (await client.get("/v1/download")).json()
    samples["name"] = download["files"][0]["name"]
    # Built now, so that every request below is served the same file (the first request
    # for a version builds it as a stream, with other headers than the file has).
    built = await client.get(f"/v1/download/{samples['name']}")
    assert built.status_code == 200
    paths = []
    for template, operations in document["paths"].items():
        if "get" not in operations:
            continue
        names = [p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "path"]
        missing = set(names) - samples.keys()
        assert not missing, f"{template}: no sample for {missing}; add one to SAMPLE_SOURCES"
        paths.append(template.format(**{name: samples[name] for name in names}))
    assert len(paths) >= 30
    return paths


async def _miss_then_hit(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    *,
    conditional: bool = False,
    **kwargs: Any,
) -> None:
    """The same request as a miss and as a hit. A conditional request is answered from
    the entry its plain form stored, so that entry is made first (on the hit's host)."""
    miss_host = hit_host = _host("case")
    if conditional:
        hit_host = _host("stored")
        await client.request(method, url, headers={"Host": hit_host}, **kwargs)
    before = _hits()
    miss = await client.request(method, url, headers={**headers, "Host": miss_host}, **kwargs)
    assert _hits() == before, f"{url}: the first request on a new host was a hit"
    hit = await client.request(method, url, headers={**headers, "Host": hit_host}, **kwargs)
    if miss.status_code in (200, 304) and _cacheable(url):
        assert _hits() == before + 1, f"{url} {headers}: the second request was not a hit"
    assert _shape(hit) == _shape(miss), f"{method} {url} {headers}"


def _cacheable(url: str) -> bool:
    path = urllib.parse.urlsplit(url).path
    return (path.startswith("/v1/") and not path.startswith(NOT_CACHED_PATHS)) or (
        path == "/graphql"
    )


async def _validators(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    plain = await client.get(url, headers={"Host": _host("validators")})
    return {
        "etag": plain.headers.get("etag", ""),
        "modified": plain.headers.get("last-modified", ""),
    }


CASES = {
    "plain": {},
    "cross-origin": {"Origin": PARTNER},
    "spanish": {"Accept-Language": "es"},
    "spanish-fallback": {"Accept-Language": "fr, es;q=0.5"},
    "csv": {"Accept": "text/csv"},
}


async def test_every_get_route_answers_the_same_from_the_cache(
    client: httpx.AsyncClient,
) -> None:
    for url in await _get_paths(client):
        for headers in CASES.values():
            await _miss_then_hit(client, "GET", url, headers)
        validators = await _validators(client, url)
        conditions = []
        if validators["etag"]:
            conditions.append({"If-None-Match": validators["etag"]})
        if validators["modified"]:
            conditions.append({"If-Modified-Since": validators["modified"]})
            conditions.append({"If-Modified-Since": validators["modified"], "Origin": PARTNER})
        for condition in conditions:
            await _miss_then_hit(client, "GET", url, condition, conditional=True)


async def test_graphql_answers_the_same_from_the_cache(client: httpx.AsyncClient) -> None:
    encoded = urllib.parse.urlencode({"query": GRAPHQL_QUERY})
    for headers in CASES.values():
        await _miss_then_hit(client, "POST", "/graphql", headers, json={"query": GRAPHQL_QUERY})
        await _miss_then_hit(client, "GET", f"/graphql?{encoded}", headers)


async def test_cached_answers_keep_the_headers_the_api_promises(
    client: httpx.AsyncClient,
) -> None:
    host = _host("promises")
    asked = {"Host": host, "Origin": PARTNER, "Accept-Language": "fr, es;q=0.5"}
    for _ in range(2):
        response = await client.get("/v1/forums/RCM", headers=asked)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == PARTNER
        assert response.headers["language-fallback"] == "en"
        assert response.headers["content-language"].startswith("es")
        vary = {each.strip() for each in response.headers["vary"].split(",")}
        assert {"Accept", "Accept-Language", "Origin"} <= vary
    compressed = await client.get("/v1/pledges", headers={"Host": host, "Accept-Encoding": "gzip"})
    again = await client.get("/v1/pledges", headers={"Host": host, "Accept-Encoding": "gzip"})
    plain = await client.get("/v1/pledges", headers={"Host": host, "Accept-Encoding": "identity"})
    assert compressed.headers["content-encoding"] == again.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert compressed.content == again.content == plain.content  # httpx decodes gzip


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("malformed header", {"headers": {"Migov-Min-Version": "fie*lM"}}),
        ("negative header", {"headers": {"Migov-Min-Version": "-1"}}),
        ("unknown parameter", {"params": {"zz_unknown": "1"}}),
    ],
)
async def test_a_hit_refuses_what_a_miss_refuses(
    client: httpx.AsyncClient, name: str, refused: dict[str, Any]
) -> None:
    refusals = 0
    for url in await _get_paths(client):
        extra_headers = refused.get("headers", {})
        params = refused.get("params", {})
        host = _host("refused")
        fresh = await client.get(url, headers={**extra_headers, "Host": host}, params=params)
        for _ in range(2):  # the plain request's answer is now stored
            await client.get(url, headers={"Host": host})
        after = await client.get(url, headers={**extra_headers, "Host": host}, params=params)
        assert _shape(after)[:2] == _shape(fresh)[:2], f"{name}: {url}"
        refusals += after.status_code == 400
    # Not vacuous: the routes that read the header or check their parameters (all the
    # collections and items under /v1) refused it, from the cache as without it.
    assert refusals >= 25
