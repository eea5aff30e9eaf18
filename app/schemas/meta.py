"""The /v1/meta shape."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.descriptions import SOURCE_TERMS
from app.schemas.index import ResourceLink
from app.standards import licence


class SourceCoverage(BaseModel):
    id: str
    title: str
    published: str | None
    terms: str = Field(description=SOURCE_TERMS)
    cited_by: dict[str, int] = Field(description="Facts citing the source, by kind.")


class DataLicence(BaseModel):
    id: str = Field(description="SPDX identifier, e.g. `CC-BY-4.0`.")
    name: str
    url: str = Field(description="The licence's text.")
    reason: str = Field(description="Why the data is offered under it.")
    attribution: str = Field(description="A credit line re-users may copy.")


class ResourceCount(ResourceLink):
    count: int | None = Field(
        description="Records the collection lists, when it lists one entity; null for "
        "summaries, the change feed, downloads and the like."
    )


class Meta(BaseModel):
    dataset_version: int = Field(
        description="Increases with every committed change (curated reloads and API writes)."
    )
    last_changed_at: dt.datetime = Field(description="When the last change was committed.")
    data_changed_at: dt.datetime | None = Field(
        default=None,
        description="When the data itself last changed: the later of `curated_updated` "
        "(from 00:00 UTC) and `last_api_write_at`. Unlike `last_changed_at`, loading or "
        "reloading the curated data does not move it; the front door shows it as its last "
        "change. Null while the database holds no data.",
    )
    data_changed_by: Literal["curated", "api"] | None = Field(
        default=None,
        description="Which of the two `data_changed_at` is: `curated` (the curated dataset's "
        "day) or `api` (a write's commit time).",
    )
    curated_updated: dt.date | None = Field(
        default=None,
        description="The day the curated dataset was last changed, as its metadata gives it "
        "(`updated` in data/dataset.yaml); null when no curated data is loaded.",
    )
    last_api_write_at: dt.datetime | None = Field(
        default=None,
        description="When the newest write through the API was committed; null when none was.",
    )
    counts: dict[str, int] = Field(description="Records per entity.")
    sources: list[SourceCoverage] = Field(description="Each source and what cites it.")
    licence: DataLicence = Field(
        description="The data's licence. Each source document keeps its own terms "
        "(`/v1/sources`, field `terms`)."
    )
    resources: list[ResourceCount] = Field(
        default_factory=list,
        description="Every collection of the API (as `/v1` lists them), with its count.",
    )


DATA_LICENCE = DataLicence(
    id=licence.DATA_LICENCE_ID,
    name=licence.DATA_LICENCE_NAME,
    url=licence.DATA_LICENCE_URL,
    reason=licence.DATA_LICENCE_REASON,
    attribution=licence.DATA_ATTRIBUTION,
)
