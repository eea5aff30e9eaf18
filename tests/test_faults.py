"""Which failures are the database's (503 with a code) and which stay ours (500)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import create_engine
from app.db.faults import database_fault
from app.errors import InvalidInput, Unavailable


class PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def wrapped(orig: Exception, *, connection_invalidated: bool = False) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError("SELECT 1", {}, orig, connection_invalidated=connection_invalidated)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), "database_unavailable"),
        (TimeoutError(), "database_unavailable"),
        (wrapped(PgError("57P01")), "database_unavailable"),  # admin shutdown
        (wrapped(PgError("57P03")), "database_unavailable"),  # cannot connect now
        (wrapped(PgError("08006")), "database_unavailable"),  # connection failure
        (wrapped(PgError("53300")), "database_unavailable"),  # too many connections
        (wrapped(PgError("57014")), "database_timeout"),  # statement timeout
        (wrapped(Exception("closed"), connection_invalidated=True), "database_unavailable"),
        (sa_exc.TimeoutError("QueuePool limit reached"), "database_busy"),
        (wrapped(sqlite3.OperationalError("database is locked")), "database_busy"),
        (wrapped(sqlite3.OperationalError("unable to open database file")), "database_unavailable"),
        (wrapped(sqlite3.OperationalError("integer overflow")), "total_out_of_range"),
        (wrapped(PgError("22021")), "unstorable_value"),  # NUL in text
        (wrapped(PgError("22003")), "unstorable_value"),  # number out of range
        (wrapped(PgError("23505")), None),  # a unique violation is a bug of ours, not a fault
        (wrapped(PgError("42P01")), None),  # undefined table: a bug, not a fault
        (wrapped(sqlite3.OperationalError("no such table: forum")), None),
        (ValueError("bad"), None),
    ],
)
def test_database_fault_classifies(error: Exception, code: str | None) -> None:
    fault = database_fault(error)
    assert (fault.code if fault else None) == code
    if isinstance(fault, Unavailable):
        assert fault.retry_after == 2
    elif fault is not None:
        assert isinstance(fault, InvalidInput)


async def test_engine_durability_and_timeouts_are_set(scratch_url: str) -> None:
    engine = create_engine(
        Settings(database_url=scratch_url, db_statement_timeout=1.5, _env_file=None)
    )
    try:
        async with engine.connect() as connection:
            if make_url(scratch_url).get_backend_name() == "sqlite":
                mode = await connection.scalar(text("PRAGMA journal_mode"))
                synchronous = await connection.scalar(text("PRAGMA synchronous"))
                busy = await connection.scalar(text("PRAGMA busy_timeout"))
                assert (mode, synchronous, busy) == ("wal", 2, 1500)  # 2 = FULL
            else:
                timeout = await connection.scalar(text("SHOW statement_timeout"))
                assert timeout == "1500ms"
    finally:
        await engine.dispose()
