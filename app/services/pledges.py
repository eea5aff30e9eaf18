"""Pledges: commitments made by one or more pledgers to a forum and/or at an event.

Reading rules:

* Amounts keep their own currency; ``amount_usd`` is the USD equivalent from the
  dated rates table, NULL where no rate covers the announcement date.
* A joint pledge lists its pledgers lead first; ``pledger=X`` matches any of them.
* Lists are ordered by id (ascending, the order pledges were recorded in) unless
  another ``PledgeSort`` is asked for; every ordering ends on the id. Unknown
  announcement dates and USD amounts sort first ascending and last descending.

Writes (submit, batch, update, history) live in ``services.pledge_writes``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Select, bindparam, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db.reads import PLEDGE_FAMILY, rows_only
from app.errors import NotFound
from app.models import (
    Actor,
    Citation,
    DataVersion,
    ExchangeRate,
    Pledge,
    PledgeObjective,
    PledgePledger,
)
from app.models.base import money_sum
from app.schemas.actor import ROW_ACTOR_COLUMNS, RowActor
from app.schemas.common import inferred_reads
from app.schemas.dates import PartialDate
from app.schemas.filters import PledgeFilter
from app.schemas.pledge import (
    CurrencyAmount,
    PledgeRead,
    PledgeSummaryRow,
    SummaryKey,
    UsdConversionRead,
)
from app.services import references
from app.services.paging import (
    PageResult,
    SortKey,
    json_rows,
    load_json_rows,
    order_clauses,
    paginate,
    total_of,
)
from app.services.rates import CENT
from app.services.sources import CITATION_JSON_COLUMNS, citations_in

PLEDGE_ORDER = (SortKey(Pledge.id),)


class PledgeSort(StrEnum):
    """Orderings a pledge list offers; each ends on the id so it is total."""

    ID = "id"
    ID_DESC = "-id"
    ANNOUNCED = "announced_on"
    ANNOUNCED_DESC = "-announced_on"
    AMOUNT_USD = "amount_usd"
    AMOUNT_USD_DESC = "-amount_usd"


PLEDGE_SORTS: dict[PledgeSort, tuple[SortKey, ...]] = {
    PledgeSort.ID: PLEDGE_ORDER,
    PledgeSort.ID_DESC: (SortKey(Pledge.id, descending=True),),
    PledgeSort.ANNOUNCED: (SortKey(Pledge.announced_date), SortKey(Pledge.id)),
    PledgeSort.ANNOUNCED_DESC: (
        SortKey(Pledge.announced_date, descending=True),
        SortKey(Pledge.id, descending=True),
    ),
    PledgeSort.AMOUNT_USD: (SortKey(Pledge.amount_usd), SortKey(Pledge.id)),
    PledgeSort.AMOUNT_USD_DESC: (
        SortKey(Pledge.amount_usd, descending=True),
        SortKey(Pledge.id, descending=True),
    ),
}


async def resolve_filter(session: AsyncSession, filters: PledgeFilter | None) -> PledgeFilter:
    """``filters`` with every code resolved (``services.references``), sub-forums added.

    An unknown forum, actor, event or currency is refused here, before any query.
    """
    filters = filters or PledgeFilter()
    return filters.model_copy(
        update={
            "pledger": await references.actor_ids(session, filters.pledger, parameter="pledger"),
            "forum": await references.forum_codes(
                session, filters.forum, include_subforums=filters.include_subforums
            ),
            "event": await references.event_ids(session, filters.event),
            "currency": references.currencies(filters.currency),
        }
    )


def apply_filter(statement: Select[Any], filters: PledgeFilter) -> Select[Any]:
    """``statement`` (over ``pledge``) narrowed to ``filters``, whose codes are resolved."""
    if filters.pledger:
        statement = statement.where(
            Pledge.id.in_(
                select(PledgePledger.pledge_id)
                .where(PledgePledger.actor_id.in_(filters.pledger))
                # Never correlate: the summary joins pledge_pledger in the outer query.
                .correlate(None)
            )
        )
    if filters.forum:
        statement = statement.where(Pledge.forum_code.in_(filters.forum))
    if filters.event:
        statement = statement.where(Pledge.event_id.in_(filters.event))
    if filters.kind:
        statement = statement.where(Pledge.kind.in_(filters.kind))
    if filters.status:
        statement = statement.where(Pledge.status.in_(filters.status))
    if filters.currency:
        statement = statement.where(Pledge.currency.in_(filters.currency))
    if filters.announced_from is not None:
        statement = statement.where(Pledge.announced_date >= filters.announced_from)
    if filters.announced_to is not None:
        statement = statement.where(Pledge.announced_date <= filters.announced_to)
    if filters.gcm_objective:
        statement = statement.where(
            Pledge.id.in_(
                select(PledgeObjective.pledge_id).where(
                    PledgeObjective.objective.in_(filters.gcm_objective)
                )
            )
        )
    if filters.amount_min is not None:
        statement = statement.where(Pledge.amount >= filters.amount_min)
    if filters.amount_max is not None:
        statement = statement.where(Pledge.amount <= filters.amount_max)
    if filters.curated is not None:
        statement = statement.where(
            Pledge.key.is_not(None) if filters.curated else Pledge.key.is_(None)
        )
    return statement


def with_relations(statement: Select[Any]) -> Select[Any]:
    return statement.options(
        selectinload(Pledge.pledgers).selectinload(PledgePledger.actor),
        selectinload(Pledge.objectives),
        selectinload(Pledge.citations),
        selectinload(Pledge.exchange_rate).selectinload(ExchangeRate.citations),
    )


# --- the lean read path: one statement, Core rows straight into the read shape -------------
#
# A page or a single pledge is read in one statement: the pledge columns, its rate's
# columns (an outer join: a pledge has at most one rate), and its pledgers,
# objectives, citations and the rate's citations as ``json_rows`` cells. Nothing
# builds ORM objects or re-validates a row: a profile of one pledge by id put most
# of the request in running and loading five statements (and two thirds of a page
# of 100 in selectin loading, before that).

PLEDGE_TABLE = Pledge.__table__
RATE_TABLE = ExchangeRate.__table__
RATE_COLUMNS = ("currency", "usd_per_unit", "period_start", "period_end", "basis", "provider")


def _read_statement() -> Select[Any]:
    pledgers = (
        select(json_rows(PledgePledger.position, *ROW_ACTOR_COLUMNS))
        .join(Actor, Actor.id == PledgePledger.actor_id)
        .where(PledgePledger.pledge_id == PLEDGE_TABLE.c.id)
    )
    objectives = select(json_rows(PledgeObjective.objective)).where(
        PledgeObjective.pledge_id == PLEDGE_TABLE.c.id
    )
    citations = select(json_rows(*CITATION_JSON_COLUMNS)).where(
        Citation.pledge_id == PLEDGE_TABLE.c.id
    )
    rate_citations = select(json_rows(*CITATION_JSON_COLUMNS)).where(
        Citation.exchange_rate_id == RATE_TABLE.c.id
    )
    return select(
        *PLEDGE_TABLE.c,
        *(RATE_TABLE.c[name].label(f"rate_{name}") for name in RATE_COLUMNS),
        pledgers.scalar_subquery().label("pledgers_json"),
        objectives.scalar_subquery().label("objectives_json"),
        citations.scalar_subquery().label("citations_json"),
        rate_citations.scalar_subquery().label("rate_citations_json"),
    ).select_from(
        PLEDGE_TABLE.outerjoin(RATE_TABLE, RATE_TABLE.c.id == PLEDGE_TABLE.c.exchange_rate_id)
    )


READ_STATEMENT = _read_statement()
# Built once: SQLAlchemy memoizes a statement's cache key on the statement object, and
# generating it for READ_STATEMENT anew on every read cost one pledge by id a tenth of
# its time (py-spy under wrk).
READ_BY_ID = READ_STATEMENT.where(PLEDGE_TABLE.c.id == bindparam("pledge_id"))
READ_BY_IDS = READ_STATEMENT.where(PLEDGE_TABLE.c.id.in_(bindparam("pledge_ids", expanding=True)))
# One pledge and the data version it is read at, in one round trip.
READ_BY_ID_AT_VERSION = READ_BY_ID.add_columns(
    select(DataVersion.version).where(DataVersion.id == 1).scalar_subquery().label("data_version")
)


@dataclass(frozen=True, slots=True)
class PledgeRow:
    """A pledge read: its REST shape, its pledgers in full (for GraphQL's Actor), and the
    values every ``PledgeSort`` orders by (so a cursor can be made from it)."""

    read: PledgeRead
    pledgers: list[RowActor]

    @property
    def id(self) -> int:
        return self.read.id

    @property
    def announced_date(self) -> dt.date | None:
        announced = self.read.announced_on
        return None if announced is None else announced.date

    @property
    def amount_usd(self) -> Decimal | None:
        return self.read.amount_usd


async def list_pledge_rows(
    session: AsyncSession,
    filters: PledgeFilter | None = None,
    *,
    sort: PledgeSort = PledgeSort.ID,
    limit: int | None = None,
    cursor: str | None = None,
    lang: str = "en",
    with_total: bool = True,
) -> PageResult[PledgeRow]:
    """One page of pledges, each with all it embeds, in ``sort`` order.

    ``with_total=False`` skips the count (``total`` is -1): a walk over every page
    needs no count at all, let alone one per page.
    """
    resolved = await resolve_filter(session, filters)
    with _parts_only(resolved):
        page = await paginate(
            session,
            apply_filter(READ_STATEMENT, resolved),
            order=PLEDGE_SORTS[sort],
            limit=limit,
            cursor=cursor,
            rows=True,
            with_total=False,
        )
        total = -1
        if with_total:  # counted on the pledge table alone: the joins add nothing to it
            counted = apply_filter(select(Pledge.id), resolved)
            total = await total_of(session, counted, page, cursor=cursor)
    return PageResult(pledge_rows_from(page.items, lang=lang), total, page.next_cursor)


# Parts of the pledge family (``app.db.reads.RowKey``): a pledge's forum, and the year it
# was announced in. Every pledge write logs the parts its pledge was in before and after
# (``pledge_parts``), so an answer that read only some parts outlives writes to others.
PLEDGE_FORUM = "forum"
PLEDGE_YEAR = "year"
# A date range over more years than this is read as the whole family.
MAX_YEAR_PARTS = 50


def pledge_parts(*states: PledgeRead) -> tuple[tuple[str, str], ...]:
    """The parts of the pledge family ``states`` (a pledge before and after a change) are in."""
    parts: dict[tuple[str, str], None] = {}
    for state in states:
        if state.forum is not None:
            parts[(PLEDGE_FORUM, state.forum)] = None
        if state.announced_on is not None:
            parts[(PLEDGE_YEAR, str(state.announced_on.date.year))] = None
    return tuple(parts)


def _parts_only(resolved: PledgeFilter) -> AbstractContextManager[None]:
    """Reads under ``resolved`` see the pledges of some parts only (``app.db.reads``):
    those of its forums, else those announced in the years its date range spans (a
    pledge without a date is outside any range)."""
    if resolved.forum:
        return rows_only(PLEDGE_FAMILY, [(PLEDGE_FORUM, code) for code in resolved.forum])
    start, end = resolved.announced_from, resolved.announced_to
    if start is not None and end is not None and 0 <= end.year - start.year < MAX_YEAR_PARTS:
        years = range(start.year, end.year + 1)
        return rows_only(PLEDGE_FAMILY, [(PLEDGE_YEAR, str(year)) for year in years])
    return nullcontext()


async def get_pledge_row(session: AsyncSession, pledge_id: int, *, lang: str = "en") -> PledgeRow:
    """One pledge with all it embeds; ``pledge_not_found`` when no pledge has the id."""
    found = (await pledge_rows(session, [pledge_id], lang=lang)).get(pledge_id)
    if found is None:
        raise NotFound(f"No pledge has the id {pledge_id}.", code="pledge_not_found")
    return found


async def get_pledge_row_and_version(
    session: AsyncSession, pledge_id: int, *, lang: str = "en"
) -> tuple[PledgeRow, int]:
    """``get_pledge_row`` and the data version it was read at, for a caller that does not
    know the version yet. (It reads the version row too, so an answer built from it
    depends on every write: with the version known, use ``get_pledge_row``.)"""
    connection = await session.connection()  # plain rows: no ORM work around the statement
    found = (await connection.execute(READ_BY_ID_AT_VERSION, {"pledge_id": pledge_id})).first()
    if found is None:
        raise NotFound(f"No pledge has the id {pledge_id}.", code="pledge_not_found")
    return _row(found, lang), int(found.data_version)


async def pledge_rows(
    session: AsyncSession, pledge_ids: Sequence[int], *, lang: str = "en"
) -> dict[int, PledgeRow]:
    """The pledges with these ids (those that exist), by id."""
    if not pledge_ids:
        return {}
    # The answer depends on these pledges' rows only (``app.db.reads``): a write to
    # another pledge leaves a cached copy of it standing.
    connection = await session.connection()
    with rows_only(PLEDGE_FAMILY, pledge_ids):
        if len(pledge_ids) == 1:
            result = await connection.execute(READ_BY_ID, {"pledge_id": pledge_ids[0]})
        else:
            result = await connection.execute(READ_BY_IDS, {"pledge_ids": sorted(set(pledge_ids))})
    rows = result.all()
    return {row.read.id: row for row in pledge_rows_from(rows, lang=lang)}


async def pledge_reads(session: AsyncSession, pledge_ids: Sequence[int]) -> dict[int, PledgeRead]:
    """The pledges as answered, read back (fresh from the database) with all they embed."""
    return {id_: row.read for id_, row in (await pledge_rows(session, pledge_ids)).items()}


def pledge_rows_from(rows: Sequence[Any], *, lang: str = "en") -> list[PledgeRow]:
    """Rows of ``READ_STATEMENT`` (with any extra columns) as pledges."""
    return [_row(row, lang) for row in rows]


def _row(row: Any, lang: str) -> PledgeRow:
    # Enum columns come back as their enums (``models.base.EnumText``); JSON cells as text.
    # A Row's mapping answers a key in a tenth of the time its attributes take.
    c = row._mapping
    pledgers = [RowActor.of(p[1:]) for p in sorted(load_json_rows(c["pledgers_json"]), key=_first)]
    conversion = None
    if c["exchange_rate_id"] is not None:
        conversion = UsdConversionRead.trusted(
            currency=c["rate_currency"],
            usd_per_unit=c["rate_usd_per_unit"],
            period_start=c["rate_period_start"],
            period_end=c["rate_period_end"],
            basis=c["rate_basis"],
            provider=c["rate_provider"],
            citations=citations_in(c["rate_citations_json"]),
        )
    read = PledgeRead.trusted(
        id=c["id"],
        pledgers=[p.ref(lang) for p in pledgers],
        forum=c["forum_code"],
        event=c["event_id"],
        kind=c["kind"],
        scope=c["scope"],
        amount=c["amount"],
        amount_qualifier=c["amount_qualifier"],
        currency=c["currency"],
        amount_usd=c["amount_usd"],
        usd_conversion=conversion,
        amount_usd_note=c["amount_usd_note"],
        announced_on=PartialDate.of(c["announced_date"], c["announced_precision"]),
        announced_precision=c["announced_precision"],
        status=c["status"],
        gcm_objectives=sorted(o[0] for o in load_json_rows(c["objectives_json"])),
        title=c["title"],
        description=c["description"],
        external_ref=c["external_ref"],
        curated=c["key"] is not None,
        version=c["version"],
        citations=citations_in(c["citations_json"]),
        inferred=inferred_reads(c["inferred"]),
        currency_assumed=bool(c["currency_assumed"]),
    )
    return PledgeRow(read, pledgers)


def _first(values: list[Any]) -> Any:
    return values[0]


async def get_pledge(session: AsyncSession, pledge_id: int) -> Pledge:
    pledge: Pledge | None = await session.scalar(
        with_relations(select(Pledge).where(Pledge.id == pledge_id))
    )
    if pledge is None:
        raise NotFound(f"No pledge has the id {pledge_id}.", code="pledge_not_found")
    return pledge


def _summary_column(key: SummaryKey) -> Any:
    match key:
        case SummaryKey.FORUM:
            return Pledge.forum_code
        case SummaryKey.YEAR:
            return extract("year", Pledge.announced_date)
        case SummaryKey.KIND:
            return Pledge.kind
        case SummaryKey.STATUS:
            return Pledge.status
        case SummaryKey.PLEDGER:
            return PledgePledger.actor_id
        case SummaryKey.CURRENCY:
            return Pledge.currency


# The figures a summary adds up per group and currency, in the order ``_Totals.add`` reads them.
_SUBMITTED = Pledge.api_key_id.is_not(None)
_ASSUMED = Pledge.currency_assumed.is_(True)
_SUMMARY_FIGURES = (
    Pledge.currency.label("_currency"),
    func.count(Pledge.id).label("_count"),
    func.coalesce(money_sum(Pledge.amount), 0).label("_amount"),
    money_sum(Pledge.amount_usd).label("_usd"),
    func.count(Pledge.id).filter(Pledge.amount_usd.is_(None)).label("_no_usd"),
    func.count(Pledge.id).filter(_SUBMITTED).label("_count_submitted"),
    func.coalesce(money_sum(Pledge.amount).filter(_SUBMITTED), 0).label("_submitted"),
    money_sum(Pledge.amount_usd).filter(_SUBMITTED).label("_usd_submitted"),
    func.count(Pledge.id).filter(_ASSUMED).label("_count_assumed"),
    func.coalesce(money_sum(Pledge.amount).filter(_ASSUMED), 0).label("_assumed"),
    money_sum(Pledge.amount_usd).filter(_ASSUMED).label("_usd_assumed"),
)


async def summarize_pledges(
    session: AsyncSession,
    filters: PledgeFilter | None = None,
    *,
    group_by: Sequence[SummaryKey] = (),
) -> list[PledgeSummaryRow]:
    """Pledge totals per group, in each original currency and in USD.

    Groups come in the order of their keys, unknown values first (as every list orders
    them). Amounts in different currencies are never added together: each group lists
    one total per currency, plus the USD sum of the pledges that have a USD
    equivalent (null, not zero, when none has) and the count of those that do not. Grouped by ``pledger``, a
    joint pledge counts in full for each of its pledgers. Each figure says how much of it
    comes from submitted pledges (``count_submitted``, ``amount_submitted``,
    ``amount_usd_submitted``), so a dashboard can tell partners' claims from curated facts,
    and how much rests on an assumed currency (``count_currency_assumed``,
    ``amount_currency_assumed``, ``amount_usd_currency_assumed``: a bare "$" read as USD).
    """
    keys = list(dict.fromkeys(group_by))
    resolved = await resolve_filter(session, filters)
    statement = summary_statement(keys, resolved)
    with _parts_only(resolved):
        records = await (await session.connection()).execute(statement)
    # One row per group and currency, in group order: the figures are added up in plain
    # values and each group's read shape built once (a year's totals by forum are about
    # 800 rows; assigning to a pydantic model row by row was most of the work).
    width = len(keys)
    groups: dict[tuple[Any, ...], _Totals] = {}
    # The rows of a group come together (ORDER BY): its group is found once per run.
    for raw, run in groupby(map(tuple, records), key=itemgetter(slice(0, width))):
        totals = groups.setdefault(tuple(map(_group_value, raw)), _Totals())
        for record in run:
            totals.add(record[width:])
    return [totals.read(keys, marker) for marker, totals in groups.items()]


def summary_statement(keys: Sequence[SummaryKey], resolved: PledgeFilter) -> Select[Any]:
    """The grouped statement of ``summarize_pledges``: a row per group and currency, in
    group order. Over a date range it reads ``ix_pledge_announced_summary`` alone."""
    columns = [_summary_column(key).label(key.value) for key in keys]
    # The filters only add WHERE clauses on pledge columns, so they apply to the grouped
    # statement directly: one pass over the matching pledges, no id subquery.
    statement = apply_filter(select(*columns, *_SUMMARY_FIGURES).select_from(Pledge), resolved)
    if SummaryKey.PLEDGER in keys:
        statement = statement.join(PledgePledger, PledgePledger.pledge_id == Pledge.id)
    grouping = [*columns, Pledge.currency]
    # Unknown values (no forum, no date, no currency) first on both engines, as every
    # list orders them (PostgreSQL alone would put them last).
    return statement.group_by(*grouping).order_by(
        *order_clauses([SortKey(column) for column in grouping])
    )


class _Totals:
    """One group's figures as they are added up, currency by currency."""

    __slots__ = (
        "amounts",
        "count",
        "count_assumed",
        "count_submitted",
        "no_usd",
        "usd",
        "usd_assumed",
        "usd_submitted",
    )

    def __init__(self) -> None:
        self.count = self.count_submitted = self.count_assumed = self.no_usd = 0
        self.usd: Decimal | None = None
        self.usd_submitted: Decimal | None = None
        self.usd_assumed: Decimal | None = None
        self.amounts: list[CurrencyAmount] = []

    def add(self, figures: tuple[Any, ...]) -> None:
        """Add one row of ``_SUMMARY_FIGURES``: counts as ints, sums as Decimals (the
        ``Money`` type gives them on both engines) or null."""
        (
            currency,
            count,
            amount,
            usd,
            no_usd,
            count_submitted,
            submitted,
            usd_submitted,
            count_assumed,
            assumed,
            usd_assumed,
        ) = figures
        self.count += count
        self.count_submitted += count_submitted
        self.count_assumed += count_assumed
        self.no_usd += no_usd
        if usd is not None:
            # The parts' sums are null where none of the part's pledges has a USD
            # equivalent: zero of a known total.
            self.usd = (self.usd or _ZERO) + usd
            self.usd_submitted = (self.usd_submitted or _ZERO) + (usd_submitted or _ZERO)
            self.usd_assumed = (self.usd_assumed or _ZERO) + (usd_assumed or _ZERO)
        if currency is not None:
            self.amounts.append(
                _amount(
                    currency,
                    amount.quantize(CENT),
                    submitted.quantize(CENT),
                    assumed.quantize(CENT),
                )
            )

    def read(self, keys: list[SummaryKey], marker: tuple[Any, ...]) -> PledgeSummaryRow:
        group: dict[str, Any] = dict.fromkeys(_GROUP_FIELDS)
        group.update(zip((key.value for key in keys), marker, strict=True))
        return PledgeSummaryRow.trusted(
            **group,
            count=self.count,
            amounts=self.amounts,
            amount_usd=_cents(self.usd),
            count_without_usd=self.no_usd,
            count_submitted=self.count_submitted,
            amount_usd_submitted=_cents(self.usd_submitted),
            count_currency_assumed=self.count_assumed,
            amount_usd_currency_assumed=_cents(self.usd_assumed),
        )


_ZERO = Decimal(0)
# A CurrencyAmount from (currency, amount, amount_submitted, amount_currency_assumed).
_amount = CurrencyAmount.by_position()
# The group columns of a summary row, in the read shape's order.
_GROUP_FIELDS = tuple(key.value for key in SummaryKey)


def _cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT)


def _group_value(value: Any) -> str | int | None:
    if value is None:
        return None
    if isinstance(value, str):
        return str(value)  # an enum member's value
    return int(value)
