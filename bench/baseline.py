"""A bare Starlette + asyncpg app answering the benchmark's requests with the same queries.

It mirrors what migov runs per request (data-version read for the ETag, count,
keyset page, pledgers with their actors, objectives, citations) and renders
similar JSON with orjson, without the ORM, validation or middleware. It exists
only as the benchmark's baseline.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PLEDGE_COLUMNS = (
    "id, key, forum_code, event_id, kind, scope, status, amount, amount_qualifier, currency, "
    "amount_usd, announced_date, announced_precision, title, description, external_ref, version"
)


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(body, default=str), status_code=status, media_type="application/json"
    )


async def _relations(connection: asyncpg.Connection, ids: list[int]) -> dict[str, Any]:
    pledgers = await connection.fetch(
        "SELECT pp.pledge_id, a.id, a.iso3, a.name, a.kind FROM pledge_pledger pp "
        "JOIN actor a ON a.id = pp.actor_id WHERE pp.pledge_id = ANY($1) ORDER BY pp.position",
        ids,
    )
    objectives = await connection.fetch(
        "SELECT pledge_id, objective FROM pledge_objective WHERE pledge_id = ANY($1) "
        "ORDER BY objective",
        ids,
    )
    citations = await connection.fetch(
        "SELECT pledge_id, source_id, locator FROM citation WHERE pledge_id = ANY($1) ORDER BY id",
        ids,
    )
    grouped: dict[str, dict[int, list[Any]]] = {
        "pledgers": defaultdict(list),
        "objectives": defaultdict(list),
        "citations": defaultdict(list),
    }
    for row in pledgers:
        grouped["pledgers"][row["pledge_id"]].append(
            {"id": row["id"], "iso3": row["iso3"], "name": row["name"], "kind": row["kind"]}
        )
    for row in objectives:
        grouped["objectives"][row["pledge_id"]].append(row["objective"])
    for row in citations:
        grouped["citations"][row["pledge_id"]].append(
            {"source_id": row["source_id"], "locator": row["locator"]}
        )
    return grouped


def _pledge(row: asyncpg.Record, related: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "pledgers": related["pledgers"].get(row["id"], []),
        "forum": row["forum_code"],
        "event": row["event_id"],
        "kind": row["kind"],
        "scope": row["scope"],
        "amount": row["amount"],
        "amount_qualifier": row["amount_qualifier"],
        "currency": row["currency"],
        "amount_usd": row["amount_usd"],
        "announced_on": row["announced_date"],
        "announced_precision": row["announced_precision"],
        "status": row["status"],
        "gcm_objectives": related["objectives"].get(row["id"], []),
        "title": row["title"],
        "description": row["description"],
        "external_ref": row["external_ref"],
        "curated": row["key"] is not None,
        "version": row["version"],
        "citations": related["citations"].get(row["id"], []),
    }


async def health(_request: Request) -> Response:
    return _json({"status": "ok"})


async def list_pledges(request: Request) -> Response:
    forum = request.query_params.get("forum")
    limit = int(request.query_params.get("limit", "100"))
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as connection:
        await connection.fetchrow("SELECT version, changed_at FROM data_version LIMIT 1")
        total = await connection.fetchval(
            "SELECT count(*) FROM pledge WHERE forum_code = $1", forum
        )
        rows = await connection.fetch(
            f"SELECT {PLEDGE_COLUMNS} FROM pledge WHERE forum_code = $1 ORDER BY id LIMIT $2",
            forum,
            limit + 1,
        )
        page = rows[:limit]
        related = await _relations(connection, [r["id"] for r in page])
    return _json(
        {
            "items": [_pledge(r, related) for r in page],
            "total": total,
            "next_cursor": str(page[-1]["id"]) if len(rows) > limit else None,
        }
    )


async def get_pledge(request: Request) -> Response:
    pledge_id = int(request.path_params["pledge_id"])
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as connection:
        await connection.fetchrow("SELECT version, changed_at FROM data_version LIMIT 1")
        row = await connection.fetchrow(
            f"SELECT {PLEDGE_COLUMNS} FROM pledge WHERE id = $1", pledge_id
        )
        if row is None:
            return _json({"status": 404}, status=404)
        related = await _relations(connection, [pledge_id])
    return _json(_pledge(row, related))


async def summary(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as connection:
        await connection.fetchrow("SELECT version, changed_at FROM data_version LIMIT 1")
        rows = await connection.fetch(
            "SELECT forum_code, currency, count(id), coalesce(sum(amount), 0), "
            "coalesce(sum(amount_usd), 0), count(id) FILTER (WHERE amount_usd IS NULL) "
            "FROM pledge GROUP BY forum_code, currency ORDER BY forum_code, currency"
        )
    return _json({"groups": [dict(r) for r in rows]})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_DSN"], min_size=2, max_size=10)
    try:
        yield
    finally:
        await app.state.pool.close()


app = Starlette(
    routes=[
        Route("/healthz", health),
        Route("/v1/pledges", list_pledges),
        Route("/v1/pledges/summary", summary),
        Route("/v1/pledges/{pledge_id:int}", get_pledge),
    ],
    lifespan=lifespan,
)
