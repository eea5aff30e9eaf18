"""``submitPledge`` over HTTP: the REST write path's auth, validation and idempotency, in GraphQL.

Both adapters hand the same ``PledgeCreate`` to ``pledge_writes.submit``, whose rules
are tested once at the service (tests/services/test_pledge_writes.py); these check that the
mutation reaches them, answers in GraphQL's shape (errors in a 200 response,
with the REST ``extensions.code``; fields named as in ``PledgeInput``), and
leaves nothing behind when it fails. The cases both adapters share run once through each, in
tests/test_write_parity.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.utils.str_converters import to_camel_case

from app.config import Settings
from app.db import create_engine
from app.graphql.types.pledge import PledgeInput
from app.main import create_app
from app.models import ApiKey, IdempotencyRecord, Pledge
from app.models.enums import ApiScope
from app.schemas.pledge import PledgeCreate
from app.services import api_keys as api_key_service
from app.services import pledge_writes
from tests.app_settings import app_settings
from tests.conftest import build_app, client_for
from tests.factories import Key, make_api_key, pledge_body, submitted
from tests.graphql.conftest import ClientFactory

pytestmark = pytest.mark.anyio

TITLE = "Protection programmes in Central America"
SOLIDARITY_2022 = "mirps-sp-solidarity-event-2022"

SUBMIT = """mutation Submit($input: PledgeInput!, $key: String) {
  submitPledge(input: $input, idempotencyKey: $key) {
    created replayed
    pledge {
      id forumCode eventId kind scope amount amountQualifier currency amountUsd
      announcedOn announcedPrecision announcedDate status gcmObjectives title
      description externalRef curated version
      pledgers { id name }
      forum { code }
      event { id }
    }
  }
}"""

BRIEF = """mutation Submit($input: PledgeInput!, $key: String) {
  submitPledge(input: $input, idempotencyKey: $key) { created replayed pledge { id version } }
}"""

# Where errors of the mutation field point, in SUBMIT and BRIEF alike.
LOCATION = [{"line": 2, "column": 3}]
ENUMS = {"kind", "scope", "amount_qualifier"}


def pledge_input(**overrides: Any) -> dict[str, Any]:
    """``pledge_body`` (REST names and values, the same overrides) as a ``PledgeInput``."""
    return {
        to_camel_case(name): value.upper() if name in ENUMS and isinstance(value, str) else value
        for name, value in pledge_body(**overrides).items()
    }


async def submit(
    client: httpx.AsyncClient,
    key: Key | None,
    pledge: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    *,
    query: str = BRIEF,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={
            "query": query,
            "variables": {"input": pledge or pledge_input(), "key": idempotency_key},
        },
        headers=headers if headers is not None else key.headers if key else {},
    )
    # GraphQL over HTTP: a refused mutation is still a 200, its error in the body.
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(message: str, **extensions: Any) -> dict[str, Any]:
    """The whole response of a ``submitPledge`` that was refused."""
    return {
        "data": {"submitPledge": None},
        "errors": [
            {
                "message": message,
                "locations": LOCATION,
                "path": ["submitPledge"],
                "extensions": extensions,
            }
        ],
    }


@pytest.fixture
async def writer(session: AsyncSession) -> Key:
    return await make_api_key(session, name="ministry script")


def test_pledge_input_has_exactly_the_fields_of_pledge_create() -> None:
    # The input is handed to PledgeCreate whole; the two must not drift apart.
    names = {field.name for field in dataclasses.fields(PledgeInput)}
    assert names == set(PledgeCreate.model_fields)


# --- submitting -----------------------------------------------------------------------------


async def test_submit_pledge_stores_and_answers_the_pledge(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    body = await submit(
        client,
        writer,
        pledge_input(description="Shelters and legal aid.", external_ref="gac-1"),
        query=SUBMIT,
    )

    pledge_id = body["data"]["submitPledge"]["pledge"]["id"]
    assert body == {
        "data": {
            "submitPledge": {
                "created": True,
                "replayed": False,
                "pledge": {
                    "id": pledge_id,
                    "forumCode": "MIRPS-SP",
                    "eventId": SOLIDARITY_2022,
                    "kind": "FINANCIAL",
                    "scope": "REGIONAL",
                    "amount": "1000000.00",
                    "amountQualifier": "EXACT",
                    "currency": "CAD",
                    # 1,000,000 x 0.7684032580 (the curated CAD rate for 2022), to the cent.
                    "amountUsd": "768403.26",
                    "announcedOn": "2022-09-21",
                    "announcedPrecision": "DAY",
                    "announcedDate": "2022-09-21",
                    "status": "ANNOUNCED",
                    "gcmObjectives": [2, 23],
                    "title": TITLE,
                    "description": "Shelters and legal aid.",
                    "externalRef": "gac-1",
                    "curated": False,
                    "version": 1,
                    "pledgers": [{"id": "CAN", "name": "Canada"}],
                    "forum": {"code": "MIRPS-SP"},
                    "event": {"id": SOLIDARITY_2022},
                },
            }
        }
    }
    # Committed, and what a read answers afterwards.
    read = await client.post(
        "/graphql",
        json={
            "query": "query ($id: Int!) { pledge(id: $id) { id title amountUsd version } }",
            "variables": {"id": pledge_id},
        },
    )
    assert read.json() == {
        "data": {
            "pledge": {"id": pledge_id, "title": TITLE, "amountUsd": "768403.26", "version": 1}
        }
    }
    row = await session.get(Pledge, pledge_id)
    assert row is not None
    assert row.api_key_id == writer.id


async def test_a_joint_pledge_with_a_partial_date_and_no_amount(
    client: httpx.AsyncClient, writer: Key
) -> None:
    body = await submit(
        client,
        writer,
        pledge_input(
            pledgers=["MEX", "CAN"],
            forum=...,
            kind="technical",
            amount=...,
            currency=...,
            announced_on="2022-09",
            gcm_objectives=...,
        ),
        query=SUBMIT,
    )

    pledge = body["data"]["submitPledge"]["pledge"]
    assert {
        name: pledge[name]
        for name in (
            "forumCode",
            "kind",
            "amount",
            "amountQualifier",
            "currency",
            "amountUsd",
            "announcedOn",
            "announcedPrecision",
            "announcedDate",
            "gcmObjectives",
            "pledgers",
        )
    } == {
        "forumCode": "MIRPS-SP",  # filed under the event's forum
        "kind": "TECHNICAL",
        "amount": None,
        "amountQualifier": None,
        "currency": None,
        "amountUsd": None,
        "announcedOn": "2022-09",
        "announcedPrecision": "MONTH",
        "announcedDate": "2022-09-01",
        "gcmObjectives": [],
        "pledgers": [{"id": "MEX", "name": "Mexico"}, {"id": "CAN", "name": "Canada"}],
    }


async def test_several_submissions_in_one_operation_run_in_order(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    # Mutation fields run one after another on the request's one session: each
    # write starts clean after the reads of the previous selection, a refused one
    # leaves nothing, and no field sees what the loaders cached before a write.
    selection = "created pledge { id title event { pledges(filter: {curated: false}) { id } } }"
    response = await client.post(
        "/graphql",
        json={
            "query": f"""mutation ($a: PledgeInput!, $b: PledgeInput!, $c: PledgeInput!) {{
  a: submitPledge(input: $a) {{ {selection} }}
  b: submitPledge(input: $b) {{ {selection} }}
  c: submitPledge(input: $c) {{ {selection} }}
}}""",
            "variables": {
                "a": pledge_input(title="First"),
                "b": pledge_input(title="Refused", currency="ZZZ"),
                "c": pledge_input(title="Third"),
            },
        },
        headers=writer.headers,
    )

    body = response.json()
    first = body["data"]["a"]["pledge"]["id"]
    third = body["data"]["c"]["pledge"]["id"]
    assert body == {
        "data": {
            "a": {
                "created": True,
                "pledge": {"id": first, "title": "First", "event": {"pledges": [{"id": first}]}},
            },
            "b": None,
            "c": {
                "created": True,
                "pledge": {
                    "id": third,
                    "title": "Third",
                    "event": {"pledges": [{"id": first}, {"id": third}]},
                },
            },
        },
        "errors": [
            {
                "message": "currency: 'ZZZ' is not an ISO 4217 currency code",
                "locations": [{"line": 3, "column": 3}],
                "path": ["b"],
                "extensions": {
                    "code": "validation_failed",
                    "errors": [
                        {"field": "currency", "detail": "'ZZZ' is not an ISO 4217 currency code"}
                    ],
                },
            }
        ],
    }
    assert await submitted(session, writer) == 2


async def test_a_write_that_fails_after_storing_leaves_nothing_behind(
    client: httpx.AsyncClient,
    session: AsyncSession,
    writer: Key,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_submit = pledge_writes.submit
    calls: list[str] = []

    async def fail_once_stored(*args: Any, **kwargs: Any) -> Any:
        result = await real_submit(*args, **kwargs)  # flushed: the rows exist
        calls.append(result.pledge.title)
        if len(calls) == 1:
            raise RuntimeError("the server fell over after the flush")
        return result

    monkeypatch.setattr(pledge_writes, "submit", fail_once_stored)
    response = await client.post(
        "/graphql",
        json={
            "query": """mutation ($a: PledgeInput!, $b: PledgeInput!) {
  a: submitPledge(input: $a, idempotencyKey: "k-a") { created pledge { title } }
  b: submitPledge(input: $b) { created pledge { title } }
}""",
            "variables": {"a": pledge_input(title="Lost"), "b": pledge_input(title="Kept")},
        },
        headers=writer.headers,
    )

    assert response.json() == {
        "data": {"a": None, "b": {"created": True, "pledge": {"title": "Kept"}}},
        "errors": [
            {
                "message": "The server failed to handle the request; it has been logged.",
                "locations": [{"line": 2, "column": 3}],
                "path": ["a"],
                "extensions": {"code": "internal_error"},
            }
        ],
    }
    assert calls == ["Lost", "Kept"]
    titles = await session.scalars(select(Pledge.title).where(Pledge.api_key_id == writer.id))
    assert list(titles) == ["Kept"]
    keys = await session.scalars(
        select(IdempotencyRecord.key).where(IdempotencyRecord.api_key_id == writer.id)
    )
    assert list(keys) == []


# --- validation -----------------------------------------------------------------------------


async def test_a_financial_pledge_without_an_amount_is_refused_naming_the_field(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    body = await submit(client, writer, pledge_input(amount=..., currency=...))

    assert body == refused(
        "amount: a financial pledge needs an amount",
        code="validation_failed",
        errors=[{"field": "amount", "detail": "a financial pledge needs an amount"}],
    )
    assert await submitted(session, writer) == 0


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"currency": ...}, [("currency", "an amount needs its ISO 4217 currency")]),
        ({"currency": "ZZZ"}, [("currency", "'ZZZ' is not an ISO 4217 currency code")]),
        ({"currency": "cad"}, [("currency", None)]),
        ({"amount": "0"}, [("amount", None)]),
        ({"amount": "12.345"}, [("amount", None)]),
        ({"amount": "lots"}, [("amount", None)]),
        (
            {"gcm_objectives": [24]},
            [("gcmObjectives.0", "Input should be less than or equal to 23")],
        ),
        ({"gcm_objectives": [0, 24]}, [("gcmObjectives.0", None), ("gcmObjectives.1", None)]),
        ({"gcm_objectives": [3, 3]}, [("gcmObjectives", "objective 3 is listed twice")]),
        ({"forum": ..., "event": ...}, [("event", "a pledge needs a forum, an event, or both")]),
        ({"pledgers": []}, [("pledgers", None)]),
        ({"pledgers": ["CAN", "CAN"]}, [("pledgers", "pledger 'CAN' is listed twice")]),
        ({"title": "   "}, [("title", None)]),
        ({"announced_on": "2022-02-30"}, [("announcedOn", "'2022-02-30' is not a real date")]),
        ({"announced_on": "21/09/2022"}, [("announcedOn", None)]),
        ({"external_ref": ""}, [("externalRef", None)]),
    ],
)
async def test_invalid_input_is_refused_naming_each_field(
    client: httpx.AsyncClient,
    session: AsyncSession,
    writer: Key,
    overrides: dict[str, Any],
    errors: list[tuple[str, str | None]],
) -> None:
    body = await submit(client, writer, pledge_input(**overrides))

    assert body["data"] == {"submitPledge": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "validation_failed"
    assert [e["field"] for e in error["extensions"]["errors"]] == [field for field, _ in errors]
    for item, (_, detail) in zip(error["extensions"]["errors"], errors, strict=True):
        if detail is not None:
            assert item["detail"] == detail
    assert error["message"] == "; ".join(
        f"{e['field']}: {e['detail']}" for e in error["extensions"]["errors"]
    )
    assert await submitted(session, writer) == 0


async def test_an_amount_sent_as_a_number_is_refused_before_anything_runs(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    body = await submit(client, writer, pledge_input(amount=1000000.5))

    assert body == {
        "data": None,
        "errors": [
            {
                "message": "Variable '$input' has invalid value at .amount: "
                "String cannot represent a non string value: 1000000.5",
                "locations": [{"line": 1, "column": 17}],
                "extensions": {"code": "graphql_validation_failed"},
            }
        ],
    }
    assert await submitted(session, writer) == 0


# --- idempotency ----------------------------------------------------------------------------


async def test_the_same_idempotency_key_and_input_replays_the_first_answer(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    first = await submit(client, writer, idempotency_key="order-1", query=SUBMIT)
    # The same content with its fields in another order is the same request.
    reordered = dict(reversed(list(pledge_input().items())))
    replay = await submit(client, writer, reordered, idempotency_key="order-1", query=SUBMIT)

    assert first["data"]["submitPledge"]["created"] is True
    assert first["data"]["submitPledge"]["replayed"] is False
    assert replay == {
        "data": {
            "submitPledge": {
                **first["data"]["submitPledge"],
                "created": False,
                "replayed": True,
            }
        }
    }
    assert await submitted(session, writer) == 1


async def test_an_overlong_idempotency_key_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    body = await submit(client, writer, idempotency_key="k" * 256)

    assert body == refused(
        "An Idempotency-Key is 1 to 255 printable characters.",
        code="invalid_idempotency_key",
        field="idempotencyKey",
    )
    assert await submitted(session, writer) == 0


async def test_rest_and_graphql_share_one_idempotency_key_space(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    # Both adapters call pledge_writes.submit with the same PledgeCreate: a key used
    # on one answers on the other, for the same API key.
    rest = await client.post(
        "/v1/pledges",
        json=pledge_body(),
        headers={**writer.headers, "Idempotency-Key": "shared-1"},
    )
    graphql_replay = await submit(client, writer, idempotency_key="shared-1")
    graphql_other = await submit(
        client, writer, pledge_input(title="Another pledge"), idempotency_key="shared-1"
    )
    graphql_first = await submit(client, writer, idempotency_key="shared-2")
    rest_replay = await client.post(
        "/v1/pledges",
        json=pledge_body(),
        headers={**writer.headers, "Idempotency-Key": "shared-2"},
    )

    assert rest.status_code == 201
    assert graphql_replay == {
        "data": {
            "submitPledge": {
                "created": False,
                "replayed": True,
                "pledge": {"id": rest.json()["id"], "version": 1},
            }
        }
    }
    assert graphql_other["errors"][0]["extensions"]["code"] == "idempotency_key_reused"
    second = graphql_first["data"]["submitPledge"]["pledge"]["id"]
    assert second != rest.json()["id"]
    assert rest_replay.status_code == 201
    assert rest_replay.headers["idempotent-replayed"] == "true"
    assert rest_replay.json()["id"] == second
    assert await submitted(session, writer) == 2


async def test_concurrent_submissions_with_one_key_store_one_pledge(
    live_database_url: str,
) -> None:
    # Real commits on a database of its own: the same key in flight ten times
    # over GraphQL and ten over REST is processed once; the others replay it. The
    # waits are generous: twenty writers queue for SQLite's one write lock, and on a
    # busy machine that takes longer than the default pool timeout (what is tested
    # here is that one pledge is stored, not how fast).
    settings = app_settings(live_database_url, db_pool_timeout=60, db_connect_timeout=60)
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as setup:
            created = await api_key_service.create_api_key(
                setup, name="race", scopes=["pledges:write"], any_pledger=True
            )
            await setup.commit()
        headers = {"Authorization": f"Bearer {created.secret}", "Idempotency-Key": "race-1"}
        async with client_for(create_app(settings)) as client:

            async def over_graphql() -> int:
                body = await submit(client, None, idempotency_key="race-1", headers=headers)
                pledge_id: int = body["data"]["submitPledge"]["pledge"]["id"]
                return pledge_id

            async def over_rest() -> int:
                response = await client.post("/v1/pledges", json=pledge_body(), headers=headers)
                assert response.status_code == 201, response.text
                pledge_id: int = response.json()["id"]
                return pledge_id

            ids = await asyncio.gather(
                *(call() for _ in range(10) for call in (over_graphql, over_rest))
            )
        assert len(set(ids)) == 1
        async with AsyncSession(engine) as check:
            count = await check.scalar(
                select(func.count()).select_from(Pledge).where(Pledge.api_key_id == created.key.id)
            )
            assert count == 1
    finally:
        await engine.dispose()


# --- auth, limits, transport ----------------------------------------------------------------


async def test_the_auth_matrix(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    admin = await make_api_key(session, name="steward", scopes=(ApiScope.PLEDGES_ADMIN,))
    revoked = await make_api_key(session, name="old script")
    await api_key_service.revoke_api_key(session, revoked.id)
    # Every scope there is allows writing; a key stored with none still exists.
    scopeless = await make_api_key(session, name="reader")
    await session.execute(update(ApiKey).where(ApiKey.id == scopeless.id).values(scopes=[]))
    await session.commit()

    credentials: dict[str, dict[str, str]] = {
        "none": {},
        "malformed": {"Authorization": "Bearer not-a-migov-key"},
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
        "empty bearer": {"Authorization": "Bearer "},
        "wrong secret": {"Authorization": f"Bearer {writer.secret[:-4]}AAAA"},
        "revoked": revoked.headers,
        "no scope": scopeless.headers,
        "write": writer.headers,
        "admin": admin.headers,
    }
    seen: dict[str, tuple[str | None, str | None]] = {}
    rest: dict[str, tuple[int, str | None]] = {}
    for name, headers in credentials.items():
        body = await submit(client, None, pledge_input(title=name), headers=headers)
        errors = body.get("errors") or [{}]
        seen[name] = (
            errors[0].get("extensions", {}).get("code"),
            errors[0].get("message"),
        )
        response = await client.post("/v1/pledges", json=pledge_body(title=name), headers=headers)
        rest[name] = (response.status_code, response.json().get("code"))

    missing = "This request needs an API key: send `Authorization: Bearer <secret>`."
    invalid = "The API key is not valid or has been revoked."
    no_scope = f"The API key {scopeless.prefix} lacks the scope pledges:write."
    assert seen == {
        "none": ("api_key_missing", missing),
        "malformed": ("api_key_invalid", invalid),
        "basic": ("api_key_invalid", invalid),
        "empty bearer": ("api_key_invalid", invalid),
        "wrong secret": ("api_key_invalid", invalid),
        "revoked": ("api_key_invalid", invalid),
        "no scope": ("scope_missing", no_scope),
        "write": (None, None),
        "admin": (None, None),
    }
    # The same answers REST gives, code for code.
    assert rest == {
        "none": (401, "api_key_missing"),
        "malformed": (401, "api_key_invalid"),
        "basic": (401, "api_key_invalid"),
        "empty bearer": (401, "api_key_invalid"),
        "wrong secret": (401, "api_key_invalid"),
        "revoked": (401, "api_key_invalid"),
        "no scope": (403, "scope_missing"),
        "write": (201, None),
        "admin": (201, None),
    }
    titles = await session.scalars(select(Pledge.title).where(Pledge.key.is_(None)))
    assert sorted(titles) == ["admin", "admin", "write", "write"]


async def test_a_refused_key_is_answered_before_the_input_is_checked(
    client: httpx.AsyncClient,
) -> None:
    # As in REST: who may write is settled before what is written.
    body = await submit(client, None, pledge_input(currency="ZZZ"))

    assert body == refused(
        "This request needs an API key: send `Authorization: Bearer <secret>`.",
        code="api_key_missing",
    )


async def test_writes_beyond_the_rate_limit_are_refused_with_retry_after(
    settings: Settings, session: AsyncSession, writer: Key
) -> None:
    limited = build_app(settings.model_copy(update={"rate_limit_per_minute": 2}), session)
    async with client_for(limited) as client:
        allowed = [
            await submit(client, writer, pledge_input(title=f"Pledge {n}")) for n in range(2)
        ]
        body = await submit(client, writer, pledge_input(title="One too many"))

    assert [a["data"]["submitPledge"]["created"] for a in allowed] == [True, True]
    [error] = body["errors"]
    retry_after = error["extensions"]["retryAfter"]
    assert 1 <= retry_after <= 60
    assert body == refused(
        f"The API key {writer.prefix} has used its quota of 2 writes per 60 s (a batch "
        "takes one per pledge); retry after the seconds Retry-After gives.",
        code="rate_limited",
        retryAfter=retry_after,
    )
    assert await submitted(session, writer) == 2


async def test_mutations_are_refused_over_get(
    client: httpx.AsyncClient, session: AsyncSession, writer: Key
) -> None:
    query = (
        'mutation { submitPledge(input: {pledgers: ["CAN"], forum: "RCM", '
        'kind: POLICY_LEGAL, title: "t"}) { created } }'
    )
    response = await client.get("/graphql", params={"query": query}, headers=writer.headers)
    read = await client.get("/graphql", params={"query": "{ pledge(id: 1) { id } }"})

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "mutations are not allowed when using GET",
                "extensions": {"code": "mutation_over_get"},
            }
        ]
    }
    assert read.json() == {"data": {"pledge": {"id": 1}}}  # queries still may use GET
    assert await submitted(session, writer) == 0


@pytest.mark.parametrize(
    ("limits", "code"),
    [({"graphql_max_depth": 3}, "query_too_deep"), ({"graphql_max_cost": 3}, "query_too_costly")],
)
async def test_request_limits_refuse_a_mutation_before_it_runs(
    client_with: ClientFactory,
    session: AsyncSession,
    writer: Key,
    limits: dict[str, int],
    code: str,
) -> None:
    query = """mutation Submit($input: PledgeInput!, $key: String) {
  submitPledge(input: $input, idempotencyKey: $key) {
    pledge { event { forum { parent { code } } } }
  }
}"""
    async with client_with(**limits) as client:
        body = await submit(client, writer, query=query)

    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]
    assert await submitted(session, writer) == 0


async def test_a_pledge_in_euros_gets_an_ecb_rate_and_one_in_colones_says_why_not(
    client: httpx.AsyncClient, writer: Key
) -> None:
    query = """mutation Submit($input: PledgeInput!, $key: String) {
      submitPledge(input: $input, idempotencyKey: $key) {
        pledge { currency amountUsd amountUsdNote
                 usdConversion { currency usdPerUnit periodStart periodEnd provider
                                 citations { sourceId locator } } }
      }
    }"""
    euros = await submit(client, writer, pledge_input(currency="EUR"), query=query)
    assert euros == {
        "data": {
            "submitPledge": {
                "pledge": {
                    "currency": "EUR",
                    # The ECB's fixing of 21 September 2022: 0.9906 US dollars per euro.
                    "amountUsd": "990600.00",
                    "amountUsdNote": None,
                    "usdConversion": {
                        "currency": "EUR",
                        "usdPerUnit": "0.9906000000",
                        "periodStart": "2022-09-21",
                        "periodEnd": "2022-09-21",
                        "provider": "ECB",
                        "citations": [
                            {
                                "sourceId": "ecb-euro-reference-rates",
                                "locator": "eurofxref-hist, 2022-09-21, columns USD and EUR",
                            }
                        ],
                    },
                }
            }
        }
    }
    colones = await submit(client, writer, pledge_input(currency="CRC"), query=query)
    assert colones == {
        "data": {
            "submitPledge": {
                "pledge": {
                    "currency": "CRC",
                    "amountUsd": None,
                    "amountUsdNote": "the ECB publishes no euro reference rate for CRC",
                    "usdConversion": None,
                }
            }
        }
    }


async def test_a_mutation_names_the_data_version_it_committed(
    client: httpx.AsyncClient, writer: Key
) -> None:
    """As REST's writes do: ``Migov-Data-Version`` on the answer, the version the write
    committed; a replay names the current one; a refused mutation names none."""

    async def post(idempotency_key: str | None, pledge: dict[str, Any]) -> httpx.Response:
        return await client.post(
            "/graphql",
            json={"query": SUBMIT, "variables": {"input": pledge, "key": idempotency_key}},
            headers=writer.headers,
        )

    created = await post("data-version-1", pledge_input())
    version = (await client.get("/v1/meta")).json()["dataset_version"]
    assert created.json()["data"]["submitPledge"]["created"] is True
    assert int(created.headers["Migov-Data-Version"]) == version
    replayed = await post("data-version-1", pledge_input())
    assert replayed.json()["data"]["submitPledge"]["replayed"] is True
    assert int(replayed.headers["Migov-Data-Version"]) == version
    refused_answer = await post(None, pledge_input(forum="NOPE"))
    assert refused_answer.json()["errors"]
    assert "Migov-Data-Version" not in refused_answer.headers


FULL_PLEDGERS = """mutation Submit($input: PledgeInput!, $key: String) {
  submitPledge(input: $input, idempotencyKey: $key) {
    created replayed
    pledge { id pledgers { ...whole } }
  }
}
query Read($id: Int!) { pledge(id: $id) { pledgers { ...whole } } }
fragment whole on Actor {
  id iso3 name nameEs es: name(lang: ES) shortName kind forumCode website
  certainty certaintySetBy { argument } conditionsMet { value }
  forum { code }
}"""


async def test_a_submissions_pledgers_answer_as_a_replay_and_a_read_answer_them(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # A write answers its pledgers from the row it read back, a replay from the actors
    # themselves, a read from its own row: every field of Actor the same, in order.
    writer = await make_api_key(session, name="joint", pledgers=("sica", "oas", "MEX"))
    pledge = pledge_input(pledgers=["sica", "oas", "MEX"], forum="MIRPS-SP", event=None)

    async def run(operation: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(
            "/graphql",
            json={"query": FULL_PLEDGERS, "operationName": operation, "variables": variables},
            headers=writer.headers,
        )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    first = (await run("Submit", {"input": pledge, "key": "joint-1"}))["submitPledge"]
    replay = (await run("Submit", {"input": pledge, "key": "joint-1"}))["submitPledge"]
    read = (await run("Read", {"id": first["pledge"]["id"]}))["pledge"]

    assert (first["created"], replay["replayed"]) == (True, True)
    assert [p["id"] for p in first["pledge"]["pledgers"]] == ["sica", "oas", "MEX"]
    assert first["pledge"]["pledgers"][0]["forumCode"] == "SICA"
    assert first["pledge"]["pledgers"][0]["forum"] == {"code": "SICA"}
    assert first["pledge"]["pledgers"] == replay["pledge"]["pledgers"] == read["pledgers"]
