"""Every write needs a key, and a key's secret is never readable after its creation.

The full credential matrix (none, malformed, wrong, revoked, write, admin) runs
per route in tests/api/test_pledge_writes.py and tests/graphql/test_submit_pledge.py;
this module proves those matrices cover every write the API has, so a new write
route or mutation cannot ship without joining them.
"""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiKey
from app.models.enums import ApiScope
from tests.factories import make_api_key, pledge_body

# The routes and mutations the credential matrices exercise.
MATRIX_ROUTES = {
    ("post", "/v1/pledges"),
    ("post", "/v1/pledges/batch"),
    ("patch", "/v1/pledges/{pledge_id}"),
}
MATRIX_MUTATIONS = {"submitPledge"}


async def test_every_rest_write_refuses_a_request_without_a_key(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    writes = {
        (method, path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    }
    assert writes == MATRIX_ROUTES
    for method, path in sorted(writes):
        url = path.replace("{pledge_id}", "1")
        response = await client.request(method.upper(), url, json=pledge_body())
        assert (response.status_code, response.json()["code"]) == (401, "api_key_missing"), url


async def test_every_mutation_is_in_the_graphql_matrix(client: httpx.AsyncClient) -> None:
    query = '{ __type(name: "Mutation") { fields { name } } }'
    body = (await client.post("/graphql", json={"query": query})).json()
    assert {f["name"] for f in body["data"]["__type"]["fields"]} == MATRIX_MUTATIONS


async def test_a_secret_is_shown_once_and_never_again(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_api_key(session, name="steward", scopes=(ApiScope.PLEDGES_ADMIN,))
    writer = await make_api_key(session, name="partner")
    await session.commit()
    submitted = await client.post(
        "/v1/pledges",
        json=pledge_body(),
        headers={**writer.headers, "Idempotency-Key": "secret-check"},
    )
    assert submitted.status_code == 201
    stored = (await session.scalars(select(ApiKey).where(ApiKey.id == writer.id))).one()
    assert writer.secret not in repr(vars(stored))  # only a hash is stored
    hashes = [stored.secret_hash]
    pledge_id = submitted.json()["id"]
    for url in (
        "/v1/audit?limit=500",
        "/v1/changes?limit=500",
        f"/v1/pledges/{pledge_id}",
        f"/v1/pledges/{pledge_id}/history",
        "/v1/pledges?limit=500",
    ):
        response = await client.get(url, headers=admin.headers)
        assert response.status_code == 200, url
        for secret in (writer.secret, admin.secret, *hashes):
            assert secret not in response.text, url
        assert not re.search(r"migov_[0-9a-f]{8}_\w{20,}", response.text), url
