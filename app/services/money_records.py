"""Money records: budgets, fees, costs, recorded totals and contributions that are not pledges.

Amounts keep their own currency and are never converted here: a total adds only the
amounts of one currency, and a record with no amount (a contribution stated in words,
or a share) counts in its group without adding to it. ``forum`` matches a record about
a forum or paid to it. Lists are ordered by id; summaries by forum, programme, kind and
currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import MoneyRecord
from app.models.base import money_sum
from app.models.enums import MoneyKind
from app.schemas.filters import MoneyRecordFilter
from app.schemas.money import MoneyTotalRead
from app.services import references
from app.services.paging import PageResult, SortKey, paginate

MONEY_ORDER = (SortKey(MoneyRecord.id),)


async def _filtered(session: AsyncSession, statement: Any, filters: MoneyRecordFilter) -> Any:
    """``statement`` (a list's or the summary's select) narrowed to ``filters``."""
    if filters.kind:
        statement = statement.where(MoneyRecord.kind.in_(filters.kind))
    if filters.forum:
        forums = await references.forum_codes(session, filters.forum)
        statement = statement.where(
            or_(MoneyRecord.forum_code.in_(forums), MoneyRecord.recipient_forum_code.in_(forums))
        )
    if filters.programme:
        programmes = await references.programme_ids(
            session, filters.programme, include_subprogrammes=filters.include_subprogrammes
        )
        statement = statement.where(MoneyRecord.programme_id.in_(programmes))
    if filters.payer:
        payers = await references.actor_ids(session, filters.payer, parameter="payer")
        statement = statement.where(MoneyRecord.payer_actor_id.in_(payers))
    if filters.currency:
        statement = statement.where(
            MoneyRecord.currency.in_(references.currencies(filters.currency))
        )
    return statement


async def list_money_records(
    session: AsyncSession,
    filters: MoneyRecordFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[MoneyRecord]:
    statement = select(MoneyRecord).options(selectinload(MoneyRecord.citations))
    statement = await _filtered(session, statement, filters or MoneyRecordFilter())
    return await paginate(session, statement, order=MONEY_ORDER, limit=limit, cursor=cursor)


async def get_money_record(session: AsyncSession, record_id: str) -> MoneyRecord:
    """One money record by id (any case); ``money_record_not_found`` otherwise."""
    statement = select(MoneyRecord).options(selectinload(MoneyRecord.citations))
    record = await session.scalar(statement.where(func.lower(MoneyRecord.id) == record_id.lower()))
    if record is None:
        raise await references.missing(session, "money_record", record_id, parameter="record_id")
    return record


async def summarize_money_records(
    session: AsyncSession, filters: MoneyRecordFilter | None = None
) -> list[MoneyTotalRead]:
    """The filtered records summed by forum, programme, kind and currency (one statement)."""
    forum = func.coalesce(MoneyRecord.forum_code, MoneyRecord.recipient_forum_code)
    statement = select(
        forum.label("forum"),
        MoneyRecord.programme_id,
        MoneyRecord.kind,
        MoneyRecord.currency,
        func.count(MoneyRecord.id).label("records"),
        money_sum(MoneyRecord.amount).label("total"),
        func.max(case((MoneyRecord.currency_assumed, 1), else_=0)).label("assumed"),
        money_sum(MoneyRecord.amount)
        .filter(MoneyRecord.currency_assumed.is_(True))
        .label("assumed_total"),
    ).group_by(forum, MoneyRecord.programme_id, MoneyRecord.kind, MoneyRecord.currency)
    statement = await _filtered(session, statement, filters or MoneyRecordFilter())
    rows = (await session.execute(statement)).all()
    totals = [
        MoneyTotalRead.trusted(
            forum=row.forum,
            programme=row.programme_id,
            kind=MoneyKind(row.kind),
            currency=row.currency,
            count=int(row.records),
            total=None if row.total is None else Decimal(row.total).quantize(Decimal("0.01")),
            currency_assumed=bool(row.assumed),
            total_currency_assumed=(
                None
                if row.total is None
                else Decimal(row.assumed_total or 0).quantize(Decimal("0.01"))
            ),
        )
        for row in rows
    ]
    return sorted(
        totals,
        key=lambda t: (t.forum or "", t.programme or "", t.kind.value, t.currency or ""),
    )


async def money_records_by_programme_ids(
    session: AsyncSession, ids: Sequence[str], include_subprogrammes: bool = False
) -> list[list[MoneyRecord]]:
    """For each programme id, the records about it (and, with ``include_subprogrammes``,
    about the programmes under it at any depth), by id (two statements)."""
    if not ids:
        return []
    wanted: dict[str, tuple[str, ...]] = {id_: (id_,) for id_ in ids}
    if include_subprogrammes:
        for id_ in ids:
            wanted[id_] = await references.programme_ids(session, [id_], include_subprogrammes=True)
    covered = {p for group in wanted.values() for p in group}
    rows = await session.scalars(
        select(MoneyRecord)
        .where(MoneyRecord.programme_id.in_(covered))
        .options(selectinload(MoneyRecord.citations))
        .order_by(MoneyRecord.id)
    )
    records = list(rows)
    return [[r for r in records if r.programme_id in set(wanted[id_])] for id_ in ids]


async def money_records_by_forum_codes(
    session: AsyncSession, codes: Sequence[str]
) -> list[list[MoneyRecord]]:
    """For each forum code, the records about it or paid to it, by id (one statement)."""
    if not codes:
        return []
    wanted = set(codes)
    rows = await session.scalars(
        select(MoneyRecord)
        .where(
            or_(MoneyRecord.forum_code.in_(wanted), MoneyRecord.recipient_forum_code.in_(wanted))
        )
        .options(selectinload(MoneyRecord.citations))
        .order_by(MoneyRecord.id)
    )
    found: dict[str, list[MoneyRecord]] = {code: [] for code in wanted}
    for row in rows:
        for code in dict.fromkeys((row.forum_code, row.recipient_forum_code)):
            if code in found:
                found[code].append(row)
    return [found[code] for code in codes]
