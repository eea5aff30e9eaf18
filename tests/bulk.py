"""Many pledges at once, for tests that need volume: COPY on PostgreSQL, executemany on SQLite.

The rows go straight into ``pledge`` and ``pledge_pledger`` with ids after the
largest one (PostgreSQL's sequence is moved past them), as bench/data.py loads its
data; the schema's CHECKs and foreign keys still vet every row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import Pledge, PledgePledger

PLEDGE_COLUMNS = [
    "id",
    "forum_code",
    "kind",
    "status",
    "amount",
    "amount_qualifier",
    "currency",
    "amount_usd",
    "announced_date",
    "announced_precision",
    "title",
    "version",
    "created_at",
    "updated_at",
]
CHUNK = 5_000


def _pledge_row(pledge_id: int, forum: str, now: dt.datetime) -> tuple[Any, ...]:
    financial = pledge_id % 3 == 0
    amount = Decimal(pledge_id) + Decimal("0.25") if financial else None
    return (
        pledge_id,
        forum,
        "financial" if financial else "technical",
        "announced",
        amount,
        "exact" if financial else None,
        "USD" if financial else None,
        amount,
        dt.date(2020 + pledge_id % 5, 1 + pledge_id % 12, 1),
        "month",
        f"Bulk pledge {pledge_id}",
        1,
        now,
        now,
    )


async def insert_pledges(
    connection: AsyncConnection, count: int, *, forum: str = "RCM", pledger: str = "MEX"
) -> range:
    """``count`` pledges of ``forum`` by ``pledger``; returns their ids."""
    first = (await connection.scalar(select(func.coalesce(func.max(Pledge.id), 0))) or 0) + 1
    ids = range(first, first + count)
    now = dt.datetime.now(dt.UTC)
    if connection.dialect.name == "postgresql":
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        for start in range(0, count, 50_000):
            chunk = ids[start : start + 50_000]
            await raw.copy_records_to_table(
                "pledge",
                records=[_pledge_row(i, forum, now) for i in chunk],
                columns=PLEDGE_COLUMNS,
            )
            await raw.copy_records_to_table(
                "pledge_pledger",
                records=[(i, pledger, 0) for i in chunk],
                columns=["pledge_id", "actor_id", "position"],
            )
        await connection.execute(
            text("SELECT setval(pg_get_serial_sequence('pledge', 'id'), :last)"),
            {"last": ids[-1]},
        )
        return ids
    for start in range(0, count, CHUNK):
        chunk = ids[start : start + CHUNK]
        await connection.execute(
            insert(Pledge),
            [dict(zip(PLEDGE_COLUMNS, _pledge_row(i, forum, now), strict=True)) for i in chunk],
        )
        await connection.execute(
            insert(PledgePledger),
            [{"pledge_id": i, "actor_id": pledger, "position": 0} for i in chunk],
        )
    return ids
