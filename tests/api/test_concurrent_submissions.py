"""Real races on a real database: 200 concurrent submissions, 50 of them retries.

Unlike the rest of the suite, these requests do not share one rolled-back
transaction: the app runs with its own engine on a database of its own
(``live_database_url``), every request commits, and the database alone (unique
indexes, row locks, SQLite's write lock) keeps the pledges single.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import create_engine
from app.main import create_app
from app.models import AuditEntry, Change, IdempotencyRecord, Pledge
from app.services import api_keys as api_key_service
from tests.app_settings import app_settings
from tests.conftest import client_for
from tests.factories import pledge_body

logger = logging.getLogger(__name__)

DISTINCT = 150
RETRIED = 50


async def _count(session: AsyncSession, model: Any, *where: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def queueing_settings(url: str) -> Settings:
    """Settings that queue every request instead of shedding load.

    These tests check that concurrent writes are stored exactly once, so all 200
    must be served: back-pressure (503 database_busy after db_pool_timeout) is
    tested in tests/test_reliability_timeouts.py. Opening a connection may take
    seconds on a busy machine (twenty requests open the pool's fifteen at once);
    past ``db_connect_timeout`` that would be a 503 database_unavailable.
    """
    return app_settings(url, db_pool_timeout=60, db_connect_timeout=60, request_timeout=0)


async def test_200_concurrent_submissions_with_50_reused_keys_store_150_pledges(
    live_database_url: str,
) -> None:
    settings = queueing_settings(live_database_url)
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            created = await api_key_service.create_api_key(
                session, name="load test", scopes=["pledges:write"], any_pledger=True
            )
            await session.commit()
            key_id = created.key.id
            changes_before = await _count(session, Change)
        headers = {"Authorization": f"Bearer {created.secret}"}
        requests = [
            (f"submission-{n}", pledge_body(title=f"Pledge {n}", external_ref=None))
            for n in [*range(DISTINCT), *range(RETRIED)]
        ]
        random.Random(20261122).shuffle(requests)

        async with client_for(create_app(settings), base_url="http://migov.test") as client:

            async def send(idempotency_key: str, body: dict[str, Any]) -> httpx.Response:
                return await client.post(
                    "/v1/pledges",
                    json=body,
                    headers={**headers, "Idempotency-Key": idempotency_key},
                )

            started = time.perf_counter()
            responses = await asyncio.gather(*(send(k, b) for k, b in requests))
            elapsed = time.perf_counter() - started
        logger.info("200 concurrent submissions took %.2f s", elapsed)

        assert [r.status_code for r in responses] == [201] * len(requests), [
            r.text for r in responses if r.status_code != 201
        ][:3]
        answers: dict[str, set[bytes]] = defaultdict(set)
        for (idempotency_key, _), response in zip(requests, responses, strict=True):
            answers[idempotency_key].add(response.content)
        assert len(answers) == DISTINCT
        assert all(len(bodies) == 1 for bodies in answers.values())
        replayed = [r for r in responses if r.headers.get("idempotent-replayed") == "true"]
        assert len(replayed) == RETRIED
        assert len({r.json()["id"] for r in responses}) == DISTINCT

        async with AsyncSession(engine) as session:
            assert await _count(session, Pledge, Pledge.api_key_id == key_id) == DISTINCT
            assert await _count(session, IdempotencyRecord) == DISTINCT
            assert await _count(session, AuditEntry, AuditEntry.action == "pledge.created") == (
                DISTINCT
            )
            new_changes = await _count(session, Change) - changes_before
            assert new_changes == DISTINCT
            versions = await session.scalars(
                select(Change.version).where(Change.origin == "api").order_by(Change.id)
            )
            ordered = list(versions)
            assert ordered == sorted(set(ordered))  # one version per commit, in commit order
    finally:
        await engine.dispose()


async def test_concurrent_repeats_of_one_external_ref_store_one_pledge(
    live_database_url: str,
) -> None:
    settings = queueing_settings(live_database_url)
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            created = await api_key_service.create_api_key(
                session, name="ref test", scopes=["pledges:write"], any_pledger=True
            )
            await session.commit()
        headers = {"Authorization": f"Bearer {created.secret}"}
        async with client_for(create_app(settings)) as client:
            responses = await asyncio.gather(
                *(
                    client.post(
                        "/v1/pledges", json=pledge_body(external_ref="same-ref"), headers=headers
                    )
                    for _ in range(20)
                )
            )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 19 + [201]
        assert len({r.json()["id"] for r in responses}) == 1
        async with AsyncSession(engine) as session:
            assert await _count(session, Pledge, Pledge.api_key_id == created.key.id) == 1
    finally:
        await engine.dispose()
