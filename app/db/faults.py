"""Database faults as domain errors: what a client is told when the store fails.

A request that needs the database while it is down, overloaded or too slow is
refused with ``Unavailable`` (503 and ``Retry-After`` over REST, the same
``extensions.code`` over GraphQL), never a 500 and never a hang:

* ``database_unavailable``: the database refuses or drops connections (stopped,
  restarting, crashed, unreachable, a connection that broke mid-request);
* ``database_busy``: no connection came free in the pool within
  ``db_pool_timeout``, or SQLite's write lock stayed taken past its busy timeout;
* ``database_timeout``: a statement ran past ``db_statement_timeout`` and the
  server cancelled it (the connection goes back to the pool clean);
* ``database_budget_spent``: the request's statements together ran longer than
  ``db_request_budget`` (``app.db.DatabaseBudget``), so it may start no more: one
  request cannot hold the database for its whole deadline with many statements
  each under the statement timeout (thirty aliased GraphQL fields did, for 9 s).

A value the database refuses to store or compare (PostgreSQL's SQLSTATE class
22, "data exception": a NUL character in text, a number beyond its column's
range) is the client's input, not our fault: ``InvalidInput`` with the code
``unstorable_value`` (400). The adapters refuse such values at the edge first;
this is the backstop for any that get past. A total SQLite cannot add up exactly
(``models.base.money_sum`` past 2**63 cents in one group; SQLite stops with "integer
overflow") is ``total_out_of_range`` (400): narrower filters or groups give smaller
totals, and no total is ever answered rounded.

Each answers with its own ``detail`` above, written for the client (what
happened and what to do), over REST and GraphQL alike: never the library's
message, which names the pool or holds the statement and its parameters.

``database_fault`` recognises these among the exceptions SQLAlchemy, asyncpg,
sqlite3 and the socket layer raise. Anything it does not recognise is a real
fault of ours and stays a 500 ``internal_error``.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

from app.errors import DomainError, InvalidInput, Unavailable

DATABASE_BUDGET_SPENT = "database_budget_spent"
DATABASE_UNAVAILABLE = "database_unavailable"
DATABASE_BUSY = "database_busy"
DATABASE_TIMEOUT = "database_timeout"
UNSTORABLE_VALUE = "unstorable_value"
TOTAL_OUT_OF_RANGE = "total_out_of_range"

# PostgreSQL SQLSTATE classes and codes (Appendix A of its manual).
_QUERY_CANCELED = "57014"
_UNAVAILABLE_PREFIXES = ("08", "53", "57P")  # connection, resources, shutdown/crash


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is s for s in seen) or len(seen) > 10:
            continue
        seen.append(current)
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return seen


# Seconds a client is asked to wait: a restart or a burst is usually over by then.
RETRY_AFTER = 2


def database_fault(error: BaseException, *, retry_after: int = RETRY_AFTER) -> DomainError | None:
    """The error a database failure answers with, or None if it is not one.

    ``Unavailable`` when the database failed, ``InvalidInput`` when it refused a value.
    """
    code = _classify(error)
    if code is None:
        return None
    if code == TOTAL_OUT_OF_RANGE:
        return InvalidInput(
            "A total of this answer is past what the database adds up exactly. Narrow the "
            "filters (a shorter date range, fewer forums) or group more finely, so that each "
            "total is smaller.",
            code=TOTAL_OUT_OF_RANGE,
        )
    if code == UNSTORABLE_VALUE:
        return InvalidInput(
            "A value is out of the range the database stores or holds a character it "
            "refuses (such as NUL).",
            code=UNSTORABLE_VALUE,
        )
    detail = {
        DATABASE_UNAVAILABLE: "The database is unavailable. Retry after the seconds "
        "Retry-After gives.",
        DATABASE_BUSY: "The server is busy: every database connection is in use. Retry "
        "after the seconds Retry-After gives, send fewer requests at once, or ask for "
        "smaller pages.",
        DATABASE_TIMEOUT: "The database took too long to answer and the query was cancelled. "
        "Ask for less (a smaller page, narrower filters) or retry after the seconds "
        "Retry-After gives.",
    }[code]
    return Unavailable(detail, code=code, retry_after=retry_after)


def _classify(error: BaseException) -> str | None:
    for current in _chain(error):
        if isinstance(current, sa_exc.TimeoutError):
            return DATABASE_BUSY  # the pool's checkout timeout
        state = str(getattr(current, "sqlstate", None) or getattr(current, "pgcode", "") or "")
        if state == _QUERY_CANCELED:
            return DATABASE_TIMEOUT
        if state.startswith(_UNAVAILABLE_PREFIXES):
            return DATABASE_UNAVAILABLE
        if state.startswith("22"):
            return UNSTORABLE_VALUE
        if isinstance(current, sqlite3.OperationalError):
            message = str(current).lower()
            if "locked" in message or "busy" in message:
                return DATABASE_BUSY
            if "unable to open" in message or "disk i/o" in message:
                return DATABASE_UNAVAILABLE
            if message == "integer overflow":
                return TOTAL_OUT_OF_RANGE
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return DATABASE_UNAVAILABLE
        if isinstance(current, sa_exc.InterfaceError | ConnectionError | TimeoutError):
            return DATABASE_UNAVAILABLE
        if type(current).__name__ in _ASYNCPG_CONNECTION_ERRORS:
            return DATABASE_UNAVAILABLE
    return None


# asyncpg's own names for a connection that is gone, matched by name so that this module
# imports no driver (a SQLite deployment never loads asyncpg).
_ASYNCPG_CONNECTION_ERRORS = frozenset(
    {
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "CannotConnectNowError",
        "InterfaceError",
        "InternalClientError",
    }
)


def budget_spent(seconds: float, *, retry_after: int = RETRY_AFTER) -> Unavailable:
    """What a request answers once its statements have used ``seconds`` of database time."""
    return Unavailable(
        f"This request used its {seconds:g} s of database time and was stopped. Ask for "
        "less in one request (fewer aliases or nested lists, smaller pages, narrower "
        "filters), or retry after the seconds Retry-After gives.",
        code=DATABASE_BUDGET_SPENT,
        retry_after=retry_after,
    )
