"""Every error carries a stable code; only server faults are masked, and only outside debug."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.graphql.errors import in_graphql_words
from app.services import forums as forum_service
from tests.graphql import gql
from tests.graphql.conftest import ClientFactory

QUERY = '{ forums { totalCount } forum(code: "RCM") { code } }'


@pytest.fixture
def broken_forum_list(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fail(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("connection string postgresql://secret@db leaked")

    monkeypatch.setattr(forum_service, "list_forums", fail)


@pytest.mark.usefixtures("broken_forum_list")
async def test_unexpected_error_is_masked(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    body = await gql(client, QUERY)
    assert body == {
        "data": {"forums": None, "forum": {"code": "RCM"}},
        "errors": [
            {
                "message": "The server failed to handle the request; it has been logged.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["forums"],
                "extensions": {"code": "internal_error"},
            }
        ],
    }
    # Hidden from the client, kept for the operator.
    assert "postgresql://secret@db" in caplog.text


@pytest.mark.usefixtures("broken_forum_list")
async def test_unexpected_error_is_shown_in_debug(client_with: ClientFactory) -> None:
    async with client_with(debug=True) as client:
        body = await gql(client, QUERY)
    assert body == {
        "data": {"forums": None, "forum": {"code": "RCM"}},
        "errors": [
            {
                "message": "connection string postgresql://secret@db leaked",
                "locations": [{"line": 1, "column": 3}],
                "path": ["forums"],
                "extensions": {"code": "internal_error"},
            }
        ],
    }


async def test_client_errors_are_not_logged_as_server_errors(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    body = await gql(client, '{ forums(after: "x") { totalCount } nope }')
    assert [e["extensions"]["code"] for e in body["errors"]] == ["graphql_validation_failed"]
    body = await gql(client, '{ forums(after: "x") { totalCount } }')
    assert [e["extensions"]["code"] for e in body["errors"]] == ["invalid_cursor"]
    assert caplog.text == ""


async def test_syntax_error(client: httpx.AsyncClient) -> None:
    assert await gql(client, "{ forums { ") == {
        "data": None,
        "errors": [
            {
                "message": "Syntax Error: Expected Name, found <EOF>.",
                "locations": [{"line": 1, "column": 12}],
                "extensions": {"code": "graphql_parse_failed"},
            }
        ],
    }


async def test_wrong_variable_type(client: httpx.AsyncClient) -> None:
    query = 'query ($day: Date) { forum(code: "M5") { participants(asOf: $day) { id } } }'
    assert await gql(client, query, day="not a day") == {
        "data": None,
        "errors": [
            {
                "message": "Variable '$day' has invalid value: Value cannot represent a Date: "
                "\"not a day\". Invalid isoformat string: 'not a day'",
                "locations": [{"line": 1, "column": 8}],
                "extensions": {"code": "graphql_validation_failed"},
            }
        ],
    }


async def test_an_unknown_forum_is_named_by_its_graphql_argument(
    client: httpx.AsyncClient,
) -> None:
    body = await gql(
        client,
        '{ actors(filter: {hasRole: "GCM:champion", memberOf: "MIRPSX", asOf: "2022-01-01"}) '
        "{ totalCount } }",
    )
    detail = "no forum matches 'MIRPSX'; did you mean MIRPS, MIRPS-SP, IMRF?"
    assert body == {
        "data": {"actors": None},
        "errors": [
            {
                "message": f"memberOf: {detail}",
                "locations": [{"line": 1, "column": 3}],
                "path": ["actors"],
                "extensions": {
                    "code": "unknown_reference",
                    "errors": [
                        {
                            "field": "memberOf",
                            "value": "MIRPSX",
                            "detail": detail,
                            "suggestions": ["MIRPS", "MIRPS-SP", "IMRF"],
                        }
                    ],
                },
            }
        ],
    }


async def test_rest_names_the_same_refusal_by_its_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/actors",
        params={"has_role": "GCM:champion", "member_of": "MIRPSX", "as_of": "2022-01-01"},
    )
    body = response.json()
    assert (response.status_code, body["detail"], body["errors"][0]["field"]) == (
        400,
        "member_of: no forum matches 'MIRPSX'; did you mean MIRPS, MIRPS-SP, IMRF?",
        "member_of",
    )


@pytest.mark.parametrize(
    ("query", "message", "requires"),
    [
        (
            "{ participations(filter: {certainty: CERTAIN}) { totalCount } }",
            "certainty needs asOf: a period is certain or possible on a given day.",
            ["asOf"],
        ),
        (
            '{ forum(code: "RCM") { participants(certainty: CERTAIN) { role } } }',
            "certainty needs asOf: a period is certain or possible on a given day.",
            ["asOf"],
        ),
    ],
)
async def test_a_missing_argument_is_named_as_graphql_spells_it(
    client: httpx.AsyncClient, query: str, message: str, requires: list[str]
) -> None:
    (error,) = (await gql(client, query))["errors"]
    assert (error["message"], error["extensions"]["errors"][0]["requires"]) == (message, requires)


def test_only_argument_names_change_never_values() -> None:
    text = "hasRole: no forum matches 'as_of'; start_to (2021) is before start_from (2022)"
    assert in_graphql_words(text) == (
        "hasRole: no forum matches 'as_of'; startTo (2021) is before startFrom (2022)"
    )
    assert in_graphql_words("kind: 'x' is not one of solidarity_event, high_level_event") == (
        "kind: 'x' is not one of solidarity_event, high_level_event"
    )
