from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.services import changes as change_service
from tests.graphql import gql


async def test_dataset_meta_gives_the_version_and_last_change(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    version = await change_service.current_version(session)
    body = await gql(client, "{ datasetMeta { datasetVersion lastChangedAt } }")
    assert body == {
        "data": {
            "datasetMeta": {
                "datasetVersion": version.version,
                "lastChangedAt": version.changed_at.isoformat(),
            }
        }
    }
    assert version.version >= 1


async def test_dataset_meta_says_when_the_data_changed_as_rest_does(
    client: httpx.AsyncClient,
) -> None:
    rest = (await client.get("/v1/meta")).json()
    body = await gql(
        client, "{ datasetMeta { dataChangedAt dataChangedBy curatedUpdated lastApiWriteAt } }"
    )
    meta = body["data"]["datasetMeta"]
    assert meta == {
        "dataChangedAt": meta["dataChangedAt"],
        "dataChangedBy": rest["data_changed_by"],
        "curatedUpdated": rest["curated_updated"],
        "lastApiWriteAt": rest["last_api_write_at"],
    }
    assert rest["data_changed_by"] == "curated"
    assert dt.datetime.fromisoformat(meta["dataChangedAt"]) == dt.datetime.fromisoformat(
        rest["data_changed_at"]
    )
