"""The /v1/meta shape."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class SourceCoverage(BaseModel):
    id: str
    title: str
    published: str | None
    cited_by: dict[str, int] = Field(description="Facts citing the source, by kind.")


class Meta(BaseModel):
    dataset_version: int = Field(
        description="Increases with every committed change (curated reloads and API writes)."
    )
    last_changed_at: dt.datetime = Field(description="When the last change was committed.")
    counts: dict[str, int] = Field(description="Records per entity.")
    sources: list[SourceCoverage] = Field(description="Each source and what cites it.")
