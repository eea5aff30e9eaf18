"""``format=csv&all=true`` over 200,000 pledges: one answer, in flat memory, index pages.

A real server in a child process streams every pledge of a database holding the
curated data plus 200,000 bulk pledges. The test reads the stream as it comes and
checks what the server's process needed for it: its peak resident memory
(``VmHWM``, reset just before the request where the kernel allows) may grow by at
most ``MEMORY_BOUND`` over its resident size before the request. The CSV itself
is about 34 MB, so a server that built the answer in memory (or held every row)
could not stay under the bound.

Each page of the stream is a keyset query; its plan must be an index range on
both engines (no sort of the whole list per page), checked with EXPLAIN here on the
same 200,000 rows. So is a year's summary: from ``ix_pledge_announced_summary`` alone,
without reading the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import logging
import time
from pathlib import Path

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.schemas.filters import PledgeFilter
from app.schemas.pledge import SummaryKey
from app.services.paging import encode_cursor, page_statement
from app.services.pledges import (
    PLEDGE_SORTS,
    PLEDGE_TABLE,
    PledgeSort,
    apply_filter,
    resolve_filter,
    summary_statement,
)
from tests.bulk import insert_pledges
from tests.conftest import setup_engine
from tests.live_server import Server

log = logging.getLogger(__name__)

ROWS = 200_000
# Bytes of peak RSS growth while streaming: under half the CSV's 34 MB (measured: about
# 3 MB on SQLite and on PostgreSQL).
MEMORY_BOUND = 16 * 1024 * 1024


class StreamServer(Server):
    ports = range(8650, 8700)


async def seed(url: str) -> None:
    engine = setup_engine(url)
    try:
        async with engine.begin() as connection:
            await insert_pledges(connection, ROWS, forum="RCM")
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM ANALYZE pledge")
        else:
            async with engine.begin() as connection:
                await connection.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()


async def page_plans(url: str) -> dict[str, str]:
    """EXPLAIN of a page from the middle of the list, per ordering and filter."""
    engine = setup_engine(url)
    plans: dict[str, str] = {}
    try:
        async with AsyncSession(engine) as session:
            middle = await session.scalar(
                select(PLEDGE_TABLE.c.id).order_by("id").offset(ROWS // 2)
            )
            for sort in (PledgeSort.ID, PledgeSort.ID_DESC):
                for forum in ((), ("RCM",)):
                    filters = await resolve_filter(session, PledgeFilter(forum=forum))
                    order = PLEDGE_SORTS[sort]
                    statement = page_statement(
                        apply_filter(select(*PLEDGE_TABLE.c), filters),
                        order=order,
                        cursor=encode_cursor(order, [middle]),
                        size=500,
                    )
                    sql = statement.compile(engine, compile_kwargs={"literal_binds": True})
                    explain = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
                    rows = (await session.execute(text(f"{explain} {sql}"))).all()
                    plans[f"{sort.value} forum={','.join(forum)}"] = "\n".join(
                        str(row[-1]) for row in rows
                    )
    finally:
        await engine.dispose()
    return plans


async def summary_plan(url: str) -> str:
    """EXPLAIN of a year's summary by forum, as ``GET /v1/pledges/summary`` runs it."""
    engine = setup_engine(url)
    try:
        async with AsyncSession(engine) as session:
            filters = await resolve_filter(
                session,
                PledgeFilter(
                    announced_from=dt.date(2021, 1, 1), announced_to=dt.date(2021, 12, 31)
                ),
            )
            statement = summary_statement([SummaryKey.FORUM], filters)
            sql = statement.compile(engine, compile_kwargs={"literal_binds": True})
            explain = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
            rows = (await session.execute(text(f"{explain} {sql}"))).all()
            return "\n".join(str(row[-1]) for row in rows)
    finally:
        await engine.dispose()


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    return fields


def reset_peak(pid: int) -> bool:
    """Reset the process's VmHWM to its current RSS (Linux: clear_refs 5)."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    return False


def test_all_rows_streams_200k_pledges_in_flat_memory(
    live_database_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    asyncio.run(seed(live_database_url))
    seeded = time.monotonic() - started

    for name, plan in asyncio.run(page_plans(live_database_url)).items():
        if live_database_url.startswith("sqlite"):
            assert "TEMP B-TREE" not in plan, (name, plan)
            assert "SCAN" not in plan, (name, plan)
            assert "(rowid>?)" in plan or "(rowid<?)" in plan or "AND id" in plan, (name, plan)
        else:
            assert "Sort" not in plan, (name, plan)
            assert "Seq Scan" not in plan, (name, plan)
            assert "Index Cond: (id" in plan, (name, plan)

    # A year is a fifth of the rows: still read from the index alone, never the table.
    plan = asyncio.run(summary_plan(live_database_url))
    if live_database_url.startswith("sqlite"):
        assert "USING COVERING INDEX ix_pledge_announced_summary" in plan, plan
    else:
        assert "Index Only Scan using ix_pledge_announced_summary" in plan, plan

    server = StreamServer(live_database_url, tmp_path / "server.log")
    server.start()
    try:
        assert server.process is not None
        pid = server.process.pid
        # Warm up: the code paths, pools and caches a first page brings in.
        warm = httpx.get(f"{server.base_url}/v1/pledges", params={"format": "csv", "limit": 500})
        assert warm.status_code == 200
        time.sleep(0.5)
        reset = reset_peak(pid)
        before = memory(pid)
        rows, size, last = 0, 0, ""
        streamed = time.monotonic()
        with httpx.stream(
            "GET",
            f"{server.base_url}/v1/pledges",
            params={"format": "csv", "all": "true"},
            timeout=httpx.Timeout(30, read=120),
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-disposition"] == 'attachment; filename="pledges.csv"'
            for line in response.iter_lines():
                rows += 1
                size += len(line) + 2
                last = line
        streamed = time.monotonic() - streamed
        after = memory(pid)
    finally:
        server.stop()

    total = rows - 1  # less the header
    assert total >= ROWS
    assert int(next(csv.reader([last]))[0]) == total  # ids run 1..N, in order, none lost
    growth = after["VmHWM"] - before["VmRSS"]
    figures = (
        f"{total} rows, {size / 2**20:.1f} MB of CSV in {streamed:.1f} s "
        f"(seeded in {seeded:.1f} s); server RSS {before['VmRSS'] / 2**20:.1f} MB before, "
        f"peak {after['VmHWM'] / 2**20:.1f} MB during (peak reset: {reset}), "
        f"growth {growth / 2**20:.1f} MB, bound {MEMORY_BOUND / 2**20:.0f} MB"
    )
    log.info("csv stream: %s", figures)
    (tmp_path / "figures.txt").write_text(figures)
    assert growth < MEMORY_BOUND, figures
