"""Abusive documents are refused before they run, each with its own error code."""

from __future__ import annotations

import httpx

from tests.conftest import QueryCounter
from tests.graphql import gql
from tests.graphql.conftest import ClientFactory

DEEP = '{ forum(code: "MIRPS-SP") { parent { parent { parent { code } } } } }'
NESTED = """query ($n: Int!) { forums(first: $n) { edges { node {
  participants { actor { pledges { pledgers { id } } } }
} } } }"""


def refused(
    message: str, code: str, *, column: int | None = 1, **extensions: object
) -> dict[str, object]:
    error: dict[str, object] = {"message": message}
    if column is not None:
        error["locations"] = [{"line": 1, "column": column}]
    error["extensions"] = {"code": code, **extensions}
    return {"data": None, "errors": [error]}


async def test_depth_limit(client_with: ClientFactory, count_queries: QueryCounter) -> None:
    async with client_with(graphql_max_depth=3) as client:
        body = await gql(client, DEEP)
        assert body == refused(
            "'anonymous' exceeds maximum operation depth of 3", "query_too_deep", column=56
        )
        assert count_queries.work == 0
        shallower = '{ forum(code: "MIRPS-SP") { parent { parent { code } } } }'
        assert await gql(client, shallower) == {"data": {"forum": {"parent": {"parent": None}}}}


async def test_default_depth_limit(client: httpx.AsyncClient) -> None:
    query = '{ forum(code: "MIRPS-SP") { ' + "parent { " * 12 + "code" + " }" * 13 + " }"
    body = await gql(client, query)
    assert body["data"] is None
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        ("'anonymous' exceeds maximum operation depth of 10", {"code": "query_too_deep"})
    ]


async def test_empty_selection_sets_answer_and_add_no_depth(
    client: httpx.AsyncClient, client_with: ClientFactory
) -> None:
    """graphql-core accepts an empty selection set (``{ }``); the depth rule answered one
    with "max() arg is an empty sequence" and no code."""
    assert await gql(client, "{ }") == {"data": {}}
    body = await gql(client, '{ forum(code: "MIRPS-SP") { } }')
    assert body == {"data": {"forum": {}}}
    body = await gql(client, '{ forum(code: "MIRPS-SP") { code ... on Forum { } } }')
    assert body == {"data": {"forum": {"code": "MIRPS-SP"}}}
    # An empty branch beside a deep one leaves the deep one measured.
    async with client_with(graphql_max_depth=3) as limited:
        deep = '{ forum(code: "MIRPS-SP") { children { } parent { parent { parent { code } } } } }'
        body = await gql(limited, deep)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["query_too_deep"]


async def test_an_unknown_fragment_is_a_validation_error_with_a_code(
    client: httpx.AsyncClient,
) -> None:
    """It was answered with the bare text of a ``KeyError`` ("'Unknown'") and no code."""
    body = await gql(client, "{ ...Unknown }")
    assert body["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        ("Unknown fragment 'Unknown'.", "graphql_validation_failed")
    ]


async def test_alias_limit(client_with: ClientFactory) -> None:
    query = (
        '{ a: forum(code: "RCM") { code } b: forum(code: "M5") { code } c: pledge(id: 1) { id } }'
    )
    async with client_with(graphql_max_aliases=2) as client:
        assert await gql(client, query) == refused(
            "3 aliases found. Allowed: 2", "too_many_aliases", column=None
        )
    async with client_with(graphql_max_aliases=3) as client:
        assert await gql(client, query) == {
            "data": {"a": {"code": "RCM"}, "b": {"code": "M5"}, "c": {"id": 1}}
        }


async def test_token_limit(client_with: ClientFactory) -> None:
    query = '{ forum(code: "RCM") { code name kind scope region founded ended website } }'
    async with client_with(graphql_max_tokens=12) as client:
        assert await gql(client, query) == refused(
            "Syntax Error: Document contains more than 12 tokens. Parsing aborted.",
            "too_many_tokens",
            column=45,
        )
    async with client_with(graphql_max_tokens=20) as client:
        body = await gql(client, query)
        assert body["data"]["forum"]["code"] == "RCM"


async def test_cost_limit(client: httpx.AsyncClient, count_queries: QueryCounter) -> None:
    # 200 forums x 10 participants x 10 pledges x 10 pledgers, with the objects between.
    allowed = await gql(client, NESTED, n=200)
    assert "errors" not in allowed
    assert len(allowed["data"]["forums"]["edges"]) == 22

    before = count_queries.work
    body = await gql(client, NESTED, n=500)
    assert body == refused(
        "The query's estimated cost is 561001, over the limit of 250000; "
        "ask for smaller pages or fewer nested lists.",
        "query_too_costly",
        cost=561001,
        maxCost=250000,
    )
    assert count_queries.work == before, "a refused query must not touch the database"


async def test_cost_counts_fragments_and_default_page_size(client_with: ClientFactory) -> None:
    query = """{ forums { edges { node { ...page } } } }
    fragment page on Forum { participants { actor { code: id } } events { hosts { role } } }"""
    # forums: 1 + 100 x (1 + 1 + 10 x (1 + 1) + 10 x (1 + 10 x 1)) = 13201
    async with client_with(graphql_max_cost=13200) as client:
        body = await gql(client, query)
        assert [e["extensions"] for e in body["errors"]] == [
            {"code": "query_too_costly", "cost": 13201, "maxCost": 13200}
        ]
    async with client_with(graphql_max_cost=13201) as client:
        assert "errors" not in await gql(client, query)


async def test_list_estimate_is_a_setting(client_with: ClientFactory) -> None:
    query = '{ forum(code: "RCM") { fundingShares { actor { id } } } }'
    # forum + estimate x (share + actor): 3 with an estimate of 1, 5 with 2.
    async with client_with(graphql_list_estimate=1, graphql_max_cost=4) as client:
        body = await gql(client, query)
        assert len(body["data"]["forum"]["fundingShares"]) == 11
    async with client_with(graphql_list_estimate=2, graphql_max_cost=4) as client:
        body = await gql(client, query)
        assert [e["extensions"] for e in body["errors"]] == [
            {"code": "query_too_costly", "cost": 5, "maxCost": 4}
        ]


async def test_introspection_is_on_by_default(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ __schema { queryType { name } } }")
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_introspection_can_be_switched_off(client_with: ClientFactory) -> None:
    async with client_with(graphql_introspection=False) as client:
        body = await gql(client, "{ __schema { queryType { name } } }")
        assert body == {
            "data": None,
            "errors": [
                {
                    "message": "GraphQL introspection has been disabled, but the requested "
                    f"query contained the field '{field}'.",
                    "locations": [{"line": 1, "column": column}],
                    "extensions": {"code": "introspection_disabled"},
                }
                for field, column in (("__schema", 3), ("queryType", 14))
            ],
        }
        # Nor do "did you mean" hints give the schema away.
        body = await gql(client, "{ forumz { code } }")
        assert body == refused(
            "Cannot query field 'forumz' on type 'Query'.",
            "graphql_validation_failed",
            column=3,
        )
        assert (await gql(client, '{ forum(code: "M5") { code } }')) == {
            "data": {"forum": {"code": "M5"}}
        }


async def test_graphiql_is_served_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_graphiql_can_be_switched_off(client_with: ClientFactory) -> None:
    async with client_with(graphql_ide=False) as client:
        response = await client.get("/graphql", headers={"Accept": "text/html"})
        assert response.status_code == 404
        assert "graphiql" not in response.text.lower()
