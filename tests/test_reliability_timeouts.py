"""Timeouts and back-pressure, each a setting: pool checkout, statement, request deadline.

Each test serves the app with its own engine on a committed database of its own
(``live_database_url``) and a pool of one connection, so "the connection went
back to the pool clean" is checked by the next request succeeding on it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.api.deps import SessionDep
from app.config import Settings
from app.db import WRITER_OPTION
from app.main import create_app
from app.services import api_keys as api_key_service
from tests.conftest import START_ALLOWANCE, client_for, setup_engine
from tests.factories import pledge_body


def one_connection(url: str, **overrides: Any) -> Settings:
    return Settings(
        database_url=url,
        db_pool_size=1,
        db_pool_max_overflow=0,
        _env_file=None,
        **overrides,
    )


def assert_refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "2"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)


async def _writer_secret(engine: AsyncEngine) -> str:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        created = await api_key_service.create_api_key(
            session, name="timeouts", scopes=["pledges:write"], any_pledger=True
        )
        await session.commit()
    return created.secret


POOL_TIMEOUT = 2.0


def note_checkouts(engine: AsyncEngine) -> list[float]:
    """Note, from now on, when each checkout from ``engine``'s pool begins: each is a
    wait for a connection while the pool's only one is held."""
    pool = engine.sync_engine.pool
    do_get = pool._do_get
    began: list[float] = []

    def noting_get() -> Any:
        began.append(time.monotonic())
        return do_get()

    pool._do_get = noting_get  # type: ignore[method-assign]
    return began


@pytest.mark.parametrize("cache", [False, True], ids=["uncached", "cached"])
async def test_an_exhausted_pool_answers_503_database_busy_after_one_wait(
    live_database_url: str, cache: bool
) -> None:
    # With the response cache on, the data-version read is the first to wait for the
    # pool; it answers the 503 itself instead of letting the app wait a second time.
    # One wait per answer is counted at the pool, so a busy machine's slowness cannot
    # decide the test; the clock only shows that the wait was not cut short.
    settings = one_connection(live_database_url, db_pool_timeout=POOL_TIMEOUT, cache=cache)
    app = create_app(settings)
    query = {"query": '{ forum(code: "RCM") { code } }'}
    async with client_for(app) as client:
        engine: AsyncEngine = app.state.engine
        async with engine.connect() as held:  # the pool's only connection
            await held.execute(text("SELECT 1"))
            checkouts = note_checkouts(engine)

            async def refused_after_one_wait(request: Awaitable[httpx.Response]) -> httpx.Response:
                started = time.monotonic()
                response = await request
                answered = time.monotonic()
                assert answered - started >= 0.9 * POOL_TIMEOUT
                assert len([t for t in checkouts if started <= t <= answered]) == 1, checkouts
                return response

            response = await refused_after_one_wait(client.get("/v1/forums"))
            assert_refused(response, 503, "database_busy")
            refused = await refused_after_one_wait(client.post("/graphql", json=query))
            assert refused.status_code == 503, refused.text
            assert refused.headers["retry-after"] == "2"
            [error] = refused.json()["errors"]
            assert error["extensions"] == {"code": "database_busy", "retryAfter": 2}
        graphql = await client.post("/graphql", json=query)
        assert graphql.status_code == 200  # the connection is free again
        assert graphql.json() == {"data": {"forum": {"code": "RCM"}}}
        again = await client.post("/graphql", json=query)  # from the cache, when on
        assert again.json() == graphql.json()


@pytest.fixture
async def lock_holder(live_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = setup_engine(live_database_url)
    yield engine
    await engine.dispose()


async def test_a_statement_past_its_timeout_answers_503_and_the_connection_stays_usable(
    live_database_url: str, lock_holder: AsyncEngine
) -> None:
    """PostgreSQL cancels the statement (database_timeout); SQLite stops waiting for
    the write lock (database_busy). Either way the next request on the pool's only
    connection succeeds."""
    settings = one_connection(live_database_url, db_statement_timeout=0.3)
    sqlite = make_url(live_database_url).get_backend_name() == "sqlite"
    secret = await _writer_secret(lock_holder)
    headers = {"Authorization": f"Bearer {secret}"}
    app = create_app(settings)
    async with client_for(app) as client:
        async with lock_holder.connect() as other:
            if sqlite:
                await other.execution_options(**{WRITER_OPTION: True})
                await other.begin()  # BEGIN IMMEDIATE: the write lock
            else:
                await other.begin()
                await other.exec_driver_sql("LOCK TABLE forum IN ACCESS EXCLUSIVE MODE")
            if sqlite:
                response = await client.post("/v1/pledges", json=pledge_body(), headers=headers)
                assert_refused(response, 503, "database_busy")
            else:
                response = await client.get("/v1/forums")
                assert_refused(response, 503, "database_timeout")
            # The code says which bound answered: had the statement timeout not applied,
            # the request would have waited on the lock until its deadline and answered
            # request_timeout.
            await other.rollback()
        after = await client.post(
            "/v1/pledges", json=pledge_body(title="After the lock"), headers=headers
        )
        assert after.status_code == 201, after.text
        forums = await client.get("/v1/forums")
        assert forums.status_code == 200


async def test_a_request_past_its_deadline_answers_503_request_timeout(
    live_database_url: str,
) -> None:
    settings = one_connection(live_database_url, request_timeout=0.5)
    app = create_app(settings)

    @app.get("/slow")
    async def slow(session: SessionDep) -> dict[str, int]:
        await session.execute(text("SELECT 1"))  # holds the pool's only connection
        await asyncio.sleep(30)
        return {"slept": 30}

    async with client_for(app) as client:
        started = time.monotonic()
        response = await client.get("/slow")
        took = time.monotonic() - started
        assert_refused(response, 503, "request_timeout")
        assert response.json()["detail"].startswith("The request took longer than 0.5 s")
        assert response.headers["x-content-type-options"] == "nosniff"
        # Not before the deadline, and long before the route's 30 s sleep would end
        # (a loaded machine may be slow to cancel; it never lets the sleep run out).
        assert 0.4 < took < 15
        # The cancelled request gave its connection back.
        forums = await client.get("/v1/forums")
        assert forums.status_code == 200


async def test_a_streamed_response_is_not_cut_by_the_deadline(live_database_url: str) -> None:
    from starlette.responses import StreamingResponse

    deadline = START_ALLOWANCE
    app = create_app(one_connection(live_database_url, request_timeout=deadline))

    async def chunks() -> AsyncIterator[bytes]:
        yield b"0\n"
        # The stream began after the request did, so past this wait the deadline has
        # passed, however fast the start was.
        await asyncio.sleep(deadline)
        for n in range(1, 4):
            yield f"{n}\n".encode()

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="text/plain")

    async with client_for(app) as client:
        response = await client.get("/stream")
    assert (response.status_code, response.text) == (200, "0\n1\n2\n3\n")
