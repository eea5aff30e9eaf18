"""``include=``: embed the forums and events a page's rows refer to, once per page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncSession

from app.schemas.event import EventRef
from app.schemas.filters import Lowered
from app.schemas.forum import ForumRef
from app.schemas.included import Included
from app.services import relations


class ForumRelation(StrEnum):
    FORUM = "forum"


class PledgeRelation(StrEnum):
    FORUM = "forum"
    EVENT = "event"


ForumInclude = Annotated[
    Annotated[tuple[ForumRelation, ...], Lowered] | None,
    Query(description="Embed the rows' forums once per page under `included`: `forum`."),
]
PledgeInclude = Annotated[
    Annotated[tuple[PledgeRelation, ...], Lowered] | None,
    Query(
        description="Embed related records once per page under `included`: `forum`, `event` "
        "(repeat or comma-separate: `include=forum,event`)."
    ),
]


async def collect(
    session: AsyncSession,
    include: Sequence[StrEnum] | None,
    *,
    forum_codes: Iterable[str | None] = (),
    event_ids: Iterable[str | None] = (),
    lang: str = "en",
) -> Included | None:
    if not include:
        return None
    included = Included()
    asked = {relation.value for relation in include}
    if "forum" in asked:
        codes = sorted({code for code in forum_codes if code})
        forums = await relations.forums_by_codes(session, codes)
        included.forums = [ForumRef.from_model(f, lang=lang) for f in forums if f is not None]
    if "event" in asked:
        ids = sorted({event_id for event_id in event_ids if event_id})
        events = await relations.events_by_ids(session, ids)
        included.events = [EventRef.from_model(e, lang=lang) for e in events if e is not None]
    return included
