"""Sessions that only read, and on PostgreSQL read in autocommit (``app.db``).

At PostgreSQL's default READ COMMITTED level every statement takes its own snapshot
whether or not a transaction wraps it, so a request that only reads runs its statements
in autocommit, without the BEGIN and ROLLBACK round trips around them. Such a session
is marked (``READS_ONLY_OPTION``) so that ``app.db.begin_write`` refuses it. A read
that needs a transaction (a server-side cursor: PostgreSQL keeps one only inside a
transaction) asks for it before its statements (``read_in_transaction``). SQLite reads
keep their transaction, which holds one snapshot across statements.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

# Execution option of the engine behind a session that only reads.
READS_ONLY_OPTION = "migov_reads_only"
AUTOCOMMIT = "AUTOCOMMIT"


def reads_only_engine(engine: AsyncEngine) -> AsyncEngine:
    """``engine`` (its pool shared) for sessions that only read."""
    options: dict[str, Any] = {READS_ONLY_OPTION: True}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = AUTOCOMMIT
    return engine.execution_options(**options)


def opened_for_reads(session: AsyncSession) -> bool:
    """Whether ``session`` was opened for reads only."""
    return bool(session.get_bind().get_execution_options().get(READS_ONLY_OPTION))


async def read_in_transaction(session: AsyncSession) -> None:
    """Have ``session``'s next statements run inside a transaction, also when it reads
    in autocommit. Call it before the statements that need one: the session's open
    transaction, which holds reads only, ends first."""
    bind = session.get_bind()
    if bind.get_execution_options().get("isolation_level") != AUTOCOMMIT:
        return
    if session.in_transaction():
        await session.rollback()
    level = bind.dialect.default_isolation_level or "READ COMMITTED"
    await session.connection(execution_options={"isolation_level": level})
