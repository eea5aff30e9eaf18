"""Read shapes shared by every resource: pages, citations, actor references."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Rows matching the filters, on all pages.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class CitationRead(ReadModel):
    source_id: str = Field(description="Id of the cited source (see /v1/sources).")
    locator: str | None = Field(
        default=None, description="Where in the source: a page, section or heading."
    )
