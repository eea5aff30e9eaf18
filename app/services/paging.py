"""Shared query pieces: keyset (cursor) pagination and the ``as_of`` period filter.

Cursors are opaque to clients: URL-safe base64 of the last row's sort-key values
plus a fingerprint of the ordering they belong to. Keyset pagination keeps a
cursor valid while rows are added or removed: a page never repeats or skips a
row that existed on both sides of the walk.

A cursor is client input like any other: each decoded value is checked against
its sort column (type, nullability, and the range the column stores) before it
reaches a query, so a forged one (``[true]``, an integer beyond 64 bits, a NUL in
a code) is 400 ``invalid_cursor`` on both engines, never a driver's error.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    DateTime,
    Integer,
    Numeric,
    Select,
    String,
    Text,
    TypeDecorator,
    and_,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.functions import FunctionElement

from app.errors import InvalidInput

T = TypeVar("T")
U = TypeVar("U")

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class SortKey:
    """One ordering column; the last key of an ordering must make it unique."""

    column: InstrumentedAttribute[Any] | ColumnElement[Any]
    descending: bool = False
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or str(getattr(self.column, "key", self.column))


@dataclass(frozen=True)
class FilterNote:
    """What an answer says about a condition no row met on its day, though the forum has
    holders of that role at other times: the widest span the stored roles may cover."""

    parameter: str
    value: str
    day: dt.date
    earliest: dt.date | None
    latest: dt.date | None

    @property
    def detail(self) -> str:
        since = self.earliest.isoformat() if self.earliest else "its founding"
        until = self.latest.isoformat() if self.latest else "today (no end recorded)"
        code = self.value.partition("@")[0]
        return (
            f"{self.parameter}={self.value}: no actor holds this role on {self.day}; the "
            f"forum's roles of this kind fall between {since} and {until} at the widest. "
            f"Ask {self.parameter}={code}@ever, or @ a day in that span."
        )


@dataclass
class PageResult(Generic[T]):
    items: list[T]
    total: int
    next_cursor: str | None
    # With ``certainty=certain``: rows that match every other filter but are only
    # possible, and so were left out (``left_out``); None when nothing was judged.
    possible_left_out: int | None = None
    # Why an empty answer is empty, where a filter's condition could say (``FilterNote``).
    notes: list[FilterNote] = field(default_factory=list)

    def map(self, shape: Callable[[T], U]) -> PageResult[U]:
        """The same page (total, cursor, what it left out, notes) with each item as
        ``shape(item)``."""
        return PageResult(
            [shape(item) for item in self.items],
            self.total,
            self.next_cursor,
            self.possible_left_out,
            self.notes,
        )


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
        if "n" in value:
            return Decimal(value["n"])
        raise ValueError("bad cursor value")
    return value


def _fingerprint(order: Sequence[SortKey]) -> str:
    spec = ",".join(f"{k.label}{'-' if k.descending else '+'}" for k in order)
    return hashlib.sha1(spec.encode()).hexdigest()[:8]


def encode_cursor(order: Sequence[SortKey], values: Sequence[Any]) -> str:
    payload = json.dumps([_fingerprint(order), [_encode_value(v) for v in values]])
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(order: Sequence[SortKey], cursor: str) -> list[Any]:
    invalid = InvalidInput(
        "The cursor is malformed or belongs to another ordering; start again without it.",
        code="invalid_cursor",
        field="cursor",
    )
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        fingerprint, values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        decoded = [_decode_value(v) for v in values]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError) as exc:
        raise invalid from exc
    if fingerprint != _fingerprint(order) or len(decoded) != len(order):
        raise invalid
    if not all(_fits(key, value) for key, value in zip(order, decoded, strict=True)):
        raise invalid
    return decoded


# Far above any cursor this module writes (a few sort keys); a longer one is forged.
MAX_CURSOR_LENGTH = 1000
_INT32 = 2**31
_INT64 = 2**63


def _fits(key: SortKey, value: Any) -> bool:
    """Whether ``value`` is one the sort column of ``key`` can hold (a row's own value)."""
    column: Any = key.column
    expression = getattr(column, "expression", column)
    if value is None:
        return _nullable(column)
    kind = expression.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, DateTime):
        return False  # no ordering uses a timestamp, and _decode_value writes none
    if isinstance(kind, Date):
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if isinstance(kind, Numeric) and not isinstance(kind, Integer):
        if not isinstance(value, Decimal) or not value.is_finite():
            return False
        whole = (kind.precision or 38) - (kind.scale or 0)
        return abs(value) < Decimal(10) ** whole
    if isinstance(kind, Integer):
        bound = _INT64 if isinstance(kind, BigInteger) else _INT32
        return isinstance(value, int) and not isinstance(value, bool) and -bound <= value < bound
    if isinstance(kind, String):
        return isinstance(value, str) and "\x00" not in value and len(value) <= MAX_CURSOR_LENGTH
    return False


def _after(order: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in ``order`` (NULLs sort first ascending).

    Written so that each page is an index range, not a scan from the start: a
    non-nullable column never gets an ``IS NULL`` branch, and with several keys the
    first one also gets a plain bound (``a >= x``) beside the ``OR`` of the exact
    condition, which the planners of both engines use to start the index scan at
    the cursor.
    """
    clauses: list[ColumnElement[bool]] = []
    for index, key in enumerate(order):
        equal_prefix = [_equal(order[i].column, values[i]) for i in range(index)]
        clauses.append(and_(*equal_prefix, _beyond(key, values[index])))
    if not clauses:
        return false()
    if len(clauses) == 1:
        return clauses[0]
    first, value = order[0], values[0]
    column: Any = first.column
    if value is not None and not first.descending:
        return and_(column >= value, or_(*clauses))
    if value is not None and not _nullable(column):
        return and_(column <= value, or_(*clauses))
    return or_(*clauses)


def _equal(column: Any, value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value  # type: ignore[no-any-return]


def _beyond(key: SortKey, value: Any) -> ColumnElement[bool]:
    column: Any = key.column
    if key.descending:
        # Descending puts NULLs last (see order_clauses); NULL has nothing after it.
        if value is None:
            return false()
        return or_(column < value, column.is_(None)) if _nullable(column) else column < value
    if value is None:
        return column.is_not(None)  # type: ignore[no-any-return]
    return column > value  # type: ignore[no-any-return]


def order_clauses(order: Sequence[SortKey]) -> list[Any]:
    """ORDER BY for ``order``: NULLs first ascending and last descending, on both engines.

    Written as ``NULLS FIRST/LAST`` on the nullable columns only, so an index in
    the same order (``ix_pledge_forum_newest``) serves it instead of a sort.
    """
    clauses: list[Any] = []
    for key in order:
        column: Any = key.column
        if key.descending:
            clause = column.desc()
            clauses.append(clause.nulls_last() if _nullable(column) else clause)
        else:
            clause = column.asc()
            clauses.append(clause.nulls_first() if _nullable(column) else clause)
    return clauses


def _nullable(column: Any) -> bool:
    expression = getattr(column, "expression", column)
    return bool(getattr(expression, "nullable", True))


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return limit


async def count(session: AsyncSession, statement: Select[Any]) -> int:
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    return int((await session.execute(counted)).scalar_one())


def page_statement(
    statement: Select[Any], *, order: Sequence[SortKey], cursor: str | None, size: int
) -> Select[Any]:
    """The query for one page: rows after ``cursor`` in ``order``, one more than ``size``
    (to know whether another page follows)."""
    if cursor:
        statement = statement.where(_after(order, decode_cursor(order, cursor)))
    return statement.order_by(*order_clauses(order)).limit(size + 1)


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    order: Sequence[SortKey],
    limit: int | None,
    cursor: str | None,
    with_total: bool = True,
    rows: bool = False,
) -> PageResult[Any]:
    """Run ``statement`` one page at a time, in ``order``.

    It selects one entity (items are ORM objects) or, with ``rows``, plain columns
    (items are Core rows, which must carry the ordering's columns).
    """
    size = clamp_limit(limit)
    paged = page_statement(statement, order=order, cursor=cursor, size=size)
    items: list[Any] = (
        list((await session.execute(paged)).all())
        if rows
        else list((await session.scalars(paged)).unique())
    )
    next_cursor = None
    if len(items) > size:
        items = items[:size]
        last = items[-1]
        next_cursor = row_cursor(order, last)
    page = PageResult(items=items, total=-1, next_cursor=next_cursor)
    if with_total:
        page.total = await total_of(session, statement, page, cursor=cursor)
    return page


async def total_of(
    session: AsyncSession, counted: Select[Any], page: PageResult[Any], *, cursor: str | None
) -> int:
    """How many rows ``counted`` finds on all pages. A first page with no next one holds
    them all: its length is the answer, and no ``count(*)`` runs (most forums are small)."""
    if cursor is None and page.next_cursor is None:
        return len(page.items)
    return await count(session, counted)


async def left_out(session: AsyncSession, possible: Select[Any], page: PageResult[Any]) -> None:
    """Set ``page.possible_left_out``: how many more rows ``possible`` (the page's own
    query with ``possible`` in place of ``certain``) finds than the page's total."""
    page.possible_left_out = await count(session, possible) - page.total


def row_cursor(order: Sequence[SortKey], row: Any) -> str:
    """The cursor that resumes a list after ``row``: its values of the sort keys, encoded."""
    return encode_cursor(
        order, [getattr(row, str(getattr(key.column, "key", key.label))) for key in order]
    )


# --- related rows in the parent's own row -------------------------------------------------


class json_rows(FunctionElement[str]):  # noqa: N801 (a SQL function, named like one)
    """The rows of a (correlated) subquery as one JSON text: an array of arrays.

    ``json_agg(json_build_array(...))`` on PostgreSQL, ``json_group_array(json_array(...))``
    on SQLite, so that a read fetches a parent with its small related lists in one
    statement (``load_json_rows`` decodes the cell). Neither engine promises the
    order of an aggregate's input here, so callers carry their sort key in each
    array and sort after decoding. Only text, integers and NULL belong inside: a
    decimal or a date keeps its exact typed value only as a column of its own.
    """

    type = Text()
    name = "json_rows"
    inherit_cache = True


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element: json_rows, compiler: Any, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))::text"


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element: json_rows, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


def load_json_rows(cell: str | None) -> list[list[Any]]:
    """A ``json_rows`` cell decoded; no rows is ``[]`` on both engines (PostgreSQL gives NULL)."""
    return [] if cell is None else orjson.loads(cell)
