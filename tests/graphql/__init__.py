"""GraphQL tests: queries posted through HTTP, whole response dicts compared."""

from __future__ import annotations

from typing import Any

import httpx


async def gql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    """POST one operation to /graphql and return the decoded response body."""
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
