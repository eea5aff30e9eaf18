"""The change feed a mirror follows: every write, in commit order, resumable."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import Key, make_api_key, pledge_body


async def read_feed(
    client: httpx.AsyncClient, since: str | None = None, **params: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """Every change after ``since``, page by page, and the cursor to resume from."""
    items: list[dict[str, Any]] = []
    while True:
        query = {**params, **({"since": since} if since else {})}
        response = await client.get("/v1/changes", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        assert body["next_cursor"] is not None or not items
        since = body["next_cursor"]
        if not body["has_more"]:
            return items, since


async def test_the_feed_starts_with_the_curated_load(client: httpx.AsyncClient) -> None:
    items, cursor = await read_feed(client, limit=50)

    assert items, "the curated load is in the feed"
    assert {item["origin"] for item in items} == {"curated"}
    assert {item["action"] for item in items} == {"created"}
    assert {item["entity"] for item in items} >= {"forum", "actor", "pledge", "source"}
    order = [(item["version"], item["entity"], item["entity_id"]) for item in items]
    assert [v for v, _, _ in order] == sorted(v for v, _, _ in order)
    assert len(set(order)) == len(order)
    assert cursor is not None


async def test_pages_cover_the_feed_exactly_once(client: httpx.AsyncClient) -> None:
    whole, _ = await read_feed(client, limit=500)
    paged, _ = await read_feed(client, limit=7)
    assert paged == whole


async def test_the_last_page_still_gives_a_cursor_to_resume_from(
    client: httpx.AsyncClient,
) -> None:
    _, cursor = await read_feed(client, limit=500)

    response = await client.get("/v1/changes", params={"since": cursor})

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": cursor, "has_more": False}


async def test_writes_appear_after_the_cursor_in_commit_order(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    key: Key = await make_api_key(session)
    _, cursor = await read_feed(client, limit=500)

    created = await client.post("/v1/pledges", json=pledge_body(), headers=key.headers)
    pledge_id = str(created.json()["id"])
    location = created.headers["location"]
    updated = await client.patch(
        location,
        json={"status": "in_progress"},
        headers={**key.headers, "If-Match": created.headers["etag"]},
    )
    await client.patch(
        location,
        json={"status": "withdrawn"},
        headers={**key.headers, "If-Match": updated.headers["etag"]},
    )
    # A replay and a refused write change nothing.
    await client.post("/v1/pledges", json=pledge_body(currency="ZZZ"), headers=key.headers)

    items, resumed = await read_feed(client, cursor)

    assert [(i["entity"], i["entity_id"], i["action"], i["origin"]) for i in items] == [
        ("pledge", pledge_id, "created", "api"),
        ("pledge", pledge_id, "updated", "api"),
        ("pledge", pledge_id, "withdrawn", "api"),
    ]
    versions = [item["version"] for item in items]
    assert versions == sorted(set(versions))
    assert resumed not in (None, cursor)
    assert (await client.get(location)).json()["status"] == "withdrawn"


async def test_the_feed_filters_by_entity(client: httpx.AsyncClient) -> None:
    items, _ = await read_feed(client, entity="pledge", limit=500)
    everything, _ = await read_feed(client, limit=500)

    assert items == [item for item in everything if item["entity"] == "pledge"]
    assert items


async def test_an_unchanged_feed_answers_304(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    key = await make_api_key(session)
    _, cursor = await read_feed(client, limit=500)
    first = await client.get("/v1/changes", params={"since": cursor})
    etag = first.headers["etag"]

    unchanged = await client.get(
        "/v1/changes", params={"since": cursor}, headers={"If-None-Match": etag}
    )
    await client.post("/v1/pledges", json=pledge_body(), headers=key.headers)
    changed = await client.get(
        "/v1/changes", params={"since": cursor}, headers={"If-None-Match": etag}
    )

    assert unchanged.status_code == 304
    assert changed.status_code == 200
    assert [item["action"] for item in changed.json()["items"]] == ["created"]


async def test_a_malformed_cursor_is_400_naming_since(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/changes", params={"since": "not-a-cursor"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_cursor"
    assert body["errors"] == [{"field": "since", "detail": body["detail"]}]


async def test_unknown_parameters_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/changes", params={"cursor": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_parameter"
