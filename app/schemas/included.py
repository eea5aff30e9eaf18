"""Related records embedded once per page (``include=``) instead of a call per row."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from app.schemas.common import POSSIBLE_LEFT_OUT, Page
from app.schemas.event import EventRef
from app.schemas.forum import ForumRef

T = TypeVar("T")


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


class JudgedIncludingPage(IncludingPage[T], Generic[T]):
    """An ``IncludingPage`` of rows judged for certainty (``certainty=``)."""

    possible_left_out: int | None = Field(default=None, description=POSSIBLE_LEFT_OUT)
