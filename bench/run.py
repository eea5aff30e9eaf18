"""Load benchmark: migov against a bare Starlette + asyncpg app running the same queries.

Both servers run under uvicorn on loopback ports against one scratch PostgreSQL
database seeded with the curated dataset plus N synthetic pledges (default
200,000). A bounded number of requests per scenario is sent by a fixed number of
concurrent httpx clients; the script prints requests/s and latency percentiles
for each app and migov's throughput as a ratio of the baseline's, measured in the
same run (absolute numbers on a shared machine mean little).

    python bench/run.py [--pledges 200000] [--requests 2000] [--concurrency 16]

Needs PostgreSQL (MIGOV_BENCH_DATABASE_URL, default the local ``test`` database,
next to which a scratch database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
FORUMS = ["RCM", "MIRPS", "MIRPS-SP", "SICA", "GCM", "IMRF", "IGC", "M5"]
STATES = ["CAN", "USA", "MEX", "GTM", "HND", "SLV", "CRI", "PAN", "BLZ", "NIC", "DOM"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(_dsn(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def seed(url: str, pledges: int) -> None:
    """Migrate, load the curated data, then bulk-insert synthetic pledges with COPY."""
    env = {**os.environ, "MIGOV_DATABASE_URL": url}
    for command in (["migrate"], ["data", "load"]):
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app", *command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL
        )
        if await process.wait() != 0:
            raise RuntimeError(f"migov {' '.join(command)} failed")
    connection = await asyncpg.connect(_dsn(url))
    try:
        start = int(await connection.fetchval("SELECT coalesce(max(id), 0) FROM pledge")) + 1
        rng = random.Random(42)
        rows = []
        pledger_rows = []
        for offset in range(pledges):
            pledge_id = start + offset
            amount = rng.randrange(1_000, 50_000_000)
            rows.append(
                (
                    pledge_id,
                    FORUMS[offset % len(FORUMS)],
                    "financial",
                    "announced",
                    amount,
                    "USD",
                    amount,
                    f"Synthetic pledge {pledge_id}",
                    1,
                )
            )
            pledger_rows.append((pledge_id, STATES[offset % len(STATES)], 0))
        await connection.copy_records_to_table(
            "pledge",
            records=rows,
            columns=[
                "id",
                "forum_code",
                "kind",
                "status",
                "amount",
                "currency",
                "amount_usd",
                "title",
                "version",
            ],
        )
        await connection.copy_records_to_table(
            "pledge_pledger", records=pledger_rows, columns=["pledge_id", "actor_id", "position"]
        )
        await connection.execute(
            "SELECT setval(pg_get_serial_sequence('pledge', 'id'), (SELECT max(id) FROM pledge))"
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def serve(app: str, url: str, *, factory: bool) -> AsyncIterator[str]:
    port = _free_port()
    env = {**os.environ, "MIGOV_DATABASE_URL": url, "BENCH_DSN": _dsn(url)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if factory:
        command.append("--factory")
    process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        yield base
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)


async def hammer(base: str, paths: list[str], concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    queue = list(paths)

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            path = queue.pop()
            started = time.perf_counter()
            response = await client.get(base + path)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def scenarios(requests: int, max_id: int) -> dict[str, list[str]]:
    rng = random.Random(7)
    return {
        "list pledges by forum (100/page)": [
            f"/v1/pledges?forum={rng.choice(FORUMS)}&limit=100" for _ in range(requests)
        ],
        "get one pledge": [f"/v1/pledges/{rng.randrange(1, max_id)}" for _ in range(requests)],
        "pledge summary by forum and currency": [
            "/v1/pledges/summary?group_by=forum&group_by=currency"
            for _ in range(max(requests // 20, 10))
        ],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pledges", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    base_url = os.environ.get("MIGOV_BENCH_DATABASE_URL", DEFAULT_URL)
    name = f"migov_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    await _admin(base_url, f'CREATE DATABASE "{name}"')
    try:
        started = time.perf_counter()
        await seed(url, args.pledges)
        print(f"seeded {args.pledges} pledges in {time.perf_counter() - started:.1f}s")
        connection = await asyncpg.connect(_dsn(url))
        max_id = int(await connection.fetchval("SELECT max(id) FROM pledge"))
        await connection.close()
        plan = scenarios(args.requests, max_id)
        results: dict[str, dict[str, dict[str, float]]] = {}
        async with (
            serve("app.main:create_app", url, factory=True) as migov,
            serve("bench.baseline:app", url, factory=False) as baseline,
        ):
            for label, paths in plan.items():
                # Warm both, then alternate so machine noise hits both alike.
                await hammer(migov, paths[:50], args.concurrency)
                await hammer(baseline, paths[:50], args.concurrency)
                results[label] = {
                    "baseline": await hammer(baseline, paths, args.concurrency),
                    "migov": await hammer(migov, paths, args.concurrency),
                }
        print(f"\n{'scenario':40} {'app':9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for label, by_app in results.items():
            for app_name, figures in by_app.items():
                print(
                    f"{label:40} {app_name:9} {figures['rps']:8.1f} "
                    f"{figures['p50_ms']:8.1f} {figures['p99_ms']:8.1f}"
                )
            ratio = by_app["migov"]["rps"] / by_app["baseline"]["rps"]
            print(f"{'':40} migov throughput = {ratio:.2f} x baseline")
    finally:
        await _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
