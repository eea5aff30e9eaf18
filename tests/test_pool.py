"""The connection pool serves waiters in the order they came (``app.db.pool``), and a
pooled connection is tested only after it sat idle (``app.db.ping_when_idle``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.util.queue import Empty

from app.config import Settings
from app.db import create_engine
from app.db.pool import FairPool, FairQueue

pytestmark = pytest.mark.anyio


async def _get(queue: FairQueue, seconds: float) -> Any:
    return await greenlet_spawn(queue.get, True, seconds)


async def _until_waiting(queue: FairQueue, count: int) -> None:
    """Yield to the other tasks until ``count`` of them wait on ``queue``: each turn of the
    loop lets every ready task run, so this waits on their progress, not on a clock."""
    while queue.waiting < count:  # noqa: ASYNC110 (the queue offers no event to wait on)
        await asyncio.sleep(0)


async def test_a_returned_connection_goes_to_the_first_waiter_not_to_a_newcomer() -> None:
    queue = FairQueue()
    first = asyncio.create_task(_get(queue, 5))
    await _until_waiting(queue, 1)
    second = asyncio.create_task(_get(queue, 5))
    await _until_waiting(queue, 2)  # both are waiting, in that order
    queue.put_nowait("connection")  # type: ignore[arg-type]
    # A request arriving now finds nothing to take: the connection is already handed over.
    with pytest.raises(Empty):
        queue.get_nowait()
    assert await first == "connection"
    assert not second.done()
    queue.put_nowait("another")  # type: ignore[arg-type]
    assert await second == "another"
    assert queue.qsize() == 0


async def test_a_waiter_past_its_timeout_gets_empty_and_is_skipped() -> None:
    queue = FairQueue()
    with pytest.raises(Empty):
        await _get(queue, 0.05)
    queue.put_nowait("connection")  # type: ignore[arg-type]
    # Nobody waits any more: the connection stays idle, ready for the next request.
    assert queue.qsize() == 1
    assert await _get(queue, 1) == "connection"


async def test_a_cancelled_waiter_passes_a_connection_it_was_handed_to_the_next() -> None:
    queue = FairQueue()
    doomed = asyncio.create_task(_get(queue, 5))
    await _until_waiting(queue, 1)
    patient = asyncio.create_task(_get(queue, 5))
    await _until_waiting(queue, 2)
    queue.put_nowait("connection")  # type: ignore[arg-type]  # handed to ``doomed``
    doomed.cancel()  # ...which is cancelled before it runs again (a request deadline)
    with pytest.raises(asyncio.CancelledError):
        await doomed
    assert await patient == "connection"  # not lost


async def test_under_contention_every_request_gets_a_connection_in_arrival_order(
    settings: Settings,
) -> None:
    """One connection, twelve requests holding it in turn: none times out, each is
    served in the order it asked, on the real engine."""
    engine = create_engine(
        settings.model_copy(
            update={"db_pool_size": 1, "db_pool_max_overflow": 0, "db_pool_timeout": 10}
        )
    )
    assert isinstance(engine.pool, FairPool)
    served: list[int] = []

    async def request(n: int) -> None:
        async with engine.connect() as connection:
            served.append(n)
            await connection.execute(text("SELECT 1"))

    try:
        async with engine.connect() as holder:  # everyone queues behind this one
            await holder.execute(text("SELECT 1"))
            queue = engine.pool._pool
            assert isinstance(queue, FairQueue)
            tasks = []
            for n in range(12):
                tasks.append(asyncio.create_task(request(n)))
                await _until_waiting(queue, n + 1)  # arrive one after another
        await asyncio.gather(*tasks)
    finally:
        await engine.dispose()
    assert served == list(range(12))


async def test_a_connection_is_pinged_only_after_sitting_idle(settings: Settings) -> None:
    engine = create_engine(settings)
    pings: list[int] = []
    dialect = engine.sync_engine.dialect
    original = dialect.do_ping

    def counting_ping(dbapi_connection: Any) -> bool:
        pings.append(1)
        return original(dbapi_connection)

    dialect.do_ping = counting_ping  # type: ignore[method-assign]
    try:
        for _ in range(3):  # back to back: no ping
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert pings == []

        @event.listens_for(engine.sync_engine, "checkin")
        def _age(_dbapi_connection: Any, record: Any) -> None:
            record.info["idle_since"] -= 60  # as if it had sat idle for a minute

        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        assert pings == [1]
    finally:
        await engine.dispose()


async def test_an_idle_connection_that_fails_its_ping_is_replaced_unseen(
    settings: Settings,
) -> None:
    engine = create_engine(settings)
    dialect = engine.sync_engine.dialect
    original = dialect.do_ping
    failures = [ConnectionResetError("the server closed the connection")]

    def failing_ping(dbapi_connection: Any) -> bool:
        if failures:
            raise failures.pop()
        return original(dbapi_connection)

    dialect.do_ping = failing_ping  # type: ignore[method-assign]

    @event.listens_for(engine.sync_engine, "checkin")
    def _age(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] -= 60  # as if each had sat idle for a minute

    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            first = connection.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
        async with engine.connect() as connection:  # the old one fails its ping
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
            second = connection.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
        assert failures == []
        assert second is not first
    finally:
        await engine.dispose()
