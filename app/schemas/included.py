"""Related records embedded once per page (``include=``) instead of a call per row."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from app.models import Event, Forum
from app.models.enums import DatePrecision, EventKind, ForumKind
from app.schemas.common import Page, ReadModel, precision
from app.schemas.dates import format_partial

T = TypeVar("T")


class ForumRef(ReadModel):
    code: str
    name: str
    kind: ForumKind
    parent: str | None

    @classmethod
    def from_model(cls, forum: Forum, *, lang: str = "en") -> ForumRef:
        return cls.trusted(
            code=forum.code,
            name=forum.name_es if lang == "es" and forum.name_es else forum.name,
            kind=ForumKind(forum.kind),
            parent=forum.parent_code,
        )


class EventRef(ReadModel):
    id: str
    name: str
    kind: EventKind
    forum: str | None
    start: str | None
    start_precision: DatePrecision | None
    place: str | None

    @classmethod
    def from_model(cls, event: Event) -> EventRef:
        return cls.trusted(
            id=event.id,
            name=event.name,
            kind=EventKind(event.kind),
            forum=event.forum_code,
            start=format_partial(event.start_date, event.start_precision),
            start_precision=precision(event.start_precision),
            place=event.place,
        )


class Included(BaseModel):
    forums: list[ForumRef] | None = Field(
        default=None, description="With `include=forum`: every forum the page's rows name."
    )
    events: list[EventRef] | None = Field(
        default=None, description="With `include=event`: every event the page's rows name."
    )


class IncludingPage(Page[T], Generic[T]):
    included: Included | None = Field(
        default=None, description="Related records asked for with `include=`; absent otherwise."
    )
