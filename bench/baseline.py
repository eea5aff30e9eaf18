"""The benchmark's baseline: Starlette + asyncpg answering W1-W4 with hand-written SQL.

For each read workload of ``bench/run.py`` it returns the same JSON migov returns,
over REST (the same paths and query strings) and over GraphQL (``POST /graphql``
with the benchmark's named operations, dispatched on ``operationName``; it parses
no documents). Each request reads the data version, as migov's ETag does, and
runs the statements a careful hand would write, with no ORM, no validation and no
middleware. It exists only to be measured against; ``bench/run.py`` checks that
its answers equal migov's before timing either.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.models.enums import ROLE_RANKS

CENT = Decimal("0.01")
VERSION_SQL = "SELECT version, changed_at FROM data_version WHERE id = 1"
PLEDGE_COLUMNS = (
    "id, key, forum_code, event_id, kind, scope, status, amount, amount_qualifier, currency, "
    "amount_usd, exchange_rate_id, amount_usd_note, announced_date, announced_precision, title, "
    "description, external_ref, version, inferred, currency_assumed"
)
CITATION_COLUMNS = "source_id, locator, passage_start, passage_end, passage_sha256"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(body, default=_default), status_code=status, media_type="application/json"
    )


def _partial(day: dt.date | None, precision: str | None) -> str | None:
    if day is None:
        return None
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def _cursor(spec: str, values: Sequence[Any]) -> str:
    """migov's opaque cursor: base64 of [ordering fingerprint, last row's sort values]."""
    encoded = [
        {"d": v.isoformat()}
        if isinstance(v, dt.date)
        else {"n": str(v)}
        if isinstance(v, Decimal)
        else v
        for v in values
    ]
    fingerprint = hashlib.sha1(spec.encode()).hexdigest()[:8]
    payload = json.dumps([fingerprint, encoded])
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _citation(row: Any) -> dict[str, Any]:
    """A citation as the API embeds it: its passage only when all three parts are known."""
    passage = None
    if None not in (row["passage_start"], row["passage_end"], row["passage_sha256"]):
        passage = {
            "start": row["passage_start"],
            "end": row["passage_end"],
            "sha256": row["passage_sha256"],
        }
    return {"source_id": row["source_id"], "locator": row["locator"], "passage": passage}


def _inferred(value: str | None) -> list[dict[str, Any]]:
    return [{"field": i["field"], "reasoning": i["reasoning"]} for i in orjson.loads(value or "[]")]


NEWEST_FIRST = "announced_date-,id-"
PARTICIPATION_SPEC = "forum_code+,role_rank+,start_date+,actor_id+,id+"


async def _pledge_relations(
    connection: asyncpg.Connection, rows: Sequence[asyncpg.Record]
) -> dict[str, Any]:
    ids = [row["id"] for row in rows]
    rate_ids = sorted({row["exchange_rate_id"] for row in rows if row["exchange_rate_id"]})
    pledgers = await connection.fetch(
        "SELECT pp.pledge_id, a.id, a.iso3, a.name, a.kind FROM pledge_pledger pp "
        "JOIN actor a ON a.id = pp.actor_id WHERE pp.pledge_id = ANY($1::int[]) "
        "ORDER BY pp.pledge_id, pp.position",
        ids,
    )
    objectives = await connection.fetch(
        "SELECT pledge_id, objective FROM pledge_objective WHERE pledge_id = ANY($1::int[]) "
        "ORDER BY pledge_id, objective",
        ids,
    )
    citations = await connection.fetch(
        f"SELECT pledge_id, {CITATION_COLUMNS} FROM citation WHERE pledge_id = ANY($1::int[]) "
        "ORDER BY id",
        ids,
    )
    rates = await connection.fetch(
        "SELECT id, currency, usd_per_unit, period_start, period_end, basis, provider "
        "FROM exchange_rate WHERE id = ANY($1::int[])",
        rate_ids,
    )
    rate_citations = await connection.fetch(
        f"SELECT exchange_rate_id, {CITATION_COLUMNS} FROM citation "
        "WHERE exchange_rate_id = ANY($1::int[]) ORDER BY id",
        rate_ids,
    )
    grouped: dict[str, dict[int, Any]] = {
        "pledgers": defaultdict(list),
        "objectives": defaultdict(list),
        "citations": defaultdict(list),
        "conversions": {},
    }
    cited: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rate_citations:
        cited[row["exchange_rate_id"]].append(_citation(row))
    for row in rates:
        grouped["conversions"][row["id"]] = {
            "currency": row["currency"],
            "usd_per_unit": row["usd_per_unit"],
            "period_start": row["period_start"],
            "period_end": row["period_end"],
            "basis": row["basis"],
            "provider": row["provider"],
            "citations": cited[row["id"]],
        }
    for row in pledgers:
        grouped["pledgers"][row["pledge_id"]].append(
            {"id": row["id"], "iso3": row["iso3"], "name": row["name"], "kind": row["kind"]}
        )
    for row in objectives:
        grouped["objectives"][row["pledge_id"]].append(row["objective"])
    for row in citations:
        grouped["citations"][row["pledge_id"]].append(_citation(row))
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
        "usd_conversion": related["conversions"].get(row["exchange_rate_id"]),
        "amount_usd_note": row["amount_usd_note"],
        "announced_on": _partial(row["announced_date"], row["announced_precision"]),
        "announced_precision": row["announced_precision"],
        "status": row["status"],
        "gcm_objectives": related["objectives"].get(row["id"], []),
        "title": row["title"],
        "description": row["description"],
        "external_ref": row["external_ref"],
        "curated": row["key"] is not None,
        "version": row["version"],
        "citations": related["citations"].get(row["id"], []),
        "inferred": _inferred(row["inferred"]),
        "currency_assumed": row["currency_assumed"],
    }


def _upper(value: str | None) -> str | None:
    return value.upper() if value is not None else None


# --- W1: a page of 100 pledges of one forum, newest first -------------------------------


async def _newest(connection: asyncpg.Connection, forum: str, limit: int) -> tuple[int, list[Any]]:
    total = await connection.fetchval("SELECT count(*) FROM pledge WHERE forum_code = $1", forum)
    rows = await connection.fetch(
        f"SELECT {PLEDGE_COLUMNS} FROM pledge WHERE forum_code = $1 "
        "ORDER BY announced_date DESC NULLS LAST, id DESC LIMIT $2",
        forum,
        limit + 1,
    )
    return int(total), list(rows)


async def rest_pledges(request: Request) -> Response:
    forum = request.query_params["forum"]
    limit = int(request.query_params.get("limit", "100"))
    async with request.app.state.pool.acquire() as connection:
        await connection.fetchrow(VERSION_SQL)
        total, rows = await _newest(connection, forum, limit)
        page = rows[:limit]
        related = await _pledge_relations(connection, page)
    next_cursor = None
    if len(rows) > limit:
        next_cursor = _cursor(NEWEST_FIRST, [page[-1]["announced_date"], page[-1]["id"]])
    return _json(
        {"items": [_pledge(r, related) for r in page], "total": total, "next_cursor": next_cursor}
    )


async def graphql_pledges(connection: asyncpg.Connection, variables: dict[str, Any]) -> Any:
    limit = int(variables.get("first", 100))
    total, rows = await _newest(connection, variables["forum"], limit)
    page = rows[:limit]
    pledgers = await connection.fetch(
        "SELECT pp.pledge_id, a.id, a.name FROM pledge_pledger pp "
        "JOIN actor a ON a.id = pp.actor_id WHERE pp.pledge_id = ANY($1::int[]) "
        "ORDER BY pp.pledge_id, pp.position",
        [r["id"] for r in page],
    )
    by_pledge: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in pledgers:
        by_pledge[row["pledge_id"]].append({"id": row["id"], "name": row["name"]})
    edges = [
        {
            "node": {
                "id": r["id"],
                "title": r["title"],
                "kind": _upper(r["kind"]),
                "status": _upper(r["status"]),
                "amount": r["amount"],
                "currency": r["currency"],
                "amountUsd": r["amount_usd"],
                "announcedOn": _partial(r["announced_date"], r["announced_precision"]),
                "pledgers": by_pledge.get(r["id"], []),
            }
        }
        for r in page
    ]
    end = _cursor(NEWEST_FIRST, [page[-1]["announced_date"], page[-1]["id"]]) if page else None
    return {
        "pledges": {
            "totalCount": total,
            "edges": edges,
            "pageInfo": {"hasNextPage": len(rows) > limit, "endCursor": end},
        }
    }


# --- W2: one forum with its current participants ---------------------------------------

# Roles by seniority, as the API orders them (models.participation.role_rank).
ROLE_RANK = (
    "CASE p.role "
    + " ".join(f"WHEN '{role.value}' THEN {rank}" for rank, role in enumerate(ROLE_RANKS))
    + f" ELSE {len(ROLE_RANKS)} END"
)

# The roles that may hold on the day (docs/time.md): start_earliest <= day < end_latest.
PARTICIPANTS_SQL = f"""
SELECT p.id, p.forum_code, p.role, {ROLE_RANK} AS role_rank, p.holder_status,
       p.start_date, p.start_precision,
       p.end_date, p.end_precision, p.start_earliest, p.start_latest, p.end_earliest,
       p.end_latest, p.last_confirmed, p.last_confirmed_source_id, p.bounds, p.dispute, p.note,
       p.theme, p.objectives, p.departments, p.inferred,
       a.id AS actor_id, a.iso3, a.name, a.kind, count(*) OVER () AS total
FROM participation p
LEFT JOIN actor a ON a.id = p.actor_id
WHERE p.forum_code = $1
  AND (p.start_earliest IS NULL OR p.start_earliest <= $2)
  AND (p.end_latest IS NULL OR p.end_latest > $2)
ORDER BY role_rank, p.start_date NULLS FIRST, p.actor_id NULLS FIRST, p.id
"""


def _certainty(row: asyncpg.Record, day: dt.date) -> str:
    surely_started = row["start_latest"] is not None and row["start_latest"] <= day
    surely_going = row["end_earliest"] is not None and row["end_earliest"] > day
    return "certain" if surely_started and surely_going else "possible"


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _bounds(value: str | None) -> list[dict[str, Any]]:
    return [
        {
            "edge": b["edge"],
            "side": b["side"],
            "day": b["day"],
            "basis": b["basis"],
            "citations": b.get("citations", []),
        }
        for b in orjson.loads(value or "[]")
    ]


async def rest_participants(request: Request) -> Response:
    code = request.path_params["code"]
    as_of = dt.date.fromisoformat(request.query_params["as_of"])
    limit = int(request.query_params.get("limit", "100"))
    async with request.app.state.pool.acquire() as connection:
        await connection.fetchrow(VERSION_SQL)
        if await connection.fetchval("SELECT 1 FROM forum WHERE code = $1", code) is None:
            return _json({"status": 404}, status=404)
        rows = await connection.fetch(f"{PARTICIPANTS_SQL} LIMIT $3", code, as_of, limit + 1)
        page = rows[:limit]
        citations = await connection.fetch(
            f"SELECT participation_id, {CITATION_COLUMNS} FROM citation "
            "WHERE participation_id = ANY($1::int[]) ORDER BY id",
            [r["id"] for r in page],
        )
    cited: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in citations:
        cited[row["participation_id"]].append(_citation(row))
    items = [
        {
            "id": r["id"],
            "forum": r["forum_code"],
            "actor": None
            if r["actor_id"] is None
            else {"id": r["actor_id"], "iso3": r["iso3"], "name": r["name"], "kind": r["kind"]},
            "holder_status": r["holder_status"],
            "role": r["role"],
            "start": _partial(r["start_date"], r["start_precision"]),
            "start_precision": r["start_precision"],
            "end": _partial(r["end_date"], r["end_precision"]),
            "end_precision": r["end_precision"],
            "certainty": _certainty(r, as_of),
            "start_earliest": _iso(r["start_earliest"]),
            "start_latest": _iso(r["start_latest"]),
            "end_earliest": _iso(r["end_earliest"]),
            "end_latest": _iso(r["end_latest"]),
            "last_confirmed": _iso(r["last_confirmed"]),
            "last_confirmed_source": r["last_confirmed_source_id"],
            "disputed": r["dispute"] is not None,
            "dispute": r["dispute"],
            "note": r["note"],
            "theme": r["theme"],
            "objectives": orjson.loads(r["objectives"] or "[]"),
            "departments": orjson.loads(r["departments"] or "[]"),
            "bounds": _bounds(r["bounds"]),
            "citations": cited.get(r["id"], []),
            "inferred": _inferred(r["inferred"]),
        }
        for r in page
    ]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = _cursor(
            PARTICIPATION_SPEC,
            [
                last["forum_code"],
                last["role_rank"],
                last["start_date"],
                last["actor_id"],
                last["id"],
            ],
        )
    total = rows[0]["total"] if rows else 0
    # A list on a day holds the possible roles with the certain ones: none left out.
    return _json(
        {"items": items, "total": total, "next_cursor": next_cursor, "possible_left_out": None}
    )


async def graphql_forum(connection: asyncpg.Connection, variables: dict[str, Any]) -> Any:
    forum = await connection.fetchrow(
        "SELECT code, name FROM forum WHERE code = $1", variables["code"]
    )
    if forum is None:
        return {"forum": None}
    rows = await connection.fetch(
        PARTICIPANTS_SQL, variables["code"], dt.date.fromisoformat(variables["asOf"])
    )
    participants = [
        {
            "role": r["role"].upper(),
            "start": _partial(r["start_date"], r["start_precision"]),
            "end": _partial(r["end_date"], r["end_precision"]),
            "actor": None if r["actor_id"] is None else {"id": r["actor_id"], "name": r["name"]},
        }
        for r in rows
    ]
    return {"forum": {"code": forum["code"], "name": forum["name"], "participants": participants}}


# --- W3: pledge totals per forum for one year, in USD -----------------------------------

SUMMARY_SQL = """
SELECT forum_code, currency, count(*) AS n, coalesce(sum(amount), 0) AS amount,
       sum(amount_usd) AS usd, count(*) FILTER (WHERE amount_usd IS NULL) AS no_usd,
       count(*) FILTER (WHERE api_key_id IS NOT NULL) AS n_submitted,
       coalesce(sum(amount) FILTER (WHERE api_key_id IS NOT NULL), 0) AS submitted,
       sum(amount_usd) FILTER (WHERE api_key_id IS NOT NULL) AS usd_submitted,
       count(*) FILTER (WHERE currency_assumed) AS n_assumed,
       coalesce(sum(amount) FILTER (WHERE currency_assumed), 0) AS assumed,
       sum(amount_usd) FILTER (WHERE currency_assumed) AS usd_assumed
FROM pledge
WHERE announced_date >= $1 AND announced_date <= $2
GROUP BY forum_code, currency
ORDER BY forum_code, currency
"""


def _cents(value: Decimal | int | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(CENT))


async def _totals(connection: asyncpg.Connection, start: str, end: str) -> list[dict[str, Any]]:
    """One group per forum; its USD sums stay null (unknown, not zero) until a pledge of
    the group has a USD equivalent."""
    rows = await connection.fetch(
        SUMMARY_SQL, dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    )
    groups: dict[str | None, dict[str, Any]] = {}
    for row in rows:
        group = groups.get(row["forum_code"])
        if group is None:
            group = groups[row["forum_code"]] = {
                "forum": row["forum_code"],
                "count": 0,
                "amounts": [],
                "usd": None,
                "usd_submitted": None,
                "usd_assumed": None,
                "no_usd": 0,
                "count_submitted": 0,
                "count_assumed": 0,
            }
        group["count"] += row["n"]
        group["count_submitted"] += row["n_submitted"]
        group["count_assumed"] += row["n_assumed"]
        if row["usd"] is not None:
            group["usd"] = (group["usd"] or 0) + row["usd"]
            group["usd_submitted"] = (group["usd_submitted"] or 0) + (row["usd_submitted"] or 0)
            group["usd_assumed"] = (group["usd_assumed"] or 0) + (row["usd_assumed"] or 0)
        group["no_usd"] += row["no_usd"]
        if row["currency"] is not None:
            group["amounts"].append(
                {
                    "currency": row["currency"],
                    "amount": _cents(row["amount"]),
                    "amount_submitted": _cents(row["submitted"]),
                    "amount_currency_assumed": _cents(row["assumed"]),
                }
            )
    return list(groups.values())


async def rest_summary(request: Request) -> Response:
    params = request.query_params
    async with request.app.state.pool.acquire() as connection:
        await connection.fetchrow(VERSION_SQL)
        groups = await _totals(connection, params["announced_from"], params["announced_to"])
    return _json(
        {
            "group_by": ["forum"],
            "groups": [
                {
                    "forum": g["forum"],
                    "year": None,
                    "kind": None,
                    "status": None,
                    "pledger": None,
                    "currency": None,
                    "count": g["count"],
                    "amounts": g["amounts"],
                    "amount_usd": _cents(g["usd"]),
                    "count_without_usd": g["no_usd"],
                    "count_submitted": g["count_submitted"],
                    "amount_usd_submitted": _cents(g["usd_submitted"]),
                    "count_currency_assumed": g["count_assumed"],
                    "amount_usd_currency_assumed": _cents(g["usd_assumed"]),
                }
                for g in groups
            ],
        }
    )


async def graphql_summary(connection: asyncpg.Connection, variables: dict[str, Any]) -> Any:
    groups = await _totals(connection, variables["from"], variables["to"])
    return {
        "pledgeSummary": [
            {
                "group": {"forum": g["forum"]},
                "count": g["count"],
                "amountUsd": _cents(g["usd"]),
                "countWithoutUsd": g["no_usd"],
            }
            for g in groups
        ]
    }


# --- W4: one pledge by id ----------------------------------------------------------------


async def rest_pledge(request: Request) -> Response:
    pledge_id = int(request.path_params["pledge_id"])
    async with request.app.state.pool.acquire() as connection:
        await connection.fetchrow(VERSION_SQL)
        row = await connection.fetchrow(
            f"SELECT {PLEDGE_COLUMNS} FROM pledge WHERE id = $1", pledge_id
        )
        if row is None:
            return _json({"status": 404}, status=404)
        related = await _pledge_relations(connection, [row])
    return _json(_pledge(row, related))


async def graphql_pledge(connection: asyncpg.Connection, variables: dict[str, Any]) -> Any:
    pledge_id = int(variables["id"])
    row = await connection.fetchrow(f"SELECT {PLEDGE_COLUMNS} FROM pledge WHERE id = $1", pledge_id)
    if row is None:
        return {"pledge": None}
    pledgers = await connection.fetch(
        "SELECT a.id, a.name FROM pledge_pledger pp JOIN actor a ON a.id = pp.actor_id "
        "WHERE pp.pledge_id = $1 ORDER BY pp.position",
        pledge_id,
    )
    objectives = await connection.fetch(
        "SELECT objective FROM pledge_objective WHERE pledge_id = $1 ORDER BY objective",
        pledge_id,
    )
    return {
        "pledge": {
            "id": row["id"],
            "title": row["title"],
            "kind": _upper(row["kind"]),
            "scope": _upper(row["scope"]),
            "status": _upper(row["status"]),
            "amount": row["amount"],
            "currency": row["currency"],
            "amountUsd": row["amount_usd"],
            "announcedOn": _partial(row["announced_date"], row["announced_precision"]),
            "gcmObjectives": [r["objective"] for r in objectives],
            "forumCode": row["forum_code"],
            "eventId": row["event_id"],
            "version": row["version"],
            "pledgers": [{"id": r["id"], "name": r["name"]} for r in pledgers],
        }
    }


OPERATIONS = {
    "W1": graphql_pledges,
    "W2": graphql_forum,
    "W3": graphql_summary,
    "W4": graphql_pledge,
}


async def graphql(request: Request) -> Response:
    body = orjson.loads(await request.body())
    operation = OPERATIONS.get(body.get("operationName"))
    if operation is None:
        return _json({"errors": [{"message": "the baseline answers W1-W4 only"}]}, status=400)
    async with request.app.state.pool.acquire() as connection:
        await connection.fetchrow(VERSION_SQL)
        data = await operation(connection, body.get("variables") or {})
    return _json({"data": data})


async def health(_request: Request) -> Response:
    return _json({"status": "ok"})


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
        Route("/v1/pledges", rest_pledges),
        Route("/v1/pledges/summary", rest_summary),
        Route("/v1/pledges/{pledge_id:int}", rest_pledge),
        Route("/v1/forums/{code}/participants", rest_participants),
        Route("/graphql", graphql, methods=["POST"]),
    ],
    lifespan=lifespan,
)
