from __future__ import annotations

from typing import Any

import httpx
import pytest

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
    body = response.json()
    hint = "did you mean " + ", ".join(body["errors"][0]["suggestions"]) + "?"
    assert body == {
        "type": "http://test/problems/forum_not_found",
        "title": "Forum not found",
        "status": 404,
        "detail": f"No forum has the code 'NOPE'; {hint}",
        "instance": "/v1/forums/NOPE",
        "code": "forum_not_found",
        "errors": [
            {
                "field": "code",
                "value": "NOPE",
                "detail": f"no forum matches 'NOPE'; {hint}",
                "suggestions": body["errors"][0]["suggestions"],
            }
        ],
    }
    assert len(body["errors"][0]["suggestions"]) == 3


@pytest.mark.parametrize(
    ("path", "query_path", "parameter"),
    [
        ("/v1/forums/RMC", "/v1/participations?forum=RMC", "code"),
        ("/v1/forums/RMC/participants", "/v1/participations?forum=RMC", "code"),
        ("/v1/actors/CANN", "/v1/participations?actor=CANN", "actor_id"),
        (
            "/v1/events/mirps-solidarity-event-2012",
            "/v1/pledges?event=mirps-solidarity-event-2012",
            "event_id",
        ),
        ("/v1/programmes/imcbpp", "/v1/money-records?programme=imcbpp", "programme_id"),
    ],
)
async def test_a_code_in_a_path_gets_the_suggestions_a_query_gets(
    client: httpx.AsyncClient, path: str, query_path: str, parameter: str
) -> None:
    in_path = await client.get(path)
    in_query = await client.get(query_path)
    assert (in_path.status_code, in_query.status_code) == (404, 400)
    (from_path,) = in_path.json()["errors"]
    (from_query,) = in_query.json()["errors"]
    assert from_path["suggestions"] == from_query["suggestions"] != []
    assert (from_path["field"], from_path["value"]) == (parameter, from_query["value"])
    assert from_path["detail"] == from_query["detail"]
    assert in_path.json()["detail"].endswith(
        "did you mean " + ", ".join(from_path["suggestions"]) + "?"
    )


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


async def test_a_forums_participants_take_the_participation_lists_conditions(
    client: httpx.AsyncClient,
) -> None:
    """`/v1/forums/{code}/participants` documents and reads `as_of`, `role`, `certainty`
    and `disputed` exactly as `/v1/participations` does: one declaration serves both."""
    paths = (await client.get("/openapi.json")).json()["paths"]

    def parameters(path: str) -> dict[str, dict[str, object]]:
        return {p["name"]: p for p in paths[path]["get"]["parameters"]}

    forum, every = parameters("/v1/forums/{code}/participants"), parameters("/v1/participations")
    for name in ("as_of", "role", "certainty", "disputed"):
        assert forum[name] == every[name], name
    one = await client.get("/v1/forums/MIRPS-SP/participants", params={"role": "CHAIR,Member"})
    other = await client.get(
        "/v1/participations", params={"forum": "MIRPS-SP", "role": "CHAIR,Member"}
    )
    assert one.status_code == other.status_code == 200
    assert one.json()["items"]
    assert one.json()["items"] == other.json()["items"]
