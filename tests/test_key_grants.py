"""Keys bound to the actors they may pledge for (issue: hostile clients, attack 8).

A key made for one ministry could add pledges for Canada or the United States, and
they counted in public totals. Now:

* ``migov keys create --pledger CAN --pledger MEX`` grants those actors;
  ``--any-pledger`` keeps the old power on purpose; neither is refused, saying why;
  keys that existed are migrated to any pledger; ``keys list`` shows each grant.
* POST, each batch item, PATCH and GraphQL's ``submitPledge`` refuse a pledger the
  key was not granted: 403 ``pledger_not_granted``, naming the actor.
* Totals say how much of each figure comes from submitted pledges.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.db.migrations import upgrade
from app.errors import InvalidInput
from app.models import Pledge
from app.models.enums import ApiScope
from app.services import api_keys as api_key_service
from tests.factories import Key, make_api_key, pledge_body
from tests.graphql import gql

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def mexico(session: AsyncSession) -> Key:
    """A ministry's key: it may pledge for Mexico alone."""
    return await make_api_key(session, name="SRE Mexico", pledgers=("MEX",))


async def stored(session: AsyncSession, key: Key) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Pledge).where(Pledge.api_key_id == key.id)
    )
    return int(count or 0)


def assert_not_granted(response: httpx.Response, *fields: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["code"] == "pledger_not_granted"
    assert "USA" in body["detail"]
    assert [e["field"] for e in body["errors"]] == list(fields)
    assert all("may not pledge for USA" in e["detail"] for e in body["errors"])


async def test_a_key_pledges_only_for_its_actors(
    client: httpx.AsyncClient, session: AsyncSession, mexico: Key
) -> None:
    own = await client.post(
        "/v1/pledges", json=pledge_body(pledgers=["MEX"]), headers=mexico.headers
    )
    assert own.status_code == 201, own.text
    other = await client.post(
        "/v1/pledges", json=pledge_body(pledgers=["USA"]), headers=mexico.headers
    )
    assert_not_granted(other, "pledgers.0")
    joint = await client.post(
        "/v1/pledges", json=pledge_body(pledgers=["MEX", "USA"]), headers=mexico.headers
    )
    assert_not_granted(joint, "pledgers.1")
    assert await stored(session, mexico) == 1


async def test_a_batch_refuses_the_ungranted_items_alone(
    client: httpx.AsyncClient, session: AsyncSession, mexico: Key
) -> None:
    items = [
        pledge_body(pledgers=["MEX"], external_ref="m-1"),
        pledge_body(pledgers=["USA"], external_ref="m-2"),
        pledge_body(pledgers=["MEX"], title="", external_ref="m-3"),
    ]
    response = await client.post(
        "/v1/pledges/batch", json={"pledges": items}, headers=mexico.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["rejected"]) == (1, 2)
    outcomes = [(r["outcome"], r["status"], r["code"]) for r in body["results"]]
    assert outcomes == [
        ("created", 201, None),
        ("rejected", 403, "pledger_not_granted"),
        ("rejected", 422, "validation_failed"),
    ]
    assert body["results"][1]["errors"][0]["field"] == "pledgers.0"
    assert "USA" in body["results"][1]["errors"][0]["detail"]
    atomic = await client.post(
        "/v1/pledges/batch",
        params={"atomic": "true"},
        json={"pledges": [pledge_body(pledgers=["MEX"]), pledge_body(pledgers=["USA"])]},
        headers=mexico.headers,
    )
    assert_not_granted(atomic, "pledges.1.pledgers.0")
    assert await stored(session, mexico) == 1


async def test_an_update_needs_a_grant_for_every_pledger(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """An admin key changes any submitted pledge, but only in the name of its own actors."""
    anyone = await make_api_key(session, name="steward import")
    admin = await make_api_key(
        session,
        name="US steward",
        scopes=(ApiScope.PLEDGES_ADMIN,),
        pledgers=("CAN",),
    )
    created = await client.post(
        "/v1/pledges", json=pledge_body(pledgers=["USA"]), headers=anyone.headers
    )
    refused = await client.patch(
        created.headers["location"],
        json={"status": "in_progress"},
        headers={**admin.headers, "If-Match": created.headers["etag"]},
    )
    assert_not_granted(refused, "pledgers.0")
    owner = await client.patch(
        created.headers["location"],
        json={"status": "in_progress"},
        headers={**anyone.headers, "If-Match": created.headers["etag"]},
    )
    assert owner.status_code == 200, owner.text


async def test_graphql_refuses_an_ungranted_pledger(
    client: httpx.AsyncClient, session: AsyncSession, mexico: Key
) -> None:
    mutation = (
        'mutation { submitPledge(input: {pledgers: ["USA"], forum: "RCM", kind: TECHNICAL, '
        'title: "Border posts"}) { created } }'
    )
    response = await client.post("/graphql", json={"query": mutation}, headers=mexico.headers)
    body = response.json()
    assert body["data"] == {"submitPledge": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "pledger_not_granted"
    assert "USA" in error["message"]
    assert [e["field"] for e in error["extensions"]["errors"]] == ["pledgers.0"]
    assert await stored(session, mexico) == 0


async def test_creating_a_key_needs_a_grant_or_any_pledger(session: AsyncSession) -> None:
    grants: list[tuple[dict[str, Any], str]] = [
        ({}, "pledger_grant_missing"),
        ({"pledgers": ["CAN"], "any_pledger": True}, "pledger_grant_conflict"),
        ({"pledgers": ["CAN", "Atlantis"]}, "unknown_reference"),
    ]
    for grant, code in grants:
        with pytest.raises(InvalidInput) as caught:
            await api_key_service.create_api_key(
                session, name="k", scopes=["pledges:write"], **grant
            )
        assert caught.value.code == code
    created = await api_key_service.create_api_key(
        session, name="k", scopes=["pledges:write"], pledgers=["mex", "can", "unhcr", "MEX"]
    )
    assert [g.actor_id for g in created.key.grants] == ["CAN", "MEX", "unhcr"]
    assert created.key.any_pledger is False


async def test_totals_say_how_much_was_submitted(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    before = (await client.get("/v1/pledges/summary", params={"forum": "MIRPS-SP"})).json()
    [curated] = before["groups"]
    assert curated["count"] > 0
    assert (curated["count_submitted"], curated["amount_usd_submitted"]) == (0, "0.00")
    key = await make_api_key(session, name="MIRPS partner")
    for amount in ("100.00", "50.50"):
        created = await client.post(
            "/v1/pledges",
            json=pledge_body(currency="USD", amount=amount),
            headers=key.headers,
        )
        assert created.status_code == 201, created.text
    after = (await client.get("/v1/pledges/summary", params={"forum": "MIRPS-SP"})).json()
    [group] = after["groups"]
    assert group["count"] == curated["count"] + 2
    assert group["count_submitted"] == 2
    assert Decimal(group["amount_usd_submitted"]) == Decimal("150.50")
    assert Decimal(group["amount_usd"]) == Decimal(curated["amount_usd"]) + Decimal("150.50")
    usd = next(a for a in group["amounts"] if a["currency"] == "USD")
    assert Decimal(usd["amount_submitted"]) == Decimal("150.50")
    body = await gql(
        client,
        '{ pledgeSummary(groupBy: [], filter: {forum: "MIRPS-SP"}) { count countSubmitted amountUsdSubmitted '
        "amounts { currency amount amountSubmitted } } }",
    )
    [total] = body["data"]["pledgeSummary"]
    assert (total["countSubmitted"], Decimal(total["amountUsdSubmitted"])) == (2, Decimal("150.50"))
    usd_total = next(a for a in total["amounts"] if a["currency"] == "USD")
    assert Decimal(usd_total["amountSubmitted"]) == Decimal("150.50")


# --- the operator CLI and the migration ---------------------------------------------------


def _migov(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MIGOV_")}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env={**clean, "MIGOV_DATABASE_URL": url, "MIGOV_LOG_LEVEL": "warning"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_keys_create_takes_pledgers_or_any_pledger_and_list_shows_them(
    live_database_url: str,
) -> None:
    refused = _migov(live_database_url, "keys", "create", "--name", "x", "--scope", "pledges:write")
    assert refused.returncode == 1
    assert "--pledger" in refused.stderr
    assert "--any-pledger" in refused.stderr
    bound = _migov(
        live_database_url, "keys", "create", "--name", "SRE", "--scope", "pledges:write",
        "--pledger", "MEX", "--pledger", "can",
    )  # fmt: skip
    assert bound.returncode == 0, bound.stderr
    assert "pledges for CAN, MEX" in bound.stdout
    anyone = _migov(
        live_database_url, "keys", "create", "--name", "steward", "--scope", "pledges:admin",
        "--any-pledger",
    )  # fmt: skip
    assert anyone.returncode == 0, anyone.stderr
    listed = _migov(live_database_url, "keys", "list")
    lines = listed.stdout.splitlines()
    assert any("pledges for CAN, MEX" in line and "SRE" in line for line in lines)
    assert any("any pledger" in line and "steward" in line for line in lines)
    as_json = [
        json.loads(line)
        for line in _migov(live_database_url, "keys", "list", "--json").stdout.splitlines()
    ]
    assert [(k["name"], k["any_pledger"], k["pledgers"]) for k in as_json] == [
        ("SRE", False, ["CAN", "MEX"]),
        ("steward", True, []),
    ]


def test_keys_made_before_grants_may_pledge_for_anyone(scratch_url: str) -> None:
    upgrade(scratch_url, "51eb04d37f8b")  # the revision before grants

    async def run(statement: str) -> Any:
        engine = create_async_engine(scratch_url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement))
                return result.all() if result.returns_rows else None
        finally:
            await engine.dispose()

    asyncio.run(
        run(
            "INSERT INTO api_key (name, prefix, secret_hash, scopes, created_at) VALUES "
            "('old script', 'abcd1234', 'x', '[\"pledges:write\"]', CURRENT_TIMESTAMP)"
        )
    )
    upgrade(scratch_url)
    assert asyncio.run(run("SELECT name, any_pledger FROM api_key")) == [("old script", True)]
