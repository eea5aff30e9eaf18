"""Walking any root connection two at a time sees every row once, in order."""

from __future__ import annotations

import httpx
import pytest

from tests.graphql import gql

# Marked here, not only by conftest's collection hook: anyio must see the marker
# while pytest still builds the parametrized items.

# root field -> a node field that identifies the row
CONNECTIONS = {
    "forums": "code",
    "actors": "id",
    "participations": "id",
    "fundingShares": "id",
    "events": "id",
    "pledges": "id",
    "sources": "id",
}


@pytest.mark.parametrize(("field", "key"), sorted(CONNECTIONS.items()))
async def test_walk_every_page(client: httpx.AsyncClient, field: str, key: str) -> None:
    query = f"""query ($first: Int!, $after: String) {{
      {field}(first: $first, after: $after) {{
        totalCount
        edges {{ cursor node {{ {key} }} }}
        pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
      }}
    }}"""
    everything = (await gql(client, query, first=500))["data"][field]
    expected = [edge["node"][key] for edge in everything["edges"]]
    assert len(expected) == everything["totalCount"] > 1
    assert everything["pageInfo"]["hasNextPage"] is False

    walked: list[object] = []
    after = None
    for _ in range(len(expected)):
        page = (await gql(client, query, first=2, after=after))["data"][field]
        edges, info = page["edges"], page["pageInfo"]
        assert page["totalCount"] == len(expected)
        assert info["hasPreviousPage"] is (after is not None)
        assert info["startCursor"] == edges[0]["cursor"]
        assert info["endCursor"] == edges[-1]["cursor"]
        walked.extend(edge["node"][key] for edge in edges)
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert walked == expected
    # Every edge's cursor resumes right after it (not only the page's last one).
    middle = everything["edges"][0]["cursor"]
    resumed = (await gql(client, query, first=1, after=middle))["data"][field]["edges"]
    assert [edge["node"][key] for edge in resumed] == expected[1:2]


async def test_cursor_of_another_ordering_is_refused(client: httpx.AsyncClient) -> None:
    forums = await gql(client, "{ forums(first: 1) { pageInfo { endCursor } } }")
    cursor = forums["data"]["forums"]["pageInfo"]["endCursor"]
    body = await gql(
        client, "query ($after: String) { pledges(after: $after) { totalCount } }", after=cursor
    )
    assert body == {
        "data": {"pledges": None},
        "errors": [
            {
                "message": "The cursor is malformed or belongs to another ordering; "
                "start again without it.",
                "locations": [{"line": 1, "column": 26}],
                "path": ["pledges"],
                "extensions": {"code": "invalid_cursor", "field": "cursor"},
            }
        ],
    }
