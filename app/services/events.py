"""Events: meetings, conferences and pledging events of the forums.

Lists are ordered by start date (undated events first), then id. An occurrence of a
series names its series in ``parent``; one the documents do not date has no start but
falls within ``earliest`` .. ``latest`` (its own bounds, its series' dates or the term
it is listed under). A date-range filter keeps events whose start falls inside it, and
undated events whose bounds let them fall inside it (both bounds needed on the
range's sides: an undated event that nothing bounds is excluded from a ranged query).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import NotFound
from app.models import Event, EventHost, EventObjective
from app.schemas.filters import EventFilter
from app.services import references
from app.services._query import PageResult, SortKey, paginate

EVENT_ORDER = (SortKey(Event.start_date), SortKey(Event.id))


def _loaded() -> tuple[Any, ...]:
    return (
        selectinload(Event.hosts).selectinload(EventHost.actor),
        selectinload(Event.citations),
        selectinload(Event.objectives),
    )


async def list_events(
    session: AsyncSession,
    filters: EventFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[Event]:
    filters = filters or EventFilter()
    statement = select(Event).options(*_loaded())
    if filters.forum:
        forums = await references.forum_codes(
            session, filters.forum, include_subforums=filters.include_subforums
        )
        statement = statement.where(Event.forum_code.in_(forums))
    if filters.kind:
        statement = statement.where(Event.kind.in_(filters.kind))
    undated = Event.start_date.is_(None)
    if filters.start_from is not None:
        statement = statement.where(
            or_(
                Event.start_date >= filters.start_from,
                and_(undated, Event.latest >= filters.start_from),
            )
        )
    if filters.start_to is not None:
        statement = statement.where(
            or_(
                Event.start_date <= filters.start_to,
                and_(undated, Event.earliest <= filters.start_to),
            )
        )
    if filters.host:
        hosts = await references.actor_ids(session, filters.host, parameter="host")
        statement = statement.where(
            Event.id.in_(select(EventHost.event_id).where(EventHost.actor_id.in_(hosts)))
        )
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
        rows = await session.execute(select(Event.id, Event.name))
        found = [row.id for row in rows if references.matches_words(filters.q, *row)]
        statement = statement.where(Event.id.in_(found))
    return await paginate(session, statement, order=EVENT_ORDER, limit=limit, cursor=cursor)


async def get_event(session: AsyncSession, event_id: str) -> Event:
    """One event by id, in any case; ``event_not_found`` otherwise."""
    statement = select(Event).options(*_loaded())
    event: Event | None = await session.scalar(statement.where(Event.id == event_id))
    if event is None:
        event = await session.scalar(statement.where(func.lower(Event.id) == event_id.lower()))
    if event is None:
        raise NotFound(f"No event has the id {event_id!r}.", code="event_not_found")
    return event
