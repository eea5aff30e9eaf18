"""What an answer read: the tables behind every statement a request ran.

The response cache (``app.http.cache``) keeps an answer across a write that did not
touch what the answer was computed from. To know that, it records the reads while
it computes the answer: ``recording()`` opens a ``Reads``, and every statement any
engine of ``create_engine`` runs meanwhile (``watch_reads``) adds its tables.

* A statement built with SQLAlchemy names its tables; they are found once per
  compiled statement (``_tables``), which SQLAlchemy's statement cache reuses.
* A statement whose tables cannot be known (textual SQL, ``exec_driver_sql``) marks
  the answer as reading everything (``Reads.everything``), so any write evicts it.
  Transaction control (``BEGIN``, ``ROLLBACK``, savepoints) reads nothing.
* Inside ``rows_only(family, keys)`` the tables of ``family`` are read only for the
  rows those keys name: a row id (the pledge page reads one pledge, its pledgers and
  objectives), or a part of the family, such as ``("forum", code)`` for the pledges
  of one forum or ``("year", "2022")`` for those announced that year. The answer
  depends on those rows, not on the whole family; every write logs the parts its rows
  were in before and after (``change.parts``). Tables outside the family are still
  recorded whole.

What is not recorded is not a dependency, so nothing an answer shows may come from
the database by another way than a statement on these engines. The data version the
cache itself reads (``services.changes.committed_version``, on the driver) is not
part of any answer; the ``ETag`` and ``Last-Modified`` it gives an answer stay right
for as long as the answer's body does.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Alias, TableClause
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect
from sqlalchemy.sql.util import find_tables
from sqlalchemy.sql.visitors import iterate

# Tables whose rows belong to one pledge (keyed by the pledge's id): what a pledge write
# changes besides ``services.changes.WRITTEN_BESIDE_ROWS`` (and, logged apart, a rate
# it stores on its way).
PLEDGE_FAMILY = "pledge"
FAMILIES: dict[str, frozenset[str]] = {
    PLEDGE_FAMILY: frozenset({"pledge", "pledge_pledger", "pledge_objective"}),
}
_FAMILY_OF = {table: family for family, tables in FAMILIES.items() for table in tables}

# SQL that reads no table: transaction control, run by the driver or the SQLite fix.
_CONTROL = re.compile(
    r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|END|SET|SHOW|PRAGMA)\b", re.IGNORECASE
)
EVERYTHING = "*"
# A row of a family by its id, or a part of it as (name, value): ("forum", "RCM").
RowKey = int | tuple[str, str]


@dataclass
class Reads:
    """The tables one answer read; for a family read ``rows_only``, the keys of the rows
    and parts it read instead."""

    tables: set[str] = field(default_factory=set)
    rows: dict[str, set[RowKey]] = field(default_factory=dict)
    # The tables INSERT, UPDATE and DELETE statements wrote (read by the tests that
    # hold a write to the tables the cache expects it to touch).
    written: set[str] = field(default_factory=set)

    @property
    def everything(self) -> bool:
        return EVERYTHING in self.tables

    def frozen(self) -> FrozenReads:
        return FrozenReads(
            frozenset(self.tables),
            tuple(sorted((family, frozenset(ids)) for family, ids in self.rows.items())),
        )


@dataclass(frozen=True)
class FrozenReads:
    """``Reads`` as stored beside a cached answer."""

    tables: frozenset[str]
    rows: tuple[tuple[str, frozenset[RowKey]], ...] = ()


_READS: ContextVar[Reads | None] = ContextVar("migov_reads", default=None)
_NARROWED: ContextVar[tuple[str, frozenset[RowKey]] | None] = ContextVar(
    "migov_reads_narrowed", default=None
)


@contextmanager
def recording() -> Iterator[Reads]:
    """Record the tables of every statement run in this context (and tasks it starts)."""
    reads = Reads()
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


@contextmanager
def rows_only(family: str, keys: Iterable[RowKey]) -> Iterator[None]:
    """Statements run inside read ``family``'s tables for the rows ``keys`` name only."""
    if family not in FAMILIES:
        raise ValueError(f"no table family {family!r}")
    token = _NARROWED.set((family, frozenset(keys)))
    try:
        yield
    finally:
        _NARROWED.reset(token)


_TABLES: weakref.WeakKeyDictionary[Any, frozenset[str]] = weakref.WeakKeyDictionary()


def _tables(compiled: Any) -> frozenset[str]:
    """The tables a compiled statement names, or ``{EVERYTHING}`` when it cannot tell."""
    found = _TABLES.get(compiled)
    if found is None:
        found = _tables_of(compiled.statement)
        _TABLES[compiled] = found
    return found


def _tables_of(statement: Any) -> frozenset[str]:
    if isinstance(statement, TextClause | TextualSelect):
        return frozenset({EVERYTHING})
    names: set[str] = set()
    for each in find_tables(
        statement,
        check_columns=True,
        include_aliases=True,
        include_joins=True,
        include_selects=True,
        include_crud=True,
    ):
        table: Any = each
        while isinstance(table, Alias):
            table = table.element
        if isinstance(table, Table | TableClause):
            names.add(table.name)
    # A fragment of textual SQL may name a table of its own.
    if any(isinstance(element, TextClause) for element in iterate(statement)):
        names.add(EVERYTHING)
    return frozenset(names) if names else frozenset({EVERYTHING})


def note(statement: str, context: Any) -> None:
    """Add one statement's tables to the running ``Reads``, if any."""
    reads = _READS.get()
    if reads is None:
        return
    if _CONTROL.match(statement):
        return
    compiled = getattr(context, "compiled", None)
    if compiled is None or getattr(compiled, "statement", None) is None:
        reads.tables.add(EVERYTHING)
        return
    tables = _tables(compiled)
    if compiled.isinsert or compiled.isupdate or compiled.isdelete:
        reads.written.add(compiled.statement.table.name)
    narrowed = _NARROWED.get()
    if narrowed is None:
        reads.tables.update(tables)
        return
    family, keys = narrowed
    for table in tables:
        if _FAMILY_OF.get(table) == family:
            reads.rows.setdefault(family, set()).update(keys)
        else:
            reads.tables.add(table)


def watch_reads(engine: AsyncEngine) -> None:
    """Record the tables of ``engine``'s statements into the running ``Reads``."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(
        _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: Any
    ) -> None:
        note(statement, context)
