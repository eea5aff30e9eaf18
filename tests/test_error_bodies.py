"""One error path: what a client sends answers 4xx with the API's own words, never a 500,
a driver's message or the SQL behind it (issue: hostile clients, attacks 4 and 5).

* A NUL in a GraphQL lookup (``forum(code:)`` and its kin) is ``invalid_parameter``
  on both engines, as REST refuses one in the query string; PostgreSQL answered it
  with the full SELECT and its parameters.
* An overflowing ``amountMin`` is refused as REST refuses ``amount_min``.
* A forged cursor (``[true]``, an integer beyond 64 bits, a NUL, a value of the wrong
  type) is 400 ``invalid_cursor`` on ``/v1/pledges?cursor=``, GraphQL ``after:`` and
  ``/v1/changes?since=``; it was a 500.
* Whatever still reaches the database and fails there (the backstop) answers the
  fault's own ``detail`` over GraphQL as over REST, pool exhaustion included.
* ``announced_on: "9999-12"`` in a currency that needs a rate is stored (with no USD
  equivalent and a note), over POST, PATCH and GraphQL; it was an OverflowError.
* A JSON body nested 100,000 deep to /graphql is 400 ``invalid_json``; it was a
  RecursionError. strawberry's other refusals (a batch, a content type) are JSON.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.main import create_app
from app.services import forums as forum_service
from app.services.changes import CHANGE_ORDER
from app.services.paging import _fingerprint
from app.services.pledges import PLEDGE_ORDER
from tests.conftest import client_for
from tests.factories import Key, make_api_key, pledge_body
from tests.graphql import gql
from tests.test_reliability_timeouts import one_connection

# What a driver's or a framework's own text looks like.
LEAKS = re.compile(
    r"SELECT|INSERT|UPDATE |sqlalchemy|asyncpg|sqlite3|psycopg|QueuePool|Traceback|\[SQL:"
    r"|\[parameters:|File \"",
    re.IGNORECASE,
)


def assert_no_leak(body: str) -> None:
    found = LEAKS.search(body)
    assert found is None, f"{found.group(0)!r} leaked: {body[:500]}"


def forged(order: Any, values: list[Any]) -> str:
    """A cursor as this API writes them, holding ``values`` instead of a row's."""
    payload = json.dumps([_fingerprint(order), values]).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.fixture
async def writer(session: AsyncSession) -> Key:
    return await make_api_key(session, name="ministry script")


LOOKUPS = [
    ('forum(code: "RCM\\u0000") { code }', "forum"),
    ('actor(id: "CAN\\u0000") { id }', "actor"),
    ('source(id: "x\\u0000") { id }', "source"),
    ('event(id: "x\\u0000") { id }', "event"),
    ('programme(id: "x\\u0000") { id }', "programme"),
    ('dispute(id: "x\\u0000") { id }', "dispute"),
]


@pytest.mark.parametrize(("selection", "field"), LOOKUPS, ids=[f for _, f in LOOKUPS])
async def test_a_nul_in_a_graphql_lookup_is_invalid_parameter(
    client: httpx.AsyncClient, selection: str, field: str
) -> None:
    response = await client.post("/graphql", json={"query": f"{{ {selection} }}"})
    assert_no_leak(response.text)
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "invalid_parameter"}
    assert "NUL" in error["message"]


async def test_a_nul_in_a_graphql_variable_is_invalid_parameter(client: httpx.AsyncClient) -> None:
    body = await gql(client, "query($c: String!) { forum(code: $c) { code } }", c="RCM\x00")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["invalid_parameter"]
    assert_no_leak(json.dumps(body))
    # A NUL anywhere else in a variable's value is refused the same way.
    nested = await gql(
        client,
        "query($f: PledgeFilterInput) { pledges(filter: $f) { totalCount } }",
        f={"forum": ["RCM", "SICA\x00"]},
    )
    assert [e["extensions"]["code"] for e in nested["errors"]] == ["invalid_parameter"]


@pytest.mark.parametrize("amount", ["1e400", "99999999999999999999999999999999", "1e3", "-5"])
async def test_an_amount_filter_is_refused_alike_over_graphql_and_rest(
    client: httpx.AsyncClient, amount: str
) -> None:
    rest = await client.get("/v1/pledges", params={"amount_min": amount})
    assert (rest.status_code, rest.json()["code"]) == (400, "invalid_parameter")
    body = await gql(
        client,
        "query($a: Decimal) { pledges(filter: {amountMin: $a}) { totalCount } }",
        a=amount,
    )
    assert_no_leak(json.dumps(body))
    assert body["data"] == {"pledges": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "invalid_parameter"
    assert error["message"] == rest.json()["detail"].replace("amount_min", "amountMin")


FORGED_PLEDGE_VALUES = [
    [True],
    [2**80],
    [-(2**80)],
    [None],  # the id column is never null
    ["12"],
    [1.5],
    [{"n": "NaN"}],
    [{"d": "2022-01-01"}],
    [[[[[1]]]]],
    [1, 2],
]


@pytest.mark.parametrize("values", FORGED_PLEDGE_VALUES, ids=str)
async def test_a_forged_cursor_is_invalid_cursor_everywhere(
    client: httpx.AsyncClient, values: list[Any]
) -> None:
    cursor = forged(PLEDGE_ORDER, values)
    rest = await client.get("/v1/pledges", params={"cursor": cursor})
    assert rest.status_code == 400, rest.text
    assert rest.json()["code"] == "invalid_cursor"
    body = await gql(client, "query($c: String) { pledges(after: $c) { totalCount } }", c=cursor)
    assert_no_leak(json.dumps(body))
    assert [e["extensions"]["code"] for e in body["errors"]] == ["invalid_cursor"]


@pytest.mark.parametrize(
    "values",
    [[True, 1], [1, True], [2**80, 1], [1, 2**80], [None, 1], ["1", 1], [1]],
    ids=str,
)
async def test_a_forged_change_feed_cursor_is_invalid_cursor(
    client: httpx.AsyncClient, values: list[Any]
) -> None:
    response = await client.get("/v1/changes", params={"since": forged(CHANGE_ORDER, values)})
    assert response.status_code == 400, response.text
    assert (response.json()["code"], response.json()["errors"][0]["field"]) == (
        "invalid_cursor",
        "since",
    )


async def test_a_cursor_of_a_nul_or_of_great_length_is_invalid_cursor(
    client: httpx.AsyncClient,
) -> None:
    from app.services.forums import FORUM_ORDER

    nul = forged(FORUM_ORDER, ["RCM\x00"])
    body = await gql(client, "query($c: String) { forums(after: $c) { totalCount } }", c=nul)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["invalid_cursor"]
    long = "W" * 100_000
    body = await gql(client, "query($c: String) { forums(after: $c) { totalCount } }", c=long)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["invalid_cursor"]


def _dbapi_error(orig: Exception) -> sa_exc.DBAPIError:
    """What SQLAlchemy raises when the driver refuses a statement: its text holds the SQL."""
    return sa_exc.DBAPIError(
        "INSERT INTO pledge (title) VALUES ($1::VARCHAR) RETURNING pledge.id",
        ("secret title",),
        orig,
    )


class _Sqlstate(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


FAULTS = {
    "unstorable_value": (_dbapi_error(_Sqlstate("22021")), 400),
    "database_timeout": (_dbapi_error(_Sqlstate("57014")), 503),
    "database_unavailable": (_dbapi_error(_Sqlstate("57P01")), 503),
    "database_busy": (
        sa_exc.TimeoutError(
            "QueuePool limit of size 1 overflow 0 reached, connection timed out, timeout 1.00 "
            "(Background on this error at: https://sqlalche.me/e/20/3o7r)"
        ),
        503,
    ),
}


@pytest.mark.parametrize("code", list(FAULTS))
async def test_a_database_fault_answers_its_own_detail_over_rest_and_graphql(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    fault, status = FAULTS[code]

    async def fail(*_args: Any, **_kwargs: Any) -> None:
        raise fault

    monkeypatch.setattr(forum_service, "list_forums", fail)
    rest = await client.get("/v1/forums")
    assert (rest.status_code, rest.json()["code"]) == (status, code)
    assert_no_leak(rest.text)
    response = await client.post("/graphql", json={"query": "{ forums { totalCount } }"})
    assert_no_leak(response.text)
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == code
    assert error["message"] == rest.json()["detail"]


async def test_an_exhausted_pool_answers_words_for_the_client(live_database_url: str) -> None:
    """The real pool's refusal, not a stand-in: SQLAlchemy's message names its QueuePool."""
    app = create_app(one_connection(live_database_url, db_pool_timeout=0.2, cache=False))
    async with client_for(app) as client:
        engine: AsyncEngine = app.state.engine
        async with engine.connect() as held:  # the pool's only connection
            await held.execute(text("SELECT 1"))
            rest = await client.get("/v1/forums")
            graphql = await client.post("/graphql", json={"query": "{ forums { totalCount } }"})
    assert (rest.status_code, graphql.status_code) == (503, 503)
    assert_no_leak(rest.text)
    assert_no_leak(graphql.text)
    detail = rest.json()["detail"]
    assert "Retry-After" in detail
    assert "fewer requests" in detail
    [error] = graphql.json()["errors"]
    assert (error["message"], error["extensions"]["code"]) == (detail, "database_busy")


LATE = {"currency": "EUR", "announced_on": "9999-12"}


async def test_a_date_at_the_end_of_the_calendar_is_stored_without_a_rate(
    client: httpx.AsyncClient, writer: Key
) -> None:
    created = await client.post("/v1/pledges", json=pledge_body(**LATE), headers=writer.headers)
    assert created.status_code == 201, created.text
    pledge = created.json()
    assert (pledge["announced_on"], pledge["amount_usd"]) == ("9999-12", None)
    assert "9999-12" in pledge["amount_usd_note"]
    year_end = await client.patch(
        created.headers["location"],
        json={"announced_on": "9999"},
        headers={**writer.headers, "If-Match": created.headers["etag"]},
    )
    assert year_end.status_code == 200, year_end.text
    assert year_end.json()["amount_usd"] is None
    body = await gql_as(
        client,
        writer,
        'mutation { submitPledge(input: {pledgers: ["CAN"], forum: "RCM", kind: FINANCIAL, '
        'amount: "10.00", currency: "GBP", announcedOn: "9999-12", title: "Late"}) '
        "{ pledge { announcedOn amountUsd } } }",
    )
    assert body == {
        "data": {"submitPledge": {"pledge": {"announcedOn": "9999-12", "amountUsd": None}}}
    }


async def gql_as(client: httpx.AsyncClient, key: Key, query: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query}, headers=key.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_deeply_nested_json_body_is_invalid_json(client: httpx.AsyncClient) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    body = '{"query": "{ forums { totalCount } }", "variables": {"x": ' + deep + "}}"
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "errors": [
            {
                "message": "Unable to parse request body as JSON",
                "extensions": {"code": "invalid_json"},
            }
        ]
    }


@pytest.mark.parametrize(
    ("request_kwargs", "code"),
    [
        ({"json": [{"query": "{ forums { totalCount } }"}]}, "graphql_batching_disabled"),
        (
            {"content": "{ forums { totalCount } }", "headers": {"content-type": "text/plain"}},
            "unsupported_media_type",
        ),
        ({"content": "{nope", "headers": {"content-type": "application/json"}}, "invalid_json"),
    ],
    ids=["batch", "content-type", "not-json"],
)
async def test_graphql_refusals_are_json_with_a_code(
    client: httpx.AsyncClient, request_kwargs: dict[str, Any], code: str
) -> None:
    response = await client.post("/graphql", **request_kwargs)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": code}
