"""The change feed: what a mirror reads to follow every write in commit order."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from app.models.enums import ChangeAction, ChangeOrigin, Entity
from app.schemas.common import ReadModel


class ChangeRead(ReadModel):
    version: int = Field(description="Data version of the transaction; grows in commit order.")
    entity: Entity
    entity_id: str = Field(
        description="Id of the record: a code, a slug or a number; a citation's owner for "
        "citation changes."
    )
    action: ChangeAction = Field(
        description="`created`, `updated`, `withdrawn` (pledges are withdrawn, never deleted) "
        "or `deleted` (a curated record dropped from the dataset)."
    )
    origin: ChangeOrigin = Field(description="`curated` (a dataset load) or `api` (a submission).")
    changed_at: dt.datetime


class ChangeFeed(ReadModel):
    items: list[ChangeRead] = Field(description="Oldest first.")
    next_cursor: str | None = Field(
        description="Pass as `since` to continue. Always set once the feed has been read "
        "(on the last page too, so you can resume later); null only when the feed is empty "
        "and no `since` was given."
    )
    has_more: bool = Field(description="More changes are waiting: ask again right away.")
