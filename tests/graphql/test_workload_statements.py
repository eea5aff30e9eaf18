"""The benchmark's GraphQL workloads run as many SQL statements on ten times the data.

The documents are the ones ``make bench`` sends (``bench.run.GRAPHQL``), so the
statement count the benchmark's figures rest on cannot drift from this test.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bench.run import GRAPHQL
from tests.conftest import QueryCounter
from tests.graphql.test_query_count import grow_everything

WORKLOADS = {
    "W1": {"forum": "MIRPS-SP", "first": 100},
    "W2": {"code": "MIRPS-SP", "asOf": "2022-06-30"},
    "W3": {"from": "2022-01-01", "to": "2022-12-31"},
    "W4": {"id": 1},
}


async def _statements(
    client: httpx.AsyncClient, counter: QueryCounter, name: str
) -> tuple[dict[str, Any], int]:
    before = counter.count
    response = await client.post(
        "/graphql",
        json={"query": GRAPHQL[name], "variables": WORKLOADS[name], "operationName": name},
    )
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"], counter.count - before


@pytest.mark.parametrize("name", sorted(WORKLOADS))
async def test_statements_per_workload_do_not_grow_with_the_data(
    client: httpx.AsyncClient, session: AsyncSession, count_queries: QueryCounter, name: str
) -> None:
    small, before = await _statements(client, count_queries, name)
    await grow_everything(session)
    large, after = await _statements(client, count_queries, name)
    assert before == after, count_queries.statements[-after:]
    if name == "W1":
        # The forum's own pledges grew too (grow_everything spreads them over every forum).
        assert large["pledges"]["totalCount"] > small["pledges"]["totalCount"]
