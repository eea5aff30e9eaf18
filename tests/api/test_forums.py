from __future__ import annotations

from typing import Any

import httpx

BRIEF_FORUMS = {"MIRPS", "MIRPS-SP", "RCM", "SICA", "OAS-CAM", "GCM", "IMRF", "IGC", "M5"}


async def _all_pages(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_lists_the_nine_forums_of_the_brief(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/forums")
    assert response.status_code == 200
    body = response.json()
    codes = [forum["code"] for forum in body["items"]]
    assert set(codes) >= BRIEF_FORUMS
    assert codes == sorted(codes)
    assert body["next_cursor"] is None
    assert body["total"] == len(codes)


async def test_every_forum_is_cited(client: httpx.AsyncClient) -> None:
    forums = (await client.get("/v1/forums")).json()["items"]
    sources = {f["code"]: [c["source_id"] for c in f["citations"]] for f in forums}
    assert all(sources.values()), [code for code, cited in sources.items() if not cited]


async def test_pages_walk_every_forum_once(client: httpx.AsyncClient) -> None:
    everything = (await client.get("/v1/forums")).json()["items"]
    walked = await _all_pages(client, "/v1/forums", limit=2)
    assert [f["code"] for f in walked] == [f["code"] for f in everything]


async def test_get_forum_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/forums/MIRPS-SP")
    assert response.status_code == 200
    forum = response.json()
    assert forum["code"] == "MIRPS-SP"
    assert forum["parent"] == "MIRPS"
    assert forum["kind"] == "support_platform"
    assert forum["founded_precision"] in {"year", "month", "day"}
    assert {
        "code",
        "name",
        "aliases",
        "kind",
        "founded",
        "founded_precision",
        "parent",
        "citations",
    } <= set(forum)


async def test_filter_by_parent(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/forums", params={"parent": "GCM"})).json()
    assert "IMRF" in [f["code"] for f in body["items"]]
    assert all(f["parent"] == "GCM" for f in body["items"])


async def test_unknown_forum_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/forums/NOPE")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "http://test/problems/forum_not_found",
        "title": "Not found",
        "status": 404,
        "detail": "No forum has the code 'NOPE'.",
        "instance": "/v1/forums/NOPE",
        "code": "forum_not_found",
    }


async def test_bad_cursor_and_limit_are_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/forums", params={"cursor": "garbage!"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
    response = await client.get("/v1/forums", params={"limit": 0})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert response.json()["errors"][0]["field"] == "limit"


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "route_not_found"
