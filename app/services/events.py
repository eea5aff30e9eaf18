"""Events: meetings, conferences and pledging events of the forums.

Lists are ordered by start date (undated events first), then id. An occurrence of a
series names its series in ``parent``; one the documents do not date has no start but
falls within ``earliest`` .. ``latest`` (its own bounds, its series' dates or the term
it is listed under).

An event's start is a day, or an interval of days (``start_bounds``): its month or
year when that is all the documents give, its series' dates for an undated
occurrence, unbounded for an event not dated at all. ``start_from``/``start_to``
keep the events whose start may fall in the range (``periods.range_certainty``),
each labelled ``certain`` (every day it may start on is in the range) or
``possible``; ``certainty=certain`` keeps the sure ones and the page says how many
possible ones it left out. ``certainty`` without a range is refused: there is
nothing to judge.

``summarize_events`` sums the events' announced totals per group (forum, series,
year, kind) and per currency, never across currencies; a sum keeps the weakest
qualifier of its parts (one ``at_least`` total makes the sum ``at_least``). It
counts the announced totals of events, not pledges: ``pledges.summarize_pledges``
sums the pledges recorded one by one, which rarely add up to an event's total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import InvalidInput
from app.models import Event, EventHost, EventObjective
from app.models.enums import AmountQualifier, Certainty, EventKind
from app.schemas.dates import PartialDate
from app.schemas.event import AnnouncedTotalRead, EventSummaryKey, EventSummaryRow
from app.schemas.filters import EventFilter
from app.services import periods, references
from app.services.paging import PageResult, SortKey, left_out, paginate

EVENT_ORDER = (SortKey(Event.start_date), SortKey(Event.id))


@dataclass
class EventPage(PageResult[Event]):
    """A page of events; with a date range, each event's certainty of starting in it."""

    certainty: dict[str, Certainty] = field(default_factory=dict)


def start_bounds(event: Event) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day ``event`` may start on (``None``: unbounded): its stated start,
    else its window (``earliest``/``latest``), and no later than its stated end."""
    start = PartialDate.of(event.start_date, event.start_precision)
    if start is not None:
        return start.date, start.last_day()
    end = PartialDate.of(event.end_date, event.end_precision)
    highs = [day for day in (event.latest, end and end.last_day()) if day is not None]
    return event.earliest, min(highs) if highs else None


def start_certainty(event: Event, low: dt.date | None, high: dt.date | None) -> Certainty | None:
    """How surely ``event`` starts in ``[low, high]``."""
    return periods.range_certainty(*start_bounds(event), low, high)


def starting_in(low: dt.date | None, high: dt.date | None, *, sure: bool) -> ColumnElement[bool]:
    """SQL for ``start_certainty``: events that may (``sure``: surely) start in the range."""
    dated, undated = Event.start_date.is_not(None), Event.start_date.is_(None)
    clauses: list[ColumnElement[bool]] = []
    if low is not None and sure:
        clauses.append(
            or_(
                and_(dated, Event.start_date >= low),
                and_(undated, Event.earliest.is_not(None), Event.earliest >= low),
            )
        )
    elif low is not None:
        clauses.append(
            or_(
                and_(dated, periods.partial_reaches(Event.start_date, Event.start_precision, low)),
                and_(
                    undated,
                    or_(Event.latest.is_(None), Event.latest >= low),
                    or_(
                        Event.end_date.is_(None),
                        periods.partial_reaches(Event.end_date, Event.end_precision, low),
                    ),
                ),
            )
        )
    if high is not None and sure:
        clauses.append(
            or_(
                and_(dated, periods.partial_ends_by(Event.start_date, Event.start_precision, high)),
                and_(undated, Event.latest.is_not(None), Event.latest <= high),
                and_(
                    undated,
                    Event.end_date.is_not(None),
                    periods.partial_ends_by(Event.end_date, Event.end_precision, high),
                ),
            )
        )
    elif high is not None:
        clauses.append(
            or_(
                and_(dated, Event.start_date <= high),
                and_(undated, or_(Event.earliest.is_(None), Event.earliest <= high)),
            )
        )
    return and_(true(), *clauses)


def _loaded() -> tuple[Any, ...]:
    return (
        selectinload(Event.hosts).selectinload(EventHost.actor),
        selectinload(Event.citations),
        selectinload(Event.objectives),
    )


def _refuse_unjudged(filters: EventFilter) -> None:
    if filters.certainty is not None and filters.start_from is None and filters.start_to is None:
        detail = (
            "certainty needs start_from or start_to: an event's start is certain or possible "
            "within a range."
        )
        raise InvalidInput(
            detail,
            field="certainty",
            errors=[
                {"field": "certainty", "detail": detail, "requires": ["start_from", "start_to"]}
            ],
        )


async def list_events(
    session: AsyncSession,
    filters: EventFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> EventPage:
    filters = filters or EventFilter()
    _refuse_unjudged(filters)
    statement = await _filtered(session, select(Event).options(*_loaded()), filters)
    low, high = filters.start_from, filters.start_to
    sure = filters.certainty is Certainty.CERTAIN
    page = await paginate(
        session,
        statement.where(starting_in(low, high, sure=sure)),
        order=EVENT_ORDER,
        limit=limit,
        cursor=cursor,
    )
    if sure:
        await left_out(session, statement.where(starting_in(low, high, sure=False)), page)
    result = EventPage(
        items=page.items,
        total=page.total,
        next_cursor=page.next_cursor,
        possible_left_out=page.possible_left_out,
    )
    if low is not None or high is not None:
        for event in page.items:
            judged = start_certainty(event, low, high)
            if judged is not None:
                result.certainty[event.id] = judged
    return result


CENT = Decimal("0.01")
# A sum is as weak as its weakest part: an "over" total makes the sum a floor, an
# approximate one makes it approximate.
QUALIFIER_RANK = {
    AmountQualifier.EXACT: 0,
    AmountQualifier.AT_LEAST: 1,
    AmountQualifier.APPROXIMATE: 2,
}


def start_year(event: Event) -> int | None:
    """The year ``event`` starts in, when every day it may start on is in one year."""
    earliest, latest = start_bounds(event)
    if earliest is None or latest is None or earliest.year != latest.year:
        return None
    return earliest.year


async def summarize_events(
    session: AsyncSession,
    filters: EventFilter | None = None,
    *,
    group_by: Sequence[EventSummaryKey] = (),
) -> list[EventSummaryRow]:
    """The events ``filters`` keeps, per group and per currency of their announced totals.

    Groups are ordered by their keys (unknown values first). With a date range an
    event counts as the list counts it (``certainty=certain``: sure starts only), and
    ``count_possible`` says how many of a group's events only may start in it.
    """
    filters = filters or EventFilter()
    _refuse_unjudged(filters)
    keys = list(dict.fromkeys(group_by))
    low, high = filters.start_from, filters.start_to
    ranged = low is not None or high is not None
    statement = await _filtered(session, select(Event), filters)
    statement = statement.where(
        starting_in(low, high, sure=filters.certainty is Certainty.CERTAIN)
    ).order_by(Event.id)
    groups: dict[tuple[Any, ...], EventSummaryRow] = {}
    sums: dict[tuple[Any, ...], dict[str, AnnouncedTotalRead]] = {}
    for event in await session.scalars(statement):
        values = {
            EventSummaryKey.FORUM: event.forum_code,
            EventSummaryKey.SERIES: event.parent_id,
            EventSummaryKey.YEAR: start_year(event),
            EventSummaryKey.KIND: EventKind(event.kind),
        }
        marker = tuple(values[key] for key in keys)
        row = groups.get(marker)
        if row is None:
            row = groups[marker] = EventSummaryRow(
                **{key.value: values[key] for key in keys},
                count=0,
                count_with_total=0,
                count_possible=0 if ranged else None,
                totals=[],
            )
            sums[marker] = {}
        row.count += 1
        if ranged and start_certainty(event, low, high) is Certainty.POSSIBLE:
            row.count_possible = (row.count_possible or 0) + 1
        amount, currency = event.announced_total_amount, event.announced_total_currency
        if amount is None or currency is None:
            continue
        row.count_with_total += 1
        qualifier = AmountQualifier(event.announced_total_qualifier or AmountQualifier.EXACT)
        total = sums[marker].get(currency)
        if total is None:
            sums[marker][currency] = AnnouncedTotalRead(
                currency=currency, amount=Decimal(amount), qualifier=qualifier, events=1
            )
            continue
        total.amount += Decimal(amount)
        total.events += 1
        if QUALIFIER_RANK[qualifier] > QUALIFIER_RANK[total.qualifier]:
            total.qualifier = qualifier
    for marker, row in groups.items():
        row.totals = [
            total.model_copy(update={"amount": total.amount.quantize(CENT)})
            for _, total in sorted(sums[marker].items())
        ]
    return [groups[marker] for marker in sorted(groups, key=_group_order)]


def _group_order(marker: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    return tuple((value is not None, value if value is not None else "") for value in marker)


async def _filtered(session: AsyncSession, statement: Select[Any], filters: EventFilter) -> Any:
    """``statement`` (over ``event``) narrowed by every filter but the date range."""
    if filters.forum:
        forums = await references.forum_codes(
            session, filters.forum, include_subforums=filters.include_subforums
        )
        statement = statement.where(Event.forum_code.in_(forums))
    if filters.kind:
        statement = statement.where(Event.kind.in_(filters.kind))
    if filters.host:
        hosts = await references.actor_ids(session, filters.host, parameter="host")
        statement = statement.where(
            Event.id.in_(select(EventHost.event_id).where(EventHost.actor_id.in_(hosts)))
        )
    if filters.organizer:
        organizers = await references.actor_ids(session, filters.organizer, parameter="organizer")
        statement = statement.where(
            Event.organizers_from_id.in_(
                select(EventHost.event_id).where(EventHost.actor_id.in_(organizers))
            )
        )
    if filters.not_organizer:
        others = await references.actor_ids(
            session, filters.not_organizer, parameter="not_organizer"
        )
        statement = statement.where(
            or_(
                Event.organizers_from_id.is_(None),
                Event.organizers_from_id.not_in(
                    select(EventHost.event_id).where(EventHost.actor_id.in_(others))
                ),
            )
        )
    if filters.series is not None:
        statement = statement.where(Event.series.is_(filters.series))
    if filters.parent:
        parents = await references.event_ids(session, filters.parent, parameter="parent")
        statement = statement.where(Event.parent_id.in_(parents))
    if filters.status:
        statement = statement.where(Event.status.in_(filters.status))
    if filters.gcm_objective:
        statement = statement.where(
            Event.id.in_(
                select(EventObjective.event_id).where(
                    EventObjective.objective.in_(filters.gcm_objective)
                )
            )
        )
    if filters.q is not None:
        rows = await session.execute(select(Event.id, Event.name, Event.name_es))
        found = [row.id for row in rows if references.matches_words(filters.q, *row)]
        statement = statement.where(Event.id.in_(found))
    return statement


async def get_event(session: AsyncSession, event_id: str) -> Event:
    """One event by id, in any case; ``event_not_found`` otherwise."""
    statement = select(Event).options(*_loaded())
    event: Event | None = await session.scalar(statement.where(Event.id == event_id))
    if event is None:
        event = await session.scalar(statement.where(func.lower(Event.id) == event_id.lower()))
    if event is None:
        raise await references.missing(session, "event", event_id, parameter="event_id")
    return event
