"""The change feed: what a mirror reads to follow every write in commit order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from app.models.enums import ChangeAction, ChangeOrigin, Entity
from app.schemas.common import ReadModel


class RowChangeRead(ReadModel):
    table: str = Field(description="The table of the data package the row is in.")
    key: list[Any] = Field(description="The row's primary key, in the table's key order.")
    before: dict[str, Any] | None = Field(
        description="The row's published values before the change (the data package's "
        "columns and formats); null for a row the change created."
    )
    after: dict[str, Any] | None = Field(
        description="Its values after the change; null for a row the change removed."
    )


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
    rows: list[RowChangeRead] | None = Field(
        default=None,
        description="With `from`: every row the change wrote for its record (its own row, "
        "and rows that belong to it: citations, a pledge's pledgers and objectives, an "
        "event's hosts and objectives), before and after; the record's own row first. "
        "Null without `from`.",
    )


class ChangeFeed(ReadModel):
    items: list[ChangeRead] = Field(description="Oldest first.")
    next_cursor: str | None = Field(
        description="Pass as `since` to continue. Always set once the feed has been read "
        "(on the last page too, so you can resume later); null only when the feed is empty "
        "and no `since` was given."
    )
    has_more: bool = Field(description="More changes are waiting: ask again right away.")
