"""What operators and clients get around every answer: metrics, gzip, rate-limit headers.

All through the real HTTP stack (``create_app`` in an ASGI client). Metrics are
process-wide counters, so each test compares a scrape before and after.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.main import create_app
from app.services import changes as change_service
from tests.app_settings import app_settings
from tests.conftest import build_app, client_for
from tests.factories import Key, make_api_key, pledge_body

Labels = tuple[tuple[str, str], ...]


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, Labels], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests_of(scraped: dict[tuple[str, Labels], float], route: str, status: str) -> float:
    labels = (("method", "GET"), ("route", route), ("status", status))
    return scraped.get(("migov_http_requests_total", labels), 0.0)


# --- metrics ----------------------------------------------------------------------------------


async def test_requests_are_counted_and_timed_by_route_template_and_status(
    client: httpx.AsyncClient,
) -> None:
    before = await scrape(client)
    for code in ("MIRPS", "RCM"):
        assert (await client.get(f"/v1/forums/{code}")).status_code == 200
    assert (await client.get("/v1/forums/NO-SUCH-FORUM")).status_code == 404
    assert (await client.get("/v1/no/such/path/4711")).status_code == 404
    after = await scrape(client)

    route = "/v1/forums/{code}"
    assert requests_of(after, route, "200") - requests_of(before, route, "200") == 2
    assert requests_of(after, route, "404") - requests_of(before, route, "404") == 1
    assert requests_of(after, "<unmatched>", "404") - requests_of(before, "<unmatched>", "404") == 1
    histogram = (("method", "GET"), ("route", route), ("status", "200"))
    count = ("migov_http_request_duration_seconds_count", histogram)
    assert after[count] - before.get(count, 0.0) == 2
    total = ("migov_http_request_duration_seconds_sum", histogram)
    assert after[total] > before.get(total, 0.0)
    # Ids and unknown paths never become labels.
    labels = {value for (_name, labels), _ in after.items() for _key, value in labels}
    assert not any("4711" in value or "NO-SUCH-FORUM" in value for value in labels)
    assert not any(value.startswith("/v1/forums/MIRPS") for value in labels)


async def test_graphql_static_files_and_converters_get_their_templates(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    key = await make_api_key(session, name="metrics")
    pledge = await client.post("/v1/pledges", json=pledge_body(), headers=key.headers)
    assert pledge.status_code == 201, pledge.text
    before = await scrape(client)
    graphql = await client.post("/graphql", json={"query": "{ forums { totalCount } }"})
    static = await client.get("/static/js/messages.js")
    read = await client.get(f"/v1/pledges/{pledge.json()['id']}")
    page = await client.get("/dashboard/forums/RCM")
    after = await scrape(client)

    assert (graphql.status_code, static.status_code, read.status_code) == (200, 200, 200)
    assert page.status_code == 200

    def counted(method: str, route: str) -> float:
        labels = (("method", method), ("route", route), ("status", "200"))
        key = ("migov_http_requests_total", labels)
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert counted("POST", "/graphql") == 1
    assert counted("GET", "/static/{path}") == 1
    assert counted("GET", "/v1/pledges/{pledge_id}") == 1
    assert counted("GET", "/dashboard/forums/{code}") == 1
    routes = {
        value for (_name, labels), _ in after.items() for key, value in labels if key == "route"
    }
    assert "" not in routes
    assert not any(":" in route for route in routes)
    assert counted("GET", "<unmatched>") == 0


async def test_the_data_version_is_exported(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    scraped = await scrape(client)
    version = await change_service.current_version(session)
    assert scraped[("migov_data_version", ())] == version.version


@pytest.fixture
async def live_client(live_database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An app on its own committed database (no test-session override), response cache on."""
    settings = app_settings(live_database_url, cache=True)
    async with client_for(create_app(settings)) as client:
        yield client


async def test_pool_use_and_cache_hits_are_exported(live_client: httpx.AsyncClient) -> None:
    before = await scrape(live_client)
    first = await live_client.get("/v1/forums")
    second = await live_client.get("/v1/forums")
    after = await scrape(live_client)

    assert first.status_code == second.status_code == 200
    assert first.content == second.content

    def lookups(scraped: dict[tuple[str, Labels], float], result: str) -> float:
        return scraped.get(("migov_cache_lookups_total", (("result", result),)), 0.0)

    assert lookups(after, "miss") - lookups(before, "miss") == 1
    assert lookups(after, "hit") - lookups(before, "hit") == 1
    # The scrape itself holds one pooled connection (it reads the data version).
    assert after[("migov_db_pool_checked_out", ())] == 1
    defaults = Settings(_env_file=None)
    capacity = defaults.db_pool_size + defaults.db_pool_max_overflow
    assert after[("migov_db_pool_capacity", ())] == capacity
    # A cached answer counts under its route template like any other.
    assert requests_of(after, "/v1/forums", "200") - requests_of(before, "/v1/forums", "200") == 2


async def test_metrics_can_be_switched_off(settings: Settings, session: AsyncSession) -> None:
    off = build_app(settings.model_copy(update={"metrics": False}), session)
    async with client_for(off) as client:
        response = await client.get("/metrics")
    assert response.status_code == 404
    assert response.json()["code"] == "route_not_found"


# --- gzip -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "media_type"),
    [("/v1/forums?limit=200", "application/json"), ("/v1/forums?format=csv&limit=200", "text/csv")],
)
async def test_json_and_csv_are_gzipped_for_clients_that_accept_it(
    client: httpx.AsyncClient, path: str, media_type: str
) -> None:
    plain = await client.get(path, headers={"Accept-Encoding": "identity"})
    zipped = await client.get(path, headers={"Accept-Encoding": "gzip"})

    assert plain.status_code == zipped.status_code == 200
    assert zipped.headers["content-type"].startswith(media_type)
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert "accept" in zipped.headers["vary"].lower()  # the app's own Vary is kept
    assert zipped.content == plain.content  # httpx decodes; the same bytes underneath
    assert len(plain.content) > 1000
    assert zipped.num_bytes_downloaded < plain.num_bytes_downloaded / 2
    assert zipped.headers["etag"] == plain.headers["etag"]


async def test_small_answers_are_not_gzipped(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert len(response.content) < 1000
    assert "content-encoding" not in response.headers


# --- rate-limit headers -----------------------------------------------------------------------

POLICY = re.compile(r'"(?P<name>\w+)";q=(?P<q>\d+);w=(?P<w>\d+)')
BUDGET = re.compile(r'"(?P<name>\w+)";r=(?P<r>\d+);t=(?P<t>\d+)')


def budgets(response: httpx.Response) -> dict[str, tuple[int, int, int, int]]:
    """Each policy's (quota, window, remaining, reset), from the RateLimit-Policy and
    RateLimit headers (each a list of policies)."""
    policies = {m["name"]: m for m in POLICY.finditer(response.headers["ratelimit-policy"])}
    left = {m["name"]: m for m in BUDGET.finditer(response.headers["ratelimit"])}
    assert set(policies) == set(left), response.headers
    return {
        name: (int(p["q"]), int(p["w"]), int(left[name]["r"]), int(left[name]["t"]))
        for name, p in policies.items()
    }


def budget(response: httpx.Response) -> tuple[int, int, int, int]:
    """The "writes" policy's (quota, window, remaining, reset)."""
    return budgets(response)["writes"]


async def test_writes_carry_ratelimit_headers_and_a_429_says_when_to_retry(
    settings: Settings, session: AsyncSession
) -> None:
    """A token bucket: no window edge to avoid, so no waiting for one."""
    writer: Key = await make_api_key(session, name="ministry script")
    limited = build_app(settings.model_copy(update={"rate_limit_per_minute": 3}), session)
    async with client_for(limited) as client:
        stored = await client.post("/v1/pledges", json=pledge_body(), headers=writer.headers)
        batch = await client.post(
            "/v1/pledges/batch",
            json={"pledges": [pledge_body(title="Second pledge")]},
            headers=writer.headers,
        )
        refused_body = await client.post(
            "/v1/pledges", json=pledge_body(currency="ZZZ"), headers=writer.headers
        )
        too_many = await client.post("/v1/pledges", json=pledge_body(), headers=writer.headers)
        read = await client.get("/v1/pledges")
        unauthenticated = await client.post("/v1/pledges", json=pledge_body())

    assert (stored.status_code, batch.status_code, refused_body.status_code) == (201, 200, 422)
    quotas = [budget(r)[:3] for r in (stored, batch, refused_body)]
    assert quotas == [(3, 60, 2), (3, 60, 1), (3, 60, 0)]
    assert all(1 <= budget(r)[3] <= 60 for r in (stored, batch, refused_body))
    assert too_many.status_code == 429
    quota, window, remaining, reset = budget(too_many)
    assert (quota, window, remaining) == (3, 60, 0)
    assert 1 <= int(too_many.headers["retry-after"]) <= reset
    # A read, and a write refused before it is counted, have no write budget to show:
    # only the client's own quota of requests.
    for response in (read, unauthenticated):
        assert set(budgets(response)) == {"requests"}


async def test_a_batch_takes_one_write_per_pledge(
    settings: Settings, session: AsyncSession
) -> None:
    writer = await make_api_key(session, name="ministry script")
    limited = build_app(settings.model_copy(update={"rate_limit_per_minute": 10}), session)
    async with client_for(limited) as client:
        seven = await client.post(
            "/v1/pledges/batch",
            json={"pledges": [pledge_body(title=f"Pledge {n}") for n in range(7)]},
            headers=writer.headers,
        )
        four = await client.post(
            "/v1/pledges/batch",
            json={"pledges": [pledge_body(title=f"More {n}") for n in range(4)]},
            headers=writer.headers,
        )
        three = await client.post(
            "/v1/pledges/batch",
            json={"pledges": [pledge_body(title=f"Last {n}") for n in range(3)]},
            headers=writer.headers,
        )
        eleven = await client.post(
            "/v1/pledges/batch",
            json={"pledges": [pledge_body(title=f"Big {n}") for n in range(11)]},
            headers=writer.headers,
        )
    assert seven.status_code == 200, seven.text
    assert budget(seven)[2] == 3
    assert (four.status_code, four.json()["code"]) == (429, "rate_limited")
    assert three.status_code == 200, three.text
    assert budget(three)[2] == 0
    assert (eleven.status_code, eleven.json()["code"]) == (413, "batch_over_quota")
    assert "at most 10" in eleven.json()["detail"]


async def test_no_ratelimit_headers_when_limits_are_off(
    settings: Settings, session: AsyncSession
) -> None:
    writer = await make_api_key(session, name="ministry script")
    unlimited = build_app(
        settings.model_copy(update={"rate_limit_per_minute": 0, "client_rate_limit_per_minute": 0}),
        session,
    )
    async with client_for(unlimited) as client:
        stored = await client.post("/v1/pledges", json=pledge_body(), headers=writer.headers)
    assert stored.status_code == 201
    assert "ratelimit" not in stored.headers


async def test_graphql_mutations_carry_the_same_ratelimit_headers(
    settings: Settings, session: AsyncSession
) -> None:
    from tests.graphql.test_submit_pledge import BRIEF, pledge_input

    writer = await make_api_key(session, name="ministry script")
    limited = build_app(settings.model_copy(update={"rate_limit_per_minute": 5}), session)
    async with client_for(limited) as client:
        mutation = await client.post(
            "/graphql",
            json={"query": BRIEF, "variables": {"input": pledge_input()}},
            headers=writer.headers,
        )
        query = await client.post("/graphql", json={"query": "{ pledge(id: 1) { id } }"})

    assert mutation.status_code == 200
    assert mutation.json()["data"]["submitPledge"]["created"] is True
    assert budget(mutation)[:3] == (5, 60, 4)
    assert mutation.headers["migov-data-version"].isdigit()
    assert set(budgets(query)) == {"requests"}
