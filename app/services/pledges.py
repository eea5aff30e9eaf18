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

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import NotFound
from app.models import Actor, Citation, ExchangeRate, Pledge, PledgeObjective, PledgePledger
from app.models.enums import ActorKind, AmountQualifier, PledgeKind, PledgeScope, PledgeStatus
from app.schemas.actor import ActorRef
from app.schemas.common import CitationRead
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
from app.services._query import PageResult, SortKey, paginate
from app.services.rates import CENT

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


async def list_pledges(
    session: AsyncSession,
    filters: PledgeFilter | None = None,
    *,
    sort: PledgeSort = PledgeSort.ID,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[Pledge]:
    statement = apply_filter(select(Pledge), await resolve_filter(session, filters))
    return await paginate(
        session, with_relations(statement), order=PLEDGE_SORTS[sort], limit=limit, cursor=cursor
    )


# --- the lean read path: Core rows straight into the read shape ---------------------------
#
# Lists and single pledges for REST build ``PledgeRead`` from plain rows (one
# statement for the page, one per relation), with no ORM identity map, no
# relationship loaders and no re-validation: a profile of a page of 100 put about
# two thirds of the request in selectin loading and attribute instrumentation.

PLEDGE_TABLE = Pledge.__table__


async def list_pledge_reads(
    session: AsyncSession,
    filters: PledgeFilter | None = None,
    *,
    sort: PledgeSort = PledgeSort.ID,
    limit: int | None = None,
    cursor: str | None = None,
    lang: str = "en",
    with_total: bool = True,
) -> PageResult[PledgeRead]:
    """``list_pledges`` as read shapes, the same rows in the same order.

    ``with_total=False`` skips the count (``total`` is -1): a walk over every page
    needs no count at all, let alone one per page.
    """
    statement = apply_filter(select(*PLEDGE_TABLE.c), await resolve_filter(session, filters))
    page = await paginate(
        session,
        statement,
        order=PLEDGE_SORTS[sort],
        limit=limit,
        cursor=cursor,
        rows=True,
        with_total=with_total,
    )
    items = await _reads(session, page.items, lang=lang)
    return PageResult(items=items, total=page.total, next_cursor=page.next_cursor)


async def get_pledge_read(session: AsyncSession, pledge_id: int, *, lang: str = "en") -> PledgeRead:
    """``get_pledge`` as its read shape."""
    row = (
        await session.execute(select(*PLEDGE_TABLE.c).where(PLEDGE_TABLE.c.id == pledge_id))
    ).first()
    if row is None:
        raise NotFound(f"No pledge has the id {pledge_id}.", code="pledge_not_found")
    return (await _reads(session, [row], lang=lang))[0]


async def _reads(session: AsyncSession, rows: Sequence[Any], *, lang: str) -> list[PledgeRead]:
    if not rows:
        return []
    ids = [row.id for row in rows]
    pledgers: dict[int, list[ActorRef]] = {}
    for r in await session.execute(
        select(PledgePledger.pledge_id, Actor.id, Actor.iso3, Actor.name, Actor.name_es, Actor.kind)
        .join(Actor, Actor.id == PledgePledger.actor_id)
        .where(PledgePledger.pledge_id.in_(ids))
        .order_by(PledgePledger.pledge_id, PledgePledger.position)
    ):
        pledgers.setdefault(r.pledge_id, []).append(
            ActorRef.trusted(
                id=r.id,
                iso3=r.iso3,
                name=r.name_es if lang == "es" and r.name_es else r.name,
                kind=ActorKind(r.kind),
            )
        )
    objectives: dict[int, list[int]] = {}
    for o in await session.execute(
        select(PledgeObjective.pledge_id, PledgeObjective.objective)
        .where(PledgeObjective.pledge_id.in_(ids))
        .order_by(PledgeObjective.pledge_id, PledgeObjective.objective)
    ):
        objectives.setdefault(o.pledge_id, []).append(o.objective)
    citations: dict[int, list[CitationRead]] = {}
    for c in await session.execute(
        select(Citation.pledge_id, Citation.source_id, Citation.locator)
        .where(Citation.pledge_id.in_(ids))
        .order_by(Citation.id)
    ):
        if c.pledge_id is not None:
            citations.setdefault(c.pledge_id, []).append(
                CitationRead.trusted(source_id=c.source_id, locator=c.locator)
            )
    rate_ids = {row.exchange_rate_id for row in rows if row.exchange_rate_id is not None}
    conversions: dict[int, UsdConversionRead] = {}
    if rate_ids:
        for rate in await session.scalars(
            select(ExchangeRate)
            .where(ExchangeRate.id.in_(rate_ids))
            .options(selectinload(ExchangeRate.citations))
        ):
            conversions[rate.id] = UsdConversionRead.from_model(rate)
    return [
        PledgeRead.trusted(
            id=row.id,
            pledgers=pledgers.get(row.id, []),
            forum=row.forum_code,
            event=row.event_id,
            kind=PledgeKind(row.kind),
            scope=None if row.scope is None else PledgeScope(row.scope),
            amount=row.amount,
            amount_qualifier=(
                None if row.amount_qualifier is None else AmountQualifier(row.amount_qualifier)
            ),
            currency=row.currency,
            amount_usd=row.amount_usd,
            usd_conversion=(
                None if row.exchange_rate_id is None else conversions.get(row.exchange_rate_id)
            ),
            amount_usd_note=row.amount_usd_note,
            announced_on=PartialDate.of(row.announced_date, row.announced_precision),
            announced_precision=row.announced_precision,
            status=PledgeStatus(row.status),
            gcm_objectives=objectives.get(row.id, []),
            title=row.title,
            description=row.description,
            external_ref=row.external_ref,
            curated=row.key is not None,
            version=row.version,
            citations=citations.get(row.id, []),
        )
        for row in rows
    ]


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


async def summarize_pledges(
    session: AsyncSession,
    filters: PledgeFilter | None = None,
    *,
    group_by: Sequence[SummaryKey] = (),
) -> list[PledgeSummaryRow]:
    """Pledge totals per group, in each original currency and in USD.

    Amounts in different currencies are never added together: each group lists
    one total per currency, plus the USD sum of the pledges that have a USD
    equivalent (null, not zero, when none has) and the count of those that do not. Grouped by ``pledger``, a
    joint pledge counts in full for each of its pledgers.
    """
    keys = list(dict.fromkeys(group_by))
    columns = [_summary_column(key).label(key.value) for key in keys]
    # The filters only add WHERE clauses on pledge columns, so they apply to the grouped
    # statement directly: one pass over the matching pledges, no id subquery.
    statement = apply_filter(
        select(
            *columns,
            Pledge.currency.label("_currency"),
            func.count(Pledge.id).label("_count"),
            func.coalesce(func.sum(Pledge.amount), 0).label("_amount"),
            func.sum(Pledge.amount_usd).label("_usd"),
            func.count(Pledge.id).filter(Pledge.amount_usd.is_(None)).label("_no_usd"),
        ).select_from(Pledge),
        await resolve_filter(session, filters),
    )
    if SummaryKey.PLEDGER in keys:
        statement = statement.join(PledgePledger, PledgePledger.pledge_id == Pledge.id)
    grouping = [*columns, Pledge.currency]
    statement = statement.group_by(*grouping).order_by(*grouping)
    rows: dict[tuple[Any, ...], PledgeSummaryRow] = {}
    for record in await session.execute(statement):
        mapping = record._mapping
        group = {key.value: _group_value(mapping[key.value]) for key in keys}
        marker = tuple(group.values())
        row = rows.get(marker)
        if row is None:
            row = rows[marker] = PledgeSummaryRow.model_validate(
                {**group, "count": 0, "amounts": [], "amount_usd": None, "count_without_usd": 0}
            )
        row.count += int(mapping["_count"])
        if mapping["_usd"] is not None:
            row.amount_usd = (row.amount_usd or Decimal(0)) + Decimal(mapping["_usd"])
        row.count_without_usd += int(mapping["_no_usd"])
        if mapping["_currency"] is not None:
            row.amounts.append(
                CurrencyAmount(
                    currency=mapping["_currency"],
                    amount=Decimal(mapping["_amount"]).quantize(CENT),
                )
            )
    for row in rows.values():
        if row.amount_usd is not None:
            row.amount_usd = row.amount_usd.quantize(CENT)
    return list(rows.values())


def _group_value(value: Any) -> str | int | None:
    if value is None or isinstance(value, str):
        return value
    return int(value)


async def pledge_reads(session: AsyncSession, pledge_ids: Sequence[int]) -> dict[int, PledgeRead]:
    """The pledges as answered, read back (fresh from the database) with all they embed."""
    if not pledge_ids:
        return {}
    statement = with_relations(select(Pledge).where(Pledge.id.in_(set(pledge_ids))))
    rows = await session.scalars(statement.execution_options(populate_existing=True))
    return {row.id: PledgeRead.from_model(row) for row in rows}
