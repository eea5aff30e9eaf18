"""Shared GraphQL pieces: Relay-style connections, page sizes, date precision.

Decimals travel as strings in strawberry's ``Decimal`` scalar and exact dates in
``Date``; a date known only to the month or year is a string cut to its precision
plus a ``DatePrecision``, as in REST.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput, NotFound
from app.graphql.context import Info
from app.schemas.language import localized
from app.services.paging import DEFAULT_LIMIT, MAX_LIMIT, PageResult, SortKey, row_cursor

FIRST_DOC = f"Page size (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})."
AFTER_DOC = "Cursor of the last edge already seen (`pageInfo.endCursor`); omit for the first page."

First = Annotated[int, strawberry.argument(description=FIRST_DOC)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DOC)]

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")
T = TypeVar("T")
PageT = TypeVar("PageT")


@strawberry.type(name="PageInfo", description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(
        description="True when the page was asked for `after` a cursor."
    )
    start_cursor: str | None
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` to get the next page; null when the page is empty."
    )


@strawberry.type
class Edge(Generic[NodeT]):
    row: strawberry.Private[Any]
    order: strawberry.Private[Sequence[SortKey]]

    @strawberry.field(description="Opaque; pass as `after` to continue after it.")
    def cursor(self) -> str:
        # Encoded when asked for: most queries read `pageInfo.endCursor` only, and a
        # cursor per edge was about a twelfth of a 100-pledge page.
        return row_cursor(self.order, self.row)

    node: NodeT


@strawberry.type(
    name="FilterNote",
    description="Why a list is empty: a `memberOf` or `hasRole` condition judged on a day "
    "when no one held its role, though the forum records holders at other times.",
)
class FilterNoteType:
    parameter: str = strawberry.field(description="`member_of` or `has_role`.")
    value: str = strawberry.field(description="The condition as resolved, e.g. `CIREFCA`.")
    day: dt.date = strawberry.field(description="The day it was judged on.")
    earliest: dt.date | None = strawberry.field(
        description="The earliest day any holder of the role may have started."
    )
    latest: dt.date | None = strawberry.field(
        description="The latest day any holder may have left it (null: no end recorded)."
    )
    detail: str = strawberry.field(description="The same in words, with what to ask instead.")


@strawberry.type
class Connection(Generic[NodeT]):
    total_count: int = strawberry.field(description="Rows matching the filter, on all pages.")
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    possible_left_out: int | None = strawberry.field(
        default=None,
        description="With `certainty: CERTAIN`: how many rows match every other filter but "
        "are only POSSIBLE, and so were left out (0 when none). Null on a list not judged "
        "for certainty. A date the documents give only as a month or a year is never "
        "CERTAIN on one day (docs/time.md).",
    )
    notes: list[FilterNoteType] = strawberry.field(
        default_factory=list,
        description="Why the list is empty, when a `memberOf` or `hasRole` condition "
        "found no holder on its day though the forum has holders at other times (ask "
        "`FORUM@ever` or `FORUM@YYYY-MM-DD`). Empty otherwise.",
    )


NestedFirst = Annotated[
    int,
    strawberry.argument(
        description=f"Most pledges returned, the earliest recorded first (default "
        f"{DEFAULT_LIMIT}, at most {MAX_LIMIT}); the root `pledges` connection pages "
        "through them all."
    ),
]


def page_size(first: int) -> int:
    if not 1 <= first <= MAX_LIMIT:
        raise InvalidInput(f"first must be between 1 and {MAX_LIMIT}.", field="first")
    return first


def edges_of(
    page: PageResult[RowT], order: Sequence[SortKey], shape: Callable[[RowT], NodeT]
) -> list[Edge[NodeT]]:
    """One edge per row, its cursor encoded (when asked for) the way ``paginate`` encodes
    ``next_cursor``."""
    return [Edge(row=row, order=order, node=shape(row)) for row in page.items]


def page_info(edges: Sequence[Edge[Any]], page: PageResult[Any], after: str | None) -> PageInfo:
    return PageInfo(
        has_next_page=page.next_cursor is not None,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor() if edges else None,
        end_cursor=edges[-1].cursor() if edges else None,
    )


def connection(
    page: PageResult[RowT],
    order: Sequence[SortKey],
    shape: Callable[[RowT], NodeT],
    *,
    after: str | None,
) -> Connection[NodeT]:
    edges = edges_of(page, order, shape)
    return Connection(
        total_count=page.total,
        edges=edges,
        page_info=page_info(edges, page, after),
        possible_left_out=page.possible_left_out,
        notes=[
            FilterNoteType(**dataclasses.asdict(note), detail=note.detail) for note in page.notes
        ],
    )


async def page_of(
    info: Info, fetch: Callable[[AsyncSession, int], Awaitable[PageT]], first: int
) -> PageT:
    """A root list's page: ``fetch(session, limit)`` under the request's session lock,
    ``first`` checked before any SQL runs."""
    limit = page_size(first)
    async with info.context.db() as session:
        return await fetch(session, limit)


async def list_connection(
    info: Info,
    fetch: Callable[[AsyncSession, int], Awaitable[PageResult[RowT]]],
    order: Sequence[SortKey],
    shape: Callable[[RowT], NodeT],
    *,
    first: int,
    after: str | None,
) -> Connection[NodeT]:
    """A root list field whose nodes need only their row: one page, as a connection."""
    return connection(await page_of(info, fetch, first), order, shape, after=after)


def present(value: T | None, what: str) -> T:
    """A related record a foreign key guarantees; its absence is a server fault."""
    if value is None:
        raise LookupError(f"{what} is missing")
    return value


async def one_or_none(
    info: Info,
    fetch: Callable[[AsyncSession], Awaitable[RowT]],
    shape: Callable[[RowT], NodeT],
    *,
    argument: str = "id",
) -> NodeT | None:
    """A root single-object field: the shaped row; or, when the service finds none,
    null and an error coded ``not_found`` (as GitHub's GraphQL API answers), naming the
    ``argument`` and the closest codes the service suggests (``RMC``: RCM ...)."""
    async with info.context.db() as session:
        try:
            row = await fetch(session)
        except NotFound as missing:
            raise not_found(missing, argument) from None
    return shape(row)


def not_found(missing: NotFound, argument: str) -> NotFound:
    """``missing`` (``forum_not_found`` ...) as GraphQL tells it: code ``not_found``, its
    one problem naming the field's ``argument``, with the service's suggestions."""
    problems = missing.errors or [{"detail": missing.detail, "suggestions": []}]
    return NotFound(
        missing.detail,
        code="not_found",
        errors=[{**problem, "field": argument} for problem in problems],
    )


@strawberry.enum(name="Lang", description="A language names are given in.")
class LangChoice(StrEnum):
    EN = "en"
    ES = "es"


LangArg = Annotated[
    LangChoice | None,
    strawberry.argument(
        description="Language of this name; by default the request's (`?lang=` on the URL, "
        "else Accept-Language, else English). Where no Spanish form is recorded the "
        "English one is given, and the answer's Content-Language says so."
    ),
]
TextLangArg = Annotated[
    LangChoice | None,
    strawberry.argument(
        description="Language of this text; by default the request's, as for `name`. Where "
        "no Spanish form is written the English one is given, and the answer says so."
    ),
]
# Resolvers default ``lang`` to ``strawberry.UNSET``, not ``None``: an argument without a
# GraphQL default is absent when a query leaves it out, so strawberry has nothing to
# convert; with ``= null`` it converted the default on every name of a long list (about
# a tenth of a forum's participants). Both read as "the request's language".


def name_in(info: Info, english: str, spanish: str | None, lang: LangChoice | None) -> str:
    """``english`` or ``spanish``, in the field's ``lang`` or else the request's (``lang``
    unset or null)."""
    request_lang = info.context.lang
    return localized(english, spanish, lang.value if lang else request_lang, into=request_lang)
