"""Events: meetings, conferences and pledging events of the forums.

Lists are ordered by start date (undated events first), then id. A date-range
filter keeps events whose start falls inside it; undated events are excluded
from a ranged query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.errors import NotFound
from app.models import Event, EventHost
from app.models.enums import EventKind
from app.services._query import PageResult, SortKey, paginate

EVENT_ORDER = (SortKey(Event.start_date), SortKey(Event.id))


def _loaded() -> tuple[Any, ...]:
    return (
        selectinload(Event.hosts).selectinload(EventHost.actor),
        selectinload(Event.citations),
    )


async def list_events(
    session: AsyncSession,
    *,
    forum: str | None = None,
    kind: EventKind | None = None,
    start_from: dt.date | None = None,
    start_to: dt.date | None = None,
    host: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> PageResult[Event]:
    statement = select(Event).options(*_loaded())
    if forum is not None:
        statement = statement.where(Event.forum_code == forum)
    if kind is not None:
        statement = statement.where(Event.kind == kind)
    if start_from is not None:
        statement = statement.where(Event.start_date >= start_from)
    if start_to is not None:
        statement = statement.where(Event.start_date <= start_to)
    if host is not None:
        statement = statement.where(
            Event.id.in_(select(EventHost.event_id).where(EventHost.actor_id == host))
        )
    return await paginate(session, statement, order=EVENT_ORDER, limit=limit, cursor=cursor)


async def get_event(session: AsyncSession, event_id: str) -> Event:
    event: Event | None = await session.scalar(
        select(Event).where(Event.id == event_id).options(*_loaded())
    )
    if event is None:
        raise NotFound(f"No event has the id {event_id!r}.", code="event_not_found")
    return event
