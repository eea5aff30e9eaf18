"""GraphQL `datasetMeta`: the dataset's version and freshness, as `/v1/meta` gives them."""

from __future__ import annotations

import datetime as dt

import strawberry

from app.graphql.context import Info
from app.schemas.meta import Meta
from app.services import meta as meta_service


@strawberry.type(
    name="DatasetMeta",
    description="How fresh the data is: a client compares `datasetVersion` before pulling again.",
)
class DatasetMetaType:
    dataset_version: int = strawberry.field(
        description="Increases with every committed change (curated reloads and API writes)."
    )
    last_changed_at: dt.datetime = strawberry.field(
        description="When the last change was committed."
    )
    data_changed_at: dt.datetime | None = strawberry.field(
        description=Meta.model_fields["data_changed_at"].description
    )
    data_changed_by: str | None = strawberry.field(
        description=Meta.model_fields["data_changed_by"].description
    )
    curated_updated: dt.date | None = strawberry.field(
        description=Meta.model_fields["curated_updated"].description
    )
    last_api_write_at: dt.datetime | None = strawberry.field(
        description=Meta.model_fields["last_api_write_at"].description
    )

    @strawberry.field(description="Records per entity, as `/v1/meta` counts them.")
    async def counts(self, info: Info) -> list[EntityCountType]:
        async with info.context.db() as session:
            counts = await meta_service.entity_counts(session)
        return [EntityCountType(entity=name, count=count) for name, count in counts.items()]


@strawberry.type(name="EntityCount", description="How many records of one entity there are.")
class EntityCountType:
    entity: str = strawberry.field(description="E.g. `programmes`, `money_records`.")
    count: int


@strawberry.type
class MetaQuery:
    @strawberry.field(description="The dataset's version and when it last changed.")
    async def dataset_meta(self, info: Info) -> DatasetMetaType:
        async with info.context.db() as session:
            return DatasetMetaType(**await meta_service.freshness(session))
