"""No query pulls every pledge: nested pledge lists take `first`, and the cost counts it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState

from app.services import relations
from tests.factories import make_api_key, pledge_body
from tests.graphql import gql

PARENTS = [
    ('forum(code: "MIRPS-SP")', "forum"),
    ('actor(id: "CAN")', "actor"),
    ('event(id: "mirps-sp-solidarity-event-2022")', "event"),
]


@pytest.mark.parametrize(("root", "name"), PARENTS)
async def test_nested_pledges_return_at_most_first(
    client: httpx.AsyncClient, session: AsyncSession, root: str, name: str
) -> None:
    writer = await make_api_key(session)
    await session.commit()
    for n in range(2):  # CAN, MIRPS-SP, its 2022 solidarity event: two more pledges each
        response = await client.post(
            "/v1/pledges", json=pledge_body(title=f"Bound {n}"), headers=writer.headers
        )
        assert response.status_code == 201, response.text
    everything = await gql(client, "{ " + root + " { pledges { id } } }")
    ids = [p["id"] for p in everything["data"][name]["pledges"]]
    assert len(ids) >= 3
    one = await gql(client, "{ " + root + " { pledges(first: 1) { id } } }")
    assert one == {"data": {name: {"pledges": [{"id": ids[0]}]}}}


@pytest.mark.parametrize("first", [0, 501])
async def test_first_out_of_range_is_refused(client: httpx.AsyncClient, first: int) -> None:
    body = await gql(
        client, '{ forum(code: "MIRPS-SP") { pledges(first: ' + str(first) + ") { id } } }"
    )
    assert body == {
        "data": {"forum": {"pledges": None}},
        "errors": [
            {
                "message": "first must be between 1 and 500.",
                "locations": [{"line": 1, "column": 29}],
                "path": ["forum", "pledges"],
                "extensions": {"code": "invalid_input", "field": "first"},
            }
        ],
    }


async def test_the_cost_estimate_counts_first(client: httpx.AsyncClient) -> None:
    query = "{ forums(first: 500) { edges { node { pledges(first: 500) { pledgers { id } } } } } }"
    body = await gql(client, query)
    # 1 + 500 edges * (1 node + 1 + 500 pledges * (1 + 10 pledgers * 1))
    cost = 1 + 500 * (1 + 1 + 500 * (1 + 10 * 1))
    assert body["data"] is None
    assert [e["extensions"] for e in body["errors"]] == [
        {"code": "query_too_costly", "cost": cost, "maxCost": 250000}
    ]


@pytest.mark.parametrize(
    ("fetch", "parents"),
    [
        (relations.pledges_by_forum_codes, ["MIRPS-SP", "RCM"]),
        (relations.pledges_by_actor_ids, ["CAN", "USA"]),
    ],
)
async def test_the_database_returns_at_most_first_per_parent(
    client: httpx.AsyncClient, session: AsyncSession, fetch: Any, parents: list[str]
) -> None:
    """The cut is made in SQL: the session never even sees the pledges past ``first``."""
    writer = await make_api_key(session)
    await session.commit()
    for n in range(2):
        for forum, event in (("MIRPS-SP", "mirps-sp-solidarity-event-2022"), ("RCM", None)):
            body = pledge_body(title=f"Cut {n}", pledgers=["CAN", "USA"], forum=forum, event=event)
            response = await client.post("/v1/pledges", json=body, headers=writer.headers)
            assert response.status_code == 201, response.text
    everything = await fetch(session, parents, None, 500)
    assert all(len(rows) >= 2 for rows in everything)
    fetched: list[int] = []

    @sa_event.listens_for(session.sync_session, "do_orm_execute")
    def _count_rows(state: ORMExecuteState) -> Any:
        frozen = state.invoke_statement().freeze()
        fetched.append(len(frozen.data))
        return frozen()

    cut = await fetch(session, parents, None, 1)
    assert [[p.id for p in rows] for rows in cut] == [[rows[0].id] for rows in everything]
    # The filter's references resolve first; the pledges themselves are one statement
    # that brings back one row per parent.
    assert fetched[-1] == len(parents)
