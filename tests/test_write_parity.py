"""A write does the same over REST and over GraphQL: each case here runs once through
each adapter, reading both answers into one shape (``Answer``).

What only one adapter has (REST's status codes, Location, ETag and If-Match; GraphQL's
error locations and the input's camel-case names) stays in tests/api/test_pledge_writes.py
and tests/graphql/test_submit_pledge.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.utils.str_converters import to_camel_case

from app.models import IdempotencyRecord
from tests.factories import Key, make_api_key, pledge_body, submitted
from tests.graphql.test_submit_pledge import BRIEF, ENUMS


@dataclass(frozen=True)
class Answer:
    """A submission's answer, whichever adapter gave it."""

    pledge_id: int | None = None
    created: bool = False
    replayed: bool = False
    code: str | None = None  # the refusal's code
    detail: str | None = None  # its message (REST `detail`, GraphQL `message`)
    problems: list[dict[str, Any]] = field(default_factory=list)  # each field it names


Submit = Callable[[httpx.AsyncClient, Key, dict[str, Any], str | None], Awaitable[Answer]]


async def over_rest(
    client: httpx.AsyncClient, key: Key, body: dict[str, Any], idempotency_key: str | None
) -> Answer:
    headers = {**key.headers}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    response = await client.post("/v1/pledges", json=body, headers=headers)
    answer = response.json()
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        return Answer(code=answer["code"], detail=answer["detail"], problems=answer["errors"])
    replayed = response.headers.get("idempotent-replayed") == "true"
    assert response.status_code in (200, 201), response.text
    return Answer(
        pledge_id=answer["id"],
        created=response.status_code == 201 and not replayed,
        replayed=replayed,
    )


async def over_graphql(
    client: httpx.AsyncClient, key: Key, body: dict[str, Any], idempotency_key: str | None
) -> Answer:
    response = await client.post(
        "/graphql",
        json={"query": BRIEF, "variables": {"input": _input(body), "key": idempotency_key}},
        headers=key.headers,
    )
    assert response.status_code == 200, response.text  # GraphQL over HTTP: refusals too
    answer = response.json()
    if answer.get("errors"):
        (error,) = answer["errors"]
        assert answer["data"] == {"submitPledge": None}
        extensions = error["extensions"]
        problems = extensions.get("errors") or [
            {"field": extensions["field"], "detail": error["message"]}
        ]
        return Answer(code=extensions["code"], detail=error["message"], problems=problems)
    written = answer["data"]["submitPledge"]
    return Answer(
        pledge_id=written["pledge"]["id"], created=written["created"], replayed=written["replayed"]
    )


def _input(body: dict[str, Any]) -> dict[str, Any]:
    """A REST body (``pledge_body``) as GraphQL's ``PledgeInput``: the same fields."""
    return {
        to_camel_case(name): value.upper() if name in ENUMS and isinstance(value, str) else value
        for name, value in body.items()
    }


ADAPTERS = [pytest.param(over_rest, id="rest"), pytest.param(over_graphql, id="graphql")]
# What each adapter calls the Idempotency-Key in a refusal.
KEY_FIELD = {"over_rest": "Idempotency-Key", "over_graphql": "idempotencyKey"}


@pytest.fixture
async def writer(session: AsyncSession) -> Key:
    return await make_api_key(session, name="ministry script")


@pytest.mark.parametrize("submit", ADAPTERS)
async def test_unknown_references_are_refused_with_suggestions(
    submit: Submit, client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    body = pledge_body(pledgers=["CAN", "MEXX"], forum="Puebla Proces", event=...)
    answer = await submit(client, writer, body, None)

    assert answer.code == "unknown_reference"
    assert [(e["field"], e["value"], e["suggestions"][0]) for e in answer.problems] == [
        ("pledgers.1", "MEXX", "MEX"),
        ("forum", "Puebla Proces", "RCM"),
    ]
    assert answer.problems[0]["detail"].startswith("no actor matches 'MEXX'; did you mean MEX")
    assert answer.detail == "; ".join(f"{e['field']}: {e['detail']}" for e in answer.problems)
    assert await submitted(session, writer) == 0


@pytest.mark.parametrize("submit", ADAPTERS)
async def test_names_are_stored_as_the_codes_reads_resolve_them_to(
    submit: Submit, client: httpx.AsyncClient, writer: Key
) -> None:
    body = pledge_body(pledgers=["mex", "Canada"], forum="Puebla Process", event=...)
    answer = await submit(client, writer, body, None)
    assert answer.created
    stored = (await client.get(f"/v1/pledges/{answer.pledge_id}")).json()
    assert stored["forum"] == "RCM"
    assert [p["id"] for p in stored["pledgers"]] == ["MEX", "CAN"]
    read_back = await client.get(
        "/v1/pledges", params={"forum": "Puebla Process", "pledger": "mex"}
    )
    assert [p["id"] for p in read_back.json()["items"]] == [answer.pledge_id]


@pytest.mark.parametrize("submit", ADAPTERS)
async def test_a_repeated_external_ref_answers_the_stored_pledge_not_created(
    submit: Submit, client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    first = await submit(client, writer, pledge_body(external_ref="ref-7"), None)
    again = await submit(client, writer, pledge_body(external_ref="ref-7", title="Edited"), None)

    assert (first.created, first.replayed) == (True, False)
    assert again == Answer(pledge_id=first.pledge_id, created=False, replayed=False)
    assert await submitted(session, writer) == 1


@pytest.mark.parametrize("submit", ADAPTERS)
async def test_the_same_idempotency_key_with_another_request_is_refused(
    submit: Submit, client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    await submit(client, writer, pledge_body(), "order-1")
    answer = await submit(client, writer, pledge_body(title="Another pledge"), "order-1")

    assert answer.code == "idempotency_key_reused"
    assert answer.detail == (
        "This Idempotency-Key was already used with a different request; "
        "use a new key for a new request."
    )
    assert [e["field"] for e in answer.problems] == [KEY_FIELD[submit.__name__]]
    assert await submitted(session, writer) == 1


@pytest.mark.parametrize("submit", ADAPTERS)
async def test_a_failed_write_leaves_its_idempotency_key_free_for_the_retry(
    submit: Submit, client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    failed = await submit(client, writer, pledge_body(pledgers=["nobody-here"]), "order-1")
    retried = await submit(client, writer, pledge_body(), "order-1")

    assert failed.code == "unknown_reference"
    assert (retried.created, retried.replayed) == (True, False)
    records = await session.scalar(
        select(func.count())
        .select_from(IdempotencyRecord)
        .where(IdempotencyRecord.key == "order-1")
    )
    assert records == 1
    assert await submitted(session, writer) == 1


@pytest.mark.parametrize("submit", ADAPTERS)
async def test_idempotency_keys_and_external_refs_belong_to_their_api_key(
    submit: Submit, client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    other = await make_api_key(session, name="another ministry")
    mine = await submit(client, writer, pledge_body(external_ref="ref-7"), "order-1")
    theirs = await submit(client, other, pledge_body(external_ref="ref-7"), "order-1")

    assert (mine.created, theirs.created, theirs.replayed) == (True, True, False)
    assert mine.pledge_id != theirs.pledge_id
