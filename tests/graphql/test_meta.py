from __future__ import annotations

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
