"""Every answer is the same whichever engine serves it.

The curated data is loaded into PostgreSQL and into SQLite, the same submissions
(amounts with cents, joint pledgers, partial dates, no date, no amount, objectives,
an update and a batch) are made through each app, and then every GET below is asked
of both, with the response cache on as in production: lists walked page by page,
summaries under each grouping and filter, each record's own page, the CSV exports and
GraphQL. Only what each database stamps for itself may differ (the time of a write,
the prefix of the key that made it). SQLite summed money as doubles and put unknown
summary groups first where PostgreSQL put them last; both were found this way, and
this test fails on each.

It runs in the suite's PostgreSQL pass, beside a SQLite database of its own.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.migrations import upgrade
from app.main import create_app
from tests.app_settings import app_settings
from tests.conftest import _load_curated, client_for, setup_engine
from tests.factories import Key, make_api_key

# What each database stamps for itself: when a write happened.
STAMPED = frozenset(
    {
        "at",
        "changed_at",
        "created_at",
        "updated_at",
        "data_changed_at",
        "last_changed_at",
        "last_api_write_at",
    }
)
FORUMS = ["MIRPS", "MIRPS-SP", "RCM", "SICA", "CIREFCA"]
ACTORS = ["CAN", "MEX", "USA", "GTM", "CRI", "ESP", "CHE", "PAN"]
MONEY = [("USD", "1500000.00"), ("EUR", "250000.50"), ("CAD", "99.99"), ("XOF", "5000000")]
DATES = ["2019", "2019-06", "2019-06-30", "2021-02-28", "2022-12", "2024-01-15", None]
LARGE = ["9999999999999.99", "9999999999999.98", "1234567890123.45", "8888888888888.87"]
GROUPINGS = ["forum", "year", "currency", "pledger", "kind,year", "forum,currency", "status"]


def _submissions() -> list[dict[str, Any]]:
    rng = random.Random(26)
    bodies = []
    for index in range(40):
        body: dict[str, Any] = {
            "pledgers": rng.sample(ACTORS, rng.randint(1, 3)),
            "forum": rng.choice(FORUMS),
            "title": f"Parity pledge {index}: ñandú",
            "external_ref": f"parity-{index}",
        }
        if index % 4:
            body["kind"] = "financial"
            body["currency"], body["amount"] = rng.choice(MONEY)
            if index < 20:
                # Amounts whose sum a double misses by cents (tests/api/test_exact_sums.py).
                body["currency"], body["amount"] = "XOF", LARGE[index % len(LARGE)]
        else:
            body["kind"] = rng.choice(["material", "technical", "policy_legal"])
        if (date := rng.choice(DATES)) is not None:
            body["announced_on"] = date
        if index % 3 == 0:
            body["gcm_objectives"] = rng.sample(range(1, 24), 2)
        bodies.append(body)
    return bodies


async def _write(client: httpx.AsyncClient, key: Key) -> list[int]:
    ids = []
    for body in _submissions():
        response = await client.post("/v1/pledges", json=body, headers=key.headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    batch = await client.post(
        "/v1/pledges/batch",
        json={
            "pledges": [
                {"pledgers": ["CAN"], "forum": "RCM", "kind": "material", "title": f"Batch {i}"}
                for i in range(3)
            ]
        },
        headers=key.headers,
    )
    assert batch.status_code == 200, batch.text
    current = await client.get(f"/v1/pledges/{ids[1]}")
    update = await client.patch(
        f"/v1/pledges/{ids[1]}",
        json={"status": "in_progress", "progress_note": "First tranche."},
        headers={**key.headers, "If-Match": current.headers["etag"]},
    )
    assert update.status_code == 200, update.text
    return ids


def _paths(ids: list[int], forums: list[str], events: list[str]) -> Iterator[str]:
    for name in (
        "forums",
        "actors",
        "participations",
        "funding-shares",
        "events",
        "pledges",
        "sources",
        "disputes",
        "programmes",
        "money-records",
        "governance-changes",
        "participant-counts",
    ):
        yield f"/v1/{name}?limit=100"
        yield f"/v1/{name}?format=csv&all=true"
    yield "/v1/actors?limit=100&lang=es"
    for sort in ("amount", "-amount", "announced_on", "-announced_on", "title"):
        yield f"/v1/pledges?limit=100&sort={sort}"
    for grouping in GROUPINGS:
        for narrowing in ("", "&curated=false", "&announced_from=2019&announced_to=2021"):
            yield f"/v1/pledges/summary?group_by={grouping}{narrowing}"
    yield "/v1/events/summary?group_by=forum"
    yield "/v1/events/summary?group_by=year"
    yield "/v1/money-records/summary"
    yield "/v1/meta"
    yield "/v1/changes?limit=500"
    for as_of in ("2000-05-01", "2019-06-30"):
        yield f"/v1/participations?limit=100&as_of={as_of}"
        yield f"/v1/forums/RCM/participants?limit=100&as_of={as_of}"
    for query in ("mexico", "México", "Costa"):
        yield f"/v1/actors?limit=100&q={query}"
    for forum in forums:
        yield f"/v1/forums/{forum}"
        yield f"/v1/forums/{forum}/participants?limit=100"
    for event in events:
        yield f"/v1/events/{event}"
    for pledge in ids:
        yield f"/v1/pledges/{pledge}"
        yield f"/v1/pledges/{pledge}/history"


GRAPHQL = [
    "{ pledgeSummary(groupBy: [YEAR, CURRENCY]) { group { year currency } count"
    " amounts { currency amount amountSubmitted } amountUsd countWithoutUsd } }",
    "{ pledgeSummary(groupBy: [PLEDGER]) { group { pledger } count amountUsd } }",
    "{ pledges(first: 200) { totalCount edges { node { id title amount currency amountUsd"
    " announcedOn forum { code } pledgers { id } } } } }",
    "{ moneyRecordSummary { forumCode kind currency count total totalCurrencyAssumed } }",
]


def _stamps_removed(value: Any, prefix: str, other_prefix: str) -> Any:
    if isinstance(value, dict):
        return {
            k: _stamps_removed(v, prefix, other_prefix)
            for k, v in value.items()
            if k not in STAMPED
        }
    if isinstance(value, list | tuple):
        return [_stamps_removed(v, prefix, other_prefix) for v in value]
    if isinstance(value, str):
        return value.replace(other_prefix, prefix)
    return value


async def _answer(client: httpx.AsyncClient, path: str) -> Any:
    """The answer to ``path``: a JSON list walked to its end, page by page (the change
    feed, which gives a cursor on its last page too, says ``has_more``)."""
    response = await client.get(path)
    if "json" not in response.headers.get("content-type", ""):
        return response.status_code, response.text
    body = response.json()
    pages = [body]
    while response.status_code == 200 and body.get("next_cursor") and body.get("has_more", True):
        resume = "since" if "has_more" in body else "cursor"
        response = await client.get(path, params={resume: body["next_cursor"]})
        body = response.json()
        pages.append(body)
    return response.status_code, pages


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'parity.db'}"
    upgrade(url)
    asyncio.run(_load_curated(url))
    return url


async def _key(url: str) -> Key:
    engine = setup_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            return await make_api_key(session, name="parity")
    finally:
        await engine.dispose()


async def test_every_answer_is_the_same_on_both_engines(
    database_url: str, live_database_url: str, sqlite_url: str
) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("runs in the PostgreSQL pass, against a SQLite database beside it")
    keys = [await _key(live_database_url), await _key(sqlite_url)]
    postgresql_app = create_app(app_settings(live_database_url))
    sqlite_app = create_app(app_settings(sqlite_url))
    async with client_for(postgresql_app) as postgresql, client_for(sqlite_app) as sqlite:
        ids = await _write(postgresql, keys[0])
        assert await _write(sqlite, keys[1]) == ids
        forums = [f["code"] for f in (await postgresql.get("/v1/forums?limit=100")).json()["items"]]
        events = [e["id"] for e in (await postgresql.get("/v1/events?limit=100")).json()["items"]]
        differences = []
        asked = 0
        for path in _paths(ids, forums, events):
            answers = [await _answer(postgresql, path), await _answer(sqlite, path)]
            asked += 1
            if _stamps_removed(answers[0], keys[0].prefix, keys[1].prefix) != _stamps_removed(
                answers[1], keys[0].prefix, keys[1].prefix
            ):
                differences.append(path)
        for query in GRAPHQL:
            answers = [
                (await client.post("/graphql", json={"query": query})).json()
                for client in (postgresql, sqlite)
            ]
            asked += 1
            assert "errors" not in answers[0], answers[0]
            if answers[0] != answers[1]:
                differences.append(json.dumps(query))
    assert asked > 150
    assert differences == []
