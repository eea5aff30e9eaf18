"""Small helpers shared by the REST tests."""

from __future__ import annotations

from typing import Any

import httpx


async def get_json(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def walk(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list endpoint, following next_cursor page by page."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(10_000):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = await get_json(client, path, **query)
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


def actor_ids(items: list[dict[str, Any]]) -> list[str]:
    return sorted(item["actor"]["id"] for item in items)
