"""The benchmark's baseline: Starlette + asyncpg answering W1-W6 with hand-written SQL.

For each read workload of ``bench/run.py`` it returns the same JSON migov returns,
over REST (the same paths and query strings) and over GraphQL (``POST /graphql``
with the benchmark's named operations, dispatched on ``operationName``; it parses
no documents). Each read asks for the data version, as migov's ETag does, and
runs the statements a careful hand would write, with no ORM, no validation and no
middleware.

Writes (``POST /v1/pledges`` and the ``SubmitPledge`` operation) keep migov's
guarantees, not its code: the key checked, the body checked by the same rules,
idempotency, the pledge with its pledgers and objectives, the audit entry, the
change-log row and the data-version bump in one transaction (see "submitting a
pledge" below). A refusal has migov's status and code, in fewer words.

It exists only to be measured against; ``bench/run.py`` checks that its answers
equal migov's before timing either.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.models.enums import (
    ROLE_RANKS,
    AmountQualifier,
    ApiScope,
    AuditAction,
    AuditEntity,
    ChangeAction,
    ChangeOrigin,
    Entity,
    IdempotencyStatus,
    PledgeKind,
    PledgeScope,
    PledgeStatus,
)
from app.schemas.dates import PartialDate
from app.schemas.pledge import AMOUNT_PATTERN, DECEPTIVE
from app.services import ecb_rates
from app.services.api_keys import LAST_USED_RESOLUTION, SECRET_PATTERN
from app.services.idempotency import TTL as IDEMPOTENCY_TTL
from app.services.pledges import PLEDGE_FORUM, PLEDGE_YEAR
from app.services.references import fold
from app.standards.iso import is_currency

CENT = Decimal("0.01")
WRITE_SCOPES = frozenset({ApiScope.PLEDGES_WRITE.value, ApiScope.PLEDGES_ADMIN.value})
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
ORDER BY forum_code NULLS FIRST, currency NULLS FIRST
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


# --- W5/W6: submitting a pledge ----------------------------------------------------------
#
# What ``POST /v1/pledges`` and ``submitPledge`` do in migov (services.pledge_writes), by
# hand: the bearer key checked (the SHA-256 of the secret, found by its prefix, compared in
# constant time, unrevoked, with pledges:write) and its last use noted once a minute, apart
# from the write as migov's admission is (the write quota, off in the benchmark, is not
# kept); the body checked by the rules of PledgeCreate; an Idempotency-Key claimed and completed in
# the write's transaction; forums, actors and events resolved as migov resolves them (the
# exact code in one indexed lookup, names and aliases only when it misses); the key's
# grants; a repeated external_ref answering the pledge already stored; the USD equivalent
# from a cited rate or one derived from the ECB's (stored once, with its citation); then,
# in one transaction, the pledge with its pledgers and GCM objectives, the audit entry, the
# change-log row and the data-version bump, last, as migov's own.


class Refused(Exception):
    """A request the baseline refuses, as migov would (status and code; wording differs)."""

    def __init__(
        self, status: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []


def _problem(refused: Refused) -> Response:
    body = {"status": refused.status, "code": refused.code, "detail": refused.detail}
    if refused.errors:
        body["errors"] = refused.errors
    return Response(
        orjson.dumps(body), status_code=refused.status, media_type="application/problem+json"
    )


@dataclass(frozen=True)
class Writer:
    id: int
    prefix: str
    any_pledger: bool


async def _writer(pool: asyncpg.Pool, authorization: str | None) -> Writer:
    """The key a write is made with (``api_keys.admit_write`` with write limits off)."""
    scheme, _, secret = (authorization or "").partition(" ")
    if not authorization:
        raise Refused(401, "api_key_missing", "This request needs an API key.")
    invalid = Refused(401, "api_key_invalid", "The API key is not valid or has been revoked.")
    match = SECRET_PATTERN.match(secret.strip()) if scheme.lower() == "bearer" else None
    if match is None:
        raise invalid
    async with pool.acquire() as connection:
        key = await connection.fetchrow(
            "SELECT id, prefix, secret_hash, scopes, revoked_at, last_used_at, any_pledger "
            "FROM api_key WHERE prefix = $1",
            match["prefix"],
        )
        digest = hashlib.sha256(secret.strip().encode()).hexdigest()
        if key is None or not hmac.compare_digest(key["secret_hash"], digest):
            raise invalid
        if key["revoked_at"] is not None:
            raise invalid
        if not WRITE_SCOPES & set(orjson.loads(key["scopes"])):
            raise Refused(403, "scope_missing", f"The API key {key['prefix']} lacks the scope.")
        now = dt.datetime.now(dt.UTC)
        if key["last_used_at"] is None or key["last_used_at"] < now - LAST_USED_RESOLUTION:
            await connection.execute(
                "UPDATE api_key SET last_used_at = $2 WHERE id = $1 "
                "AND (last_used_at IS NULL OR last_used_at < $3)",
                key["id"],
                now,
                now - LAST_USED_RESOLUTION,
            )
    return Writer(key["id"], key["prefix"], key["any_pledger"])


SUBMISSION_FIELDS = frozenset(
    {
        "pledgers",
        "forum",
        "event",
        "kind",
        "scope",
        "amount",
        "currency",
        "amount_qualifier",
        "announced_on",
        "title",
        "description",
        "gcm_objectives",
        "external_ref",
    }
)
KINDS = frozenset(k.value for k in PledgeKind)
SCOPES = frozenset(s.value for s in PledgeScope)
QUALIFIERS = frozenset(q.value for q in AmountQualifier)


@dataclass(frozen=True)
class Submission:
    """A submitted pledge, checked by PledgeCreate's rules; references not yet resolved."""

    pledgers: list[str]
    forum: str | None
    event: str | None
    kind: str
    scope: str | None
    amount: Decimal | None
    currency: str | None
    amount_qualifier: str | None
    announced: PartialDate | None
    title: str
    description: str | None
    objectives: list[int]
    external_ref: str | None

    def canonical(self) -> dict[str, Any]:
        """Plain JSON values, for the Idempotency-Key's request hash."""
        return {
            "pledgers": self.pledgers,
            "forum": self.forum,
            "event": self.event,
            "kind": self.kind,
            "scope": self.scope,
            "amount": None if self.amount is None else str(self.amount),
            "currency": self.currency,
            "amount_qualifier": self.amount_qualifier,
            "announced_on": None if self.announced is None else str(self.announced),
            "title": self.title,
            "description": self.description,
            "gcm_objectives": self.objectives,
            "external_ref": self.external_ref,
        }


def _checked(body: Any) -> Submission:
    """``body`` as a Submission, or 422 naming every field that breaks a rule."""
    problems: list[dict[str, Any]] = []

    def refuse(field: str, detail: str) -> None:
        problems.append({"field": field, "detail": detail})

    if not isinstance(body, dict):
        raise Refused(422, "validation_failed", "The body must be a JSON object.")
    for name in sorted(set(body) - SUBMISSION_FIELDS):
        refuse(name, "extra inputs are not permitted")

    def text(field: str, most: int, *, required: bool = False) -> str | None:
        value = body.get(field)
        if value is None:
            if required:
                refuse(field, "field required")
            return None
        if not isinstance(value, str):
            refuse(field, "expected a string")
            return None
        value = value.strip()
        if not 1 <= len(value) <= most:
            refuse(field, f"expected 1 to {most} characters")
            return None
        if DECEPTIVE.search(value):
            refuse(field, "holds a control character or a bidirectional override")
            return None
        return value

    def choice(field: str, allowed: frozenset[str], *, required: bool = False) -> str | None:
        value = body.get(field)
        if value is None:
            if required:
                refuse(field, "field required")
            return None
        if value not in allowed:
            refuse(field, f"expected one of {', '.join(sorted(allowed))}")
            return None
        return str(value)

    pledgers: list[str] = []
    raw_pledgers = body.get("pledgers")
    if not isinstance(raw_pledgers, list) or not 1 <= len(raw_pledgers) <= 50:
        refuse("pledgers", "expected a list of 1 to 50 actors")
    else:
        for index, value in enumerate(raw_pledgers):
            if not isinstance(value, str) or not 1 <= len(value.strip()) <= 200:
                refuse(f"pledgers.{index}", "expected an actor id of 1 to 200 characters")
            elif DECEPTIVE.search(value):
                refuse(f"pledgers.{index}", "holds a control character")
            elif value.strip() in pledgers:
                refuse("pledgers", f"pledger {value.strip()!r} is listed twice")
            else:
                pledgers.append(value.strip())
    forum = text("forum", 200)
    event = text("event", 200)
    if body.get("forum") is None and body.get("event") is None:
        refuse("event", "a pledge needs a forum, an event, or both")
    kind = choice("kind", KINDS, required=True)
    scope = choice("scope", SCOPES)
    qualifier = choice("amount_qualifier", QUALIFIERS)
    amount: Decimal | None = None
    raw_amount = body.get("amount")
    amount_valid = False
    if raw_amount is None:
        amount_valid = kind != PledgeKind.FINANCIAL
        if not amount_valid:
            refuse("amount", "a financial pledge needs an amount")
    elif not isinstance(raw_amount, str) or not AMOUNT_PATTERN.fullmatch(raw_amount):
        refuse("amount", 'expected a decimal string, e.g. "1500000.00"')
    elif Decimal(raw_amount) <= 0:
        refuse("amount", "expected an amount greater than zero")
    else:
        amount, amount_valid = Decimal(raw_amount).quantize(CENT), True
    currency = body.get("currency")
    if currency is not None and (not isinstance(currency, str) or not is_currency(currency)):
        refuse("currency", "expected an ISO 4217 currency code")
    elif amount_valid and (amount is None) != (currency is None):
        # As PledgeCreate: said only when the amount itself is well formed.
        refuse("currency", "an amount and its ISO 4217 currency go together")
    announced = None
    if body.get("announced_on") is not None:
        try:
            announced = PartialDate.parse(body["announced_on"])
        except ValueError as exc:
            refuse("announced_on", str(exc))
    title = text("title", 500, required=True)
    description = text("description", 10_000)
    objectives: list[int] = []
    raw_objectives = body.get("gcm_objectives", [])
    if not isinstance(raw_objectives, list) or len(raw_objectives) > 23:
        refuse("gcm_objectives", "expected a list of at most 23 objectives")
    else:
        for index, value in enumerate(raw_objectives):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 23:
                refuse(f"gcm_objectives.{index}", "expected an objective from 1 to 23")
            elif value in objectives:
                refuse("gcm_objectives", f"objective {value!r} is listed twice")
            else:
                objectives.append(value)
    external_ref = text("external_ref", 200)
    if problems or kind is None or title is None:
        raise Refused(422, "validation_failed", "The pledge breaks the rules.", problems)
    return Submission(
        pledgers=pledgers,
        forum=forum,
        event=event,
        kind=kind,
        scope=scope,
        amount=amount,
        currency=currency,
        amount_qualifier=qualifier,
        announced=announced,
        title=title,
        description=description,
        objectives=sorted(objectives),
        external_ref=external_ref,
    )


# Everything a submission looks up, in one statement: its pledgers, forum and event by
# their exact codes, the key's grants, a pledge the key already stored under the same
# external_ref, and the cited rate that converts its amount (with the rate's citations).
RATE_JSON = f"""json_build_array(r.id, r.currency, r.usd_per_unit::text, r.period_start,
    r.period_end, r.basis, r.provider,
    (SELECT coalesce(json_agg(json_build_array({CITATION_COLUMNS}) ORDER BY c.id), '[]')
     FROM citation c WHERE c.exchange_rate_id = r.id))"""
LOOKUP_SQL = f"""
SELECT
  (SELECT coalesce(json_agg(json_build_array(a.id, a.iso3, a.name, a.kind)), '[]')
   FROM actor a WHERE a.id = ANY($1::text[])) AS actors,
  (SELECT code FROM forum WHERE code = $2) AS forum,
  (SELECT json_build_array(id, forum_code) FROM event WHERE id = $3) AS event,
  (SELECT coalesce(array_agg(actor_id), '{{}}') FROM api_key_pledger WHERE api_key_id = $4)
    AS granted,
  (SELECT id FROM pledge WHERE api_key_id = $4 AND external_ref = $5) AS existing,
  (SELECT {RATE_JSON} FROM exchange_rate r
   WHERE r.currency = $6 AND r.provider = 'cited' AND r.period_start <= $7
     AND r.period_end >= $8
   ORDER BY r.period_start, r.period_end LIMIT 1) AS rate
"""
RATE_BY_ID_SQL = f"SELECT {RATE_JSON} FROM exchange_rate r WHERE r.id = $1"

INSERT_PLEDGE_SQL = """
WITH pledge AS (
  INSERT INTO pledge (forum_code, event_id, kind, scope, status, amount, amount_qualifier,
                      currency, amount_usd, exchange_rate_id, amount_usd_note, announced_date,
                      announced_precision, title, description, external_ref, api_key_id, version)
  VALUES ($1, $2, $3, $4, 'announced', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1)
  ON CONFLICT (api_key_id, external_ref) DO NOTHING
  RETURNING id
), pledgers AS (
  INSERT INTO pledge_pledger (pledge_id, actor_id, position)
  SELECT pledge.id, p.actor, p.position - 1
  FROM pledge, unnest($17::text[]) WITH ORDINALITY AS p(actor, position)
), objectives AS (
  INSERT INTO pledge_objective (pledge_id, objective)
  SELECT pledge.id, o FROM pledge, unnest($18::int[]) AS o
)
SELECT id FROM pledge
"""

# The audit entry, the Idempotency-Key's answer (when one was claimed), then the change-log
# row under a new data version: the bump takes the version row's lock until the commit. The
# change row names the parts the pledge is in (its forum, its year), as migov's does: a
# response cache reading the log then drops only the answers that read those parts, where a
# row without parts would empty it.
RECORD_SQL = """
WITH audit AS (
  INSERT INTO audit_entry (api_key_id, action, entity, entity_id, entity_version, before,
                           after, at)
  VALUES ($1, $2, $3, $4, 1, 'null', $5::json, $6)
), answered AS (
  UPDATE idempotency_record SET status = $7, created = true, response_body = $8,
         resource_id = $4
  WHERE id = $9
), version AS (
  UPDATE data_version SET version = version + 1, changed_at = $6 WHERE id = 1
  RETURNING version
), change AS (
  INSERT INTO change (version, entity, entity_id, action, origin, changed_at, parts)
  SELECT version, $10, $4, $11, $12, $6, $13::json FROM version
)
SELECT version FROM version
"""


def _parts(forum: str | None, announced: PartialDate | None) -> list[list[str]]:
    """The parts of the pledge family a new pledge is in (``services.pledges.pledge_parts``)."""
    parts = [[PLEDGE_FORUM, forum]] if forum is not None else []
    if announced is not None:
        parts.append([PLEDGE_YEAR, str(announced.date.year)])
    return parts


def _conversion(rate: list[Any]) -> dict[str, Any]:
    return {
        "currency": rate[1],
        "usd_per_unit": rate[2],
        "period_start": rate[3],
        "period_end": rate[4],
        "basis": rate[5],
        "provider": rate[6],
        "citations": [
            {
                "source_id": c[0],
                "locator": c[1],
                "passage": None
                if None in (c[2], c[3], c[4])
                else {"start": c[2], "end": c[3], "sha256": c[4]},
            }
            for c in rate[7]
        ],
    }


@dataclass
class Resolved:
    pledgers: list[dict[str, Any]]  # ActorRef shapes, in the submitted order
    forum: str | None
    event: str | None
    existing: int | None
    rate: list[Any] | None


def _names(rows: Sequence[asyncpg.Record], codes: Sequence[str]) -> dict[str, str]:
    """folded name → code, the names first so that a code wins (services.references)."""
    names: dict[str, str] = {}
    for row in rows:
        for column in codes[1:]:
            values = row[column]
            for name in orjson.loads(values) if column == "aliases" else [values]:
                if name:
                    names.setdefault(fold(name), row[codes[0]])
    for row in rows:
        names[fold(row[codes[0]])] = row[codes[0]]
    return names


async def _by_name(
    connection: asyncpg.Connection, table: str, columns: Sequence[str], values: Sequence[str]
) -> dict[str, str]:
    """Codes for the values an exact lookup missed: ids in any case, names, aliases."""
    rows = await connection.fetch(f"SELECT {', '.join(columns)} FROM {table}")
    names = _names(rows, columns)
    return {value: names[fold(value)] for value in values if fold(value) in names}


async def _resolve(
    connection: asyncpg.Connection, writer: Writer, pledge: Submission
) -> tuple[Submission, Resolved]:
    """The submission with canonical codes, and what it refers to; 422 unknown_reference
    naming each value that names nothing, 403 pledger_not_granted."""
    convertible = pledge.currency not in (None, "USD") and pledge.announced is not None
    row = await connection.fetchrow(
        LOOKUP_SQL,
        pledge.pledgers,
        pledge.forum,
        pledge.event,
        writer.id,
        pledge.external_ref,
        pledge.currency if convertible else None,
        pledge.announced.date if pledge.announced else None,
        pledge.announced.last_day() if pledge.announced else None,
    )
    actors = {a[0]: a for a in orjson.loads(row["actors"])}
    forum, event = row["forum"], row["event"] and orjson.loads(row["event"])
    event_id, event_forum = event if event else (None, None)
    pledgers = list(pledge.pledgers)
    unknown: list[dict[str, Any]] = []
    missing = [p for p in pledgers if p not in actors]
    if missing:
        found = await _by_name(connection, "actor", ("id", "name", "short_name"), missing)
        if found:
            more = await connection.fetch(
                "SELECT id, iso3, name, kind FROM actor WHERE id = ANY($1::text[])",
                list(found.values()),
            )
            actors.update({a["id"]: list(a.values()) for a in more})
        pledgers = [found.get(p, p) for p in pledgers]
        unknown += [
            {"field": f"pledgers.{i}", "detail": f"no actor matches {p!r}"}
            for i, p in enumerate(pledge.pledgers)
            if p in missing and p not in found
        ]
    if pledge.forum is not None and forum is None:
        found = await _by_name(
            connection, "forum", ("code", "name", "name_es", "aliases"), [pledge.forum]
        )
        forum = found.get(pledge.forum)
        if forum is None:
            unknown.append({"field": "forum", "detail": f"no forum matches {pledge.forum!r}"})
    if pledge.event is not None and event_id is None:
        found = await _by_name(connection, "event", ("id", "name"), [pledge.event])
        event_id = found.get(pledge.event)
        if event_id is None:
            unknown.append({"field": "event", "detail": f"no event matches {pledge.event!r}"})
        else:
            event_forum = await connection.fetchval(
                "SELECT forum_code FROM event WHERE id = $1", event_id
            )
    if unknown:
        raise Refused(422, "unknown_reference", "A reference names nothing.", unknown)
    problems = [
        {"field": f"pledgers.{i}", "detail": f"pledger {p!r} is listed twice"}
        for i, p in enumerate(pledgers)
        if p in pledgers[:i]
    ]
    if event_id is not None and forum is not None and event_forum not in (None, forum):
        problems.append({"field": "event", "detail": f"event {event_id!r} is not of {forum!r}"})
    if problems:
        raise Refused(422, "validation_failed", "The pledge breaks the rules.", problems)
    if not writer.any_pledger:
        granted = set(row["granted"])
        others = [
            {"field": f"pledgers.{i}", "value": p, "detail": f"may not pledge for {p}"}
            for i, p in enumerate(pledgers)
            if p not in granted
        ]
        if others:
            raise Refused(403, "pledger_not_granted", "The key may not pledge for.", others)
    resolved = replace(pledge, pledgers=pledgers, forum=forum or event_forum, event=event_id)
    rate = orjson.loads(row["rate"]) if row["rate"] else None
    return resolved, Resolved(
        [
            {"id": a[0], "iso3": a[1], "name": a[2], "kind": a[3]}
            for a in (actors[p] for p in pledgers)
        ],
        resolved.forum,
        event_id,
        row["existing"],
        rate,
    )


async def _usd(
    connection: asyncpg.Connection, pledge: Submission, rate: list[Any] | None
) -> tuple[Decimal | None, list[Any] | None, str | None]:
    """(amount_usd, the rate used, why there is none): ``services.rates.convert``."""
    if pledge.amount is None or pledge.currency is None:
        return None, None, None
    if pledge.currency == "USD":
        return pledge.amount, None, None
    if rate is not None:
        return (pledge.amount * Decimal(rate[2])).quantize(CENT), rate, None
    if pledge.announced is None:
        return None, None, "no announced date to take an exchange rate for"
    found = ecb_rates.usd_rate(pledge.currency, pledge.announced)
    if isinstance(found, ecb_rates.NoRate):
        return None, None, found.reason
    rate_id = await connection.fetchval(
        "SELECT id FROM exchange_rate WHERE currency = $1 AND period_start = $2 "
        "AND period_end = $3 AND provider = 'ecb'",
        found.currency,
        found.period_start,
        found.period_end,
    )
    if rate_id is None:
        await connection.execute(
            "INSERT INTO source (id, title, publisher, url, language, description) "
            "VALUES ($1, $2, $3, $4, 'en', $5) ON CONFLICT (id) DO NOTHING",
            ecb_rates.SOURCE_ID,
            ecb_rates.SOURCE_TITLE,
            ecb_rates.SOURCE_PUBLISHER,
            ecb_rates.SOURCE_URL,
            ecb_rates.SOURCE_DESCRIPTION,
        )
        # A concurrent request storing the same rate: wait for it, then use its row.
        rate_id = await connection.fetchval(
            "WITH rate AS (INSERT INTO exchange_rate (currency, period_start, period_end, "
            "usd_per_unit, basis, provider) VALUES ($1, $2, $3, $4, $5, 'ecb') "
            "ON CONFLICT (currency, period_start, period_end, provider) DO NOTHING "
            "RETURNING id), cited AS (INSERT INTO citation (source_id, locator, "
            "exchange_rate_id) SELECT $6, $7, id FROM rate) SELECT id FROM rate",
            found.currency,
            found.period_start,
            found.period_end,
            found.usd_per_unit,
            found.basis,
            ecb_rates.SOURCE_ID,
            found.locator,
        ) or await connection.fetchval(
            "SELECT id FROM exchange_rate WHERE currency = $1 AND period_start = $2 "
            "AND period_end = $3 AND provider = 'ecb'",
            found.currency,
            found.period_start,
            found.period_end,
        )
    stored = orjson.loads(await connection.fetchval(RATE_BY_ID_SQL, rate_id))
    return (pledge.amount * Decimal(stored[2])).quantize(CENT), stored, None


async def _claim(
    connection: asyncpg.Connection, writer: Writer, key: str, fingerprint: str
) -> int | Written:
    """``services.idempotency.claim``: the record's id, or the answer already given."""
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise Refused(400, "invalid_idempotency_key", "An Idempotency-Key is 1-255 characters.")
    now = dt.datetime.now(dt.UTC)
    found = await connection.fetchrow(IDEMPOTENCY_SQL, writer.id, key)
    if found is not None and found["expires_at"] > now:
        return await _replay(connection, found, fingerprint)
    if found is not None:
        await connection.execute("DELETE FROM idempotency_record WHERE id = $1", found["id"])
    claimed = await connection.fetchval(
        "INSERT INTO idempotency_record (api_key_id, key, request_hash, status, created_at, "
        "expires_at) VALUES ($1, $2, $3, $4, $5, $6) "
        "ON CONFLICT (api_key_id, key) DO NOTHING RETURNING id",
        writer.id,
        key,
        fingerprint,
        IdempotencyStatus.IN_FLIGHT.value,
        now,
        now + IDEMPOTENCY_TTL,
    )
    if claimed is not None:
        return int(claimed)
    # Another request with this key committed first (PostgreSQL waited for it).
    winner = await connection.fetchrow(IDEMPOTENCY_SQL, writer.id, key)
    return await _replay(connection, winner, fingerprint)


IDEMPOTENCY_SQL = (
    "SELECT id, request_hash, status, created, response_body, expires_at "
    "FROM idempotency_record WHERE api_key_id = $1 AND key = $2"
)


async def _replay(
    connection: asyncpg.Connection, record: asyncpg.Record, fingerprint: str
) -> Written:
    if record["request_hash"] != fingerprint:
        raise Refused(422, "idempotency_key_reused", "This Idempotency-Key was used otherwise.")
    if record["status"] != IdempotencyStatus.DONE or record["created"] is None:
        raise Refused(409, "idempotency_key_in_flight", "Retry shortly.")
    version = await connection.fetchval("SELECT version FROM data_version WHERE id = 1")
    return Written(
        orjson.loads(record["response_body"]), record["created"], True, version, record["id"]
    )


@dataclass(frozen=True)
class Written:
    """What a submission answers: the pledge (PledgeRead's shape), whether this request
    stored it, whether it is an Idempotency-Key's replay, and the data version."""

    pledge: dict[str, Any]
    created: bool
    replayed: bool
    data_version: int | None
    record: int | None = None


async def _stored(connection: asyncpg.Connection, pledge_id: int) -> dict[str, Any]:
    row = await connection.fetchrow(f"SELECT {PLEDGE_COLUMNS} FROM pledge WHERE id = $1", pledge_id)
    return _pledge(row, await _pledge_relations(connection, [row]))


async def submit(
    pool: asyncpg.Pool, authorization: str | None, body: Any, idempotency_key: str | None
) -> Written:
    """``services.pledge_writes.submit`` by hand; its transaction commits before it returns."""
    writer = await _writer(pool, authorization)
    pledge = _checked(body)
    async with pool.acquire() as connection, connection.transaction():
        claimed = None
        if idempotency_key is not None:
            fingerprint = hashlib.sha256(
                orjson.dumps(["submit_pledge", pledge.canonical()], option=orjson.OPT_SORT_KEYS)
            ).hexdigest()
            claim = await _claim(connection, writer, idempotency_key, fingerprint)
            if isinstance(claim, Written):
                return claim
            claimed = claim
        pledge, found = await _resolve(connection, writer, pledge)
        pledge_id = found.existing
        if pledge_id is None:
            usd, rate, note = await _usd(connection, pledge, found.rate)
            announced = pledge.announced
            pledge_id = await connection.fetchval(
                INSERT_PLEDGE_SQL,
                pledge.forum,
                pledge.event,
                pledge.kind,
                pledge.scope,
                pledge.amount,
                (pledge.amount_qualifier or AmountQualifier.EXACT.value)
                if pledge.amount is not None
                else None,
                pledge.currency,
                usd,
                rate[0] if rate else None,
                note,
                announced.date if announced else None,
                announced.precision.value if announced else None,
                pledge.title,
                pledge.description,
                pledge.external_ref,
                writer.id,
                pledge.pledgers,
                pledge.objectives,
            )
            if pledge_id is not None:
                answer = _submitted(pledge_id, pledge, found, usd, rate, note)
                snapshot = {k: v for k, v in answer.items() if k != "citations"}
                now = dt.datetime.now(dt.UTC)
                version = await connection.fetchval(
                    RECORD_SQL,
                    writer.id,
                    AuditAction.PLEDGE_CREATED.value,
                    AuditEntity.PLEDGE.value,
                    str(pledge_id),
                    orjson.dumps(snapshot, default=_default).decode(),
                    now,
                    IdempotencyStatus.DONE.value,
                    orjson.dumps(answer, default=_default).decode(),
                    claimed,
                    Entity.PLEDGE.value,
                    ChangeAction.CREATED.value,
                    ChangeOrigin.API.value,
                    orjson.dumps(_parts(pledge.forum, announced)).decode(),
                )
                return Written(answer, True, False, version)
            # The same ref committed meanwhile by a concurrent request (PostgreSQL waited).
            pledge_id = await connection.fetchval(
                "SELECT id FROM pledge WHERE api_key_id = $1 AND external_ref = $2",
                writer.id,
                pledge.external_ref,
            )
        answer = await _stored(connection, pledge_id)
        if claimed is not None:
            await connection.execute(
                "UPDATE idempotency_record SET status = $2, created = false, response_body = $3, "
                "resource_id = $4 WHERE id = $1",
                claimed,
                IdempotencyStatus.DONE.value,
                orjson.dumps(answer, default=_default).decode(),
                str(pledge_id),
            )
        return Written(answer, False, False, None)


def _submitted(
    pledge_id: int,
    pledge: Submission,
    found: Resolved,
    usd: Decimal | None,
    rate: list[Any] | None,
    note: str | None,
) -> dict[str, Any]:
    """The stored pledge as PledgeRead gives it, from what was written."""
    announced = pledge.announced
    return {
        "id": pledge_id,
        "pledgers": found.pledgers,
        "forum": pledge.forum,
        "event": pledge.event,
        "kind": pledge.kind,
        "scope": pledge.scope,
        "amount": pledge.amount,
        "amount_qualifier": (pledge.amount_qualifier or AmountQualifier.EXACT.value)
        if pledge.amount is not None
        else None,
        "currency": pledge.currency,
        "amount_usd": usd,
        "usd_conversion": _conversion(rate) if rate else None,
        "amount_usd_note": note,
        "announced_on": str(announced) if announced else None,
        "announced_precision": announced.precision.value if announced else None,
        "status": PledgeStatus.ANNOUNCED.value,
        "gcm_objectives": pledge.objectives,
        "title": pledge.title,
        "description": pledge.description,
        "external_ref": pledge.external_ref,
        "curated": False,
        "version": 1,
        "citations": [],
        "inferred": [],
        "currency_assumed": False,
    }


async def rest_submit(request: Request) -> Response:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return _problem(Refused(422, "validation_failed", "The body is not JSON."))
    try:
        written = await submit(
            request.app.state.pool,
            request.headers.get("authorization"),
            body,
            request.headers.get("idempotency-key"),
        )
    except Refused as refused:
        return _problem(refused)
    pledge = written.pledge
    headers = {
        "Location": f"/v1/pledges/{pledge['id']}",
        "ETag": f'"p{pledge["id"]}-v{pledge["version"]}"',
    }
    if written.data_version is not None:
        headers["Migov-Data-Version"] = str(written.data_version)
    if written.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(
        orjson.dumps(pledge, default=_default),
        status_code=201 if written.created else 200,
        media_type="application/json",
        headers=headers,
    )


async def rest_pledges_or_submit(request: Request) -> Response:
    if request.method == "POST":
        return await rest_submit(request)
    return await rest_pledges(request)


# GraphQL's PledgeInput, camelCase, as the body of POST /v1/pledges.
INPUT_FIELDS = {
    "amountQualifier": "amount_qualifier",
    "announcedOn": "announced_on",
    "gcmObjectives": "gcm_objectives",
    "externalRef": "external_ref",
}
INPUT_ENUMS = ("kind", "scope", "amount_qualifier")


async def graphql_submit(request: Request, variables: dict[str, Any]) -> Response:
    """``submitPledge(input, idempotencyKey) { created replayed pledge { ... } }`` with the
    selection of ``bench/run.py``'s SubmitPledge; refusals are errors in a 200 answer."""
    given = variables.get("input") or {}
    body = {INPUT_FIELDS.get(name, name): value for name, value in given.items()}
    for name in INPUT_ENUMS:
        if isinstance(body.get(name), str):
            body[name] = body[name].lower()
    try:
        written = await submit(
            request.app.state.pool,
            request.headers.get("authorization"),
            body,
            variables.get("idempotencyKey"),
        )
    except Refused as refused:
        error = {"message": refused.detail, "extensions": {"code": refused.code}}
        return _json({"data": {"submitPledge": None}, "errors": [error]})
    pledge = written.pledge
    headers: dict[str, str] = {}
    if written.data_version is not None:
        headers["Migov-Data-Version"] = str(written.data_version)
    payload = {
        "created": written.created and not written.replayed,
        "replayed": written.replayed,
        "pledge": {
            "id": pledge["id"],
            "title": pledge["title"],
            "kind": _upper(pledge["kind"]),
            "scope": _upper(pledge["scope"]),
            "status": _upper(pledge["status"]),
            "amount": pledge["amount"],
            "currency": pledge["currency"],
            "amountUsd": pledge["amount_usd"],
            "announcedOn": pledge["announced_on"],
            "gcmObjectives": pledge["gcm_objectives"],
            "forumCode": pledge["forum"],
            "eventId": pledge["event"],
            "externalRef": pledge["external_ref"],
            "version": pledge["version"],
            "pledgers": [{"id": p["id"], "name": p["name"]} for p in pledge["pledgers"]],
        },
    }
    return Response(
        orjson.dumps({"data": {"submitPledge": payload}}, default=_default),
        media_type="application/json",
        headers=headers,
    )


OPERATIONS = {
    "W1": graphql_pledges,
    "W2": graphql_forum,
    "W3": graphql_summary,
    "W4": graphql_pledge,
}


async def graphql(request: Request) -> Response:
    body = orjson.loads(await request.body())
    if body.get("operationName") == "SubmitPledge":
        return await graphql_submit(request, body.get("variables") or {})
    operation = OPERATIONS.get(body.get("operationName"))
    if operation is None:
        return _json(
            {"errors": [{"message": "the baseline answers W1-W4 and SubmitPledge only"}]},
            status=400,
        )
    async with request.app.state.pool.acquire() as connection:
        await connection.fetchrow(VERSION_SQL)
        data = await operation(connection, body.get("variables") or {})
    return _json({"data": data})


async def health(_request: Request) -> Response:
    return _json({"status": "ok"})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # The bare app keeps no history: migov's row-image triggers (``app.db.history``) are
    # off for its sessions, so its writes are the four rows and nothing more.
    app.state.pool = await asyncpg.create_pool(
        os.environ["BENCH_DSN"],
        min_size=2,
        max_size=10,
        server_settings={"session_replication_role": "replica"},
    )
    try:
        yield
    finally:
        await app.state.pool.close()


app = Starlette(
    routes=[
        Route("/healthz", health),
        Route("/v1/pledges", rest_pledges_or_submit, methods=["GET", "POST"]),
        Route("/v1/pledges/summary", rest_summary),
        Route("/v1/pledges/{pledge_id:int}", rest_pledge),
        Route("/v1/forums/{code}/participants", rest_participants),
        Route("/graphql", graphql, methods=["POST"]),
    ],
    lifespan=lifespan,
)
