"""Property-based tests of the whole API with schemathesis, on the suite's engine.

A real server (``tests/live_server.py``) serves a database of its own with the
curated data; schemathesis 4 generates valid and invalid requests from the served
OpenAPI document and from the GraphQL schema, with a fixed seed, all checks on
(``tests/schemathesis_hooks.py`` names the narrow exceptions of "valid data is
accepted"), and a writer's key so the write routes are explored past their auth.

It fails on any server error (a GraphQL ``internal_error`` included), any answer
outside the document, any undocumented status, or fewer cases than promised:
at least 1,000 REST and 300 GraphQL cases per engine per run.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.services import api_keys as api_key_service
from tests.conftest import setup_engine
from tests.live_server import ROOT, serving

SEED = "20261130"
REST_CASES = 1000
GRAPHQL_CASES = 300


async def _key(url: str) -> str:
    engine = setup_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            created = await api_key_service.create_api_key(
                session,
                name="schemathesis",
                scopes=["pledges:write", "pledges:admin"],
                any_pledger=True,
            )
            await session.commit()
    finally:
        await engine.dispose()
    return created.secret


def _schemathesis(target: str, secret: str, *options: str, cwd: Path) -> tuple[int, str]:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        target,
        "--checks=all",
        f"--seed={SEED}",
        "--no-shrink",
        # One worker: hypothesis' lambda-source cache is not thread-safe (KeyError,
        # SystemError from ast.parse seen with two).
        "--workers=1",
        "--request-timeout=15",
        "--wait-for-schema=120",
        f"--header=Authorization: Bearer {secret}",
        *options,
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    return done.returncode, done.stdout + done.stderr


def _cases(output: str) -> int:
    found = re.search(r"(\d+) generated", output)
    assert found, output[-3000:]
    return int(found.group(1))


def test_schemathesis_finds_nothing_over_rest_and_graphql(
    live_database_url: str, tmp_path: Path
) -> None:
    secret = asyncio.run(_key(live_database_url))
    # Writes are explored at full speed: the per-key rate limit is switched off.
    with serving(
        live_database_url,
        tmp_path / "server.log",
        rate_limit_per_minute="0",
        client_rate_limit_per_minute="0",
    ) as server:
        rest_code, rest = _schemathesis(
            f"{server.base_url}/openapi.json",
            secret,
            # ~1,200 cases over 23 operations and four phases; the floor is asserted below.
            "--max-examples=15",
            # Replaced by tests/schemathesis_hooks.py, which names its exceptions.
            "--exclude-checks=positive_data_acceptance,negative_data_rejection",
            cwd=tmp_path,
        )
        graphql_code, graphql = _schemathesis(
            f"{server.base_url}/graphql",
            secret,
            "--max-examples=25",
            # Replaced by graphql_errors_are_the_clients (tests/schemathesis_hooks.py).
            "--exclude-checks=not_a_server_error,positive_data_acceptance",
            cwd=tmp_path,
        )
    assert rest_code == 0, rest[-6000:]
    assert graphql_code == 0, graphql[-6000:]
    assert _cases(rest) >= REST_CASES
    assert _cases(graphql) >= GRAPHQL_CASES
