"""What one client can make the database do, and how often (issue: hostile clients, attack 2).

Thirty aliases of ``pledgeSummary`` were estimated at 300 of 250,000 and ran 8.9 s;
thirty ``pledges(first: 500)`` ran 9.3 s; reads had no rate limit. Now:

* the GraphQL cost counts what the database scans: each aggregation and each
  ``totalCount`` (``app.graphql.limits``), so the thirty summaries are refused before
  any statement runs;
* a request may spend ``db_request_budget`` seconds of database time in all; past
  it, no further statement starts and it answers 503 ``database_budget_spent``;
* every client (its valid API key, else its address) has a token bucket of
  requests, with ``RateLimit`` headers, and 429 past it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.config import Settings
from app.http import ratelimit
from app.http.ratelimit import ClientLimiter
from app.main import create_app
from app.services import api_keys as api_key_service
from tests.app_settings import app_settings
from tests.conftest import QueryCounter, client_for

SUMMARY = (
    "a{n}: pledgeSummary(groupBy: [FORUM, YEAR, KIND, STATUS, PLEDGER, CURRENCY], "
    'filter: {{amountMin: "{n}"}}) {{ group {{ forum year }} count amountUsd }}'
)
THIRTY_SUMMARIES = "{ " + " ".join(SUMMARY.format(n=n) for n in range(30)) + " }"
THIRTY_PAGES = (
    "{ "
    + " ".join(
        f"p{n}: pledges(first: 500) {{ edges {{ node {{ id title }} }} }}" for n in range(30)
    )
    + " }"
)
DASHBOARD = """{ datasetMeta { datasetVersion }
  byForum: pledgeSummary(groupBy: [FORUM]) { group { forum } count amountUsd }
  byYear: pledgeSummary(groupBy: [YEAR]) { group { year } count amountUsd }
  forums(first: 100) { totalCount edges { node { code name } } } }"""


async def test_thirty_aggregations_are_refused_before_they_run(
    client: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    before = count_queries.work
    response = await client.post("/graphql", json={"query": THIRTY_SUMMARIES})
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "query_too_costly"
    assert error["extensions"]["cost"] > error["extensions"]["maxCost"] == 250_000
    assert count_queries.work == before, "a refused document must not touch the database"


async def test_counts_cost_what_they_scan(
    client: httpx.AsyncClient, count_queries: QueryCounter
) -> None:
    counts = "{ " + " ".join(f"c{n}: pledges {{ totalCount }}" for n in range(30)) + " }"
    before = count_queries.work
    body = (await client.post("/graphql", json={"query": counts})).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["query_too_costly"]
    assert count_queries.work == before
    # A dashboard's page (the dataset's version, two summaries, a page with its count)
    # stays well within the limit.
    page = (await client.post("/graphql", json={"query": DASHBOARD})).json()
    assert "errors" not in page, page
    assert len(page["data"]["byForum"]) > 1


def _budgeted(url: str, seconds: float) -> Any:
    return create_app(
        app_settings(url, db_request_budget=seconds, client_rate_limit_per_minute=0, cache=False)
    )


def _statements(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    return seen


async def test_a_request_past_its_database_budget_starts_no_more_statements(
    live_database_url: str,
) -> None:
    """A budget of a microsecond: the first statements run, every later one is refused."""
    app = _budgeted(live_database_url, 0.000001)
    async with client_for(app) as client:
        statements = _statements(app.state.engine)
        rest = await client.get("/v1/pledges")
        assert rest.status_code == 503, rest.text
        assert (rest.json()["code"], rest.headers["retry-after"]) == ("database_budget_spent", "2")
        statements.clear()
        graphql = await client.post("/graphql", json={"query": THIRTY_PAGES})
    assert graphql.status_code == 503
    body = graphql.json()
    assert {e["extensions"]["code"] for e in body["errors"]} == {"database_budget_spent"}
    assert "fewer aliases" in body["errors"][0]["message"]
    # The thirty fields resolve side by side: each may have asked before the first
    # answer spent the budget, but none asked twice.
    assert len([s for s in statements if "FROM pledge" in s]) <= 30


async def test_a_budget_of_seconds_serves_the_same_requests(live_database_url: str) -> None:
    app = _budgeted(live_database_url, 4.0)
    async with client_for(app) as client:
        rest = await client.get("/v1/pledges")
        graphql = await client.post("/graphql", json={"query": THIRTY_PAGES})
    assert rest.status_code == 200
    assert graphql.status_code == 200
    assert "errors" not in graphql.json()


def test_a_client_bucket_refills_steadily_and_forgets_full_buckets() -> None:
    now = [1000.0]
    limiter = ClientLimiter(6, 60, clock=lambda: now[0], max_clients=3)
    taken = [limiter.take("a") for _ in range(7)]
    assert [d.allowed for d in taken] == [True] * 6 + [False]
    assert [d.budget.remaining for d in taken[:6]] == [5, 4, 3, 2, 1, 0]
    assert taken[6].retry_after == 10  # a request every 10 s
    now[0] += 10
    assert limiter.take("a").allowed  # one back after 10 s: no window edge to wait for
    assert not limiter.take("a").allowed
    assert limiter.take("b").allowed  # another client, its own bucket
    now[0] += 1000  # every bucket full again: held clients are forgotten first
    for client in ("c", "d", "e"):
        assert limiter.take(client).allowed
    assert len(limiter) <= 3


@pytest.fixture
def limited(settings: Settings, session: AsyncSession, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An app allowing a client 4 requests a minute, whose limiter's clock stands still:
    the headers' figures are then exact however long each request takes (a first request
    on a loaded machine has taken seconds, and the bucket refilled by as much)."""
    from tests.conftest import build_app

    monkeypatch.setattr(ratelimit, "ClientLimiter", partial(ClientLimiter, clock=lambda: 0.0))
    return build_app(settings.model_copy(update={"client_rate_limit_per_minute": 4}), session)


async def test_a_client_past_its_quota_is_refused_with_retry_after(limited: Any) -> None:
    async with client_for(limited) as client:
        answers = [await client.get("/v1/forums") for _ in range(2)]
        answers.append(await client.post("/graphql", json={"query": "{ forums { totalCount } }"}))
        answers.append(await client.get("/v1/forums/RCM"))
        refused_rest = await client.get("/v1/forums")
        refused_graphql = await client.post("/graphql", json={"query": "{ forums { totalCount } }"})
        health = await client.get("/healthz")
    assert [a.status_code for a in answers] == [200] * 4
    assert [a.headers["ratelimit"] for a in answers] == [
        f'"requests";r={r};t={t}' for r, t in ((3, 15), (2, 30), (1, 45), (0, 60))
    ]
    assert answers[0].headers["ratelimit-policy"] == '"requests";q=4;w=60'
    assert refused_rest.status_code == 429
    assert refused_rest.headers["content-type"] == "application/problem+json"
    assert refused_rest.json()["code"] == "rate_limited"
    assert 1 <= int(refused_rest.headers["retry-after"]) <= 15
    assert refused_rest.headers["ratelimit"].startswith('"requests";r=0;')
    assert refused_graphql.status_code == 429
    [error] = refused_graphql.json()["errors"]
    assert error["extensions"]["code"] == "rate_limited"
    assert 1 <= error["extensions"]["retryAfter"] <= 15
    assert health.status_code == 200  # not counted
    assert "ratelimit" not in health.headers


async def test_clients_are_told_apart_by_address(limited: Any) -> None:
    async with client_for(limited) as first:
        for _ in range(4):
            assert (await first.get("/v1/forums")).status_code == 200
        assert (await first.get("/v1/forums")).status_code == 429
    other = httpx.ASGITransport(app=limited, client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=other, base_url="http://test") as second:
        assert (await second.get("/v1/forums")).status_code == 200


async def test_a_valid_key_has_a_quota_of_its_own(live_database_url: str) -> None:
    """Partners behind one address keep their own quota; a made-up key does not."""
    app = create_app(app_settings(live_database_url, client_rate_limit_per_minute=2, cache=False))
    async with client_for(app) as client:
        engine: AsyncEngine = app.state.engine
        async with AsyncSession(engine, expire_on_commit=False) as session:
            created = await api_key_service.create_api_key(
                session, name="partner", scopes=["pledges:write"], any_pledger=True
            )
            await session.commit()
        keyed = {"Authorization": f"Bearer {created.secret}"}
        forged = {"Authorization": "Bearer migov_0123abcd_" + "x" * 43}
        anonymous = [(await client.get("/v1/forums")).status_code for _ in range(3)]
        made_up = (await client.get("/v1/forums", headers=forged)).status_code
        with_key = [(await client.get("/v1/forums", headers=keyed)).status_code for _ in range(3)]
    assert anonymous == [200, 200, 429]
    assert made_up == 429  # counted against its address
    assert with_key == [200, 200, 429]
