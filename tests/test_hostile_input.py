"""Hostile strings in every parameter: refused (4xx) or answered empty, never a fault.

Every GET operation of the OpenAPI document is called with each hostile value in
each of its path and query parameters in turn, on the suite's engine. No answer
may be a 5xx, none may echo a stack trace, SQL or a file path, and none may
match data (a SQL-injection string finds nothing: it is a value, never SQL).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from tests.conftest import build_app, client_for

HOSTILE = {
    "sql": "' OR '1'='1' --",
    "sql-union": "1 UNION SELECT secret_hash FROM api_key --",
    "traversal": "../../../../etc/passwd",
    "header": "x\r\nSet-Cookie: stolen=1",
    "nul": "RCM\x00",
    "huge-int": str(2**64),
    "negative": "-1",
    "unicode": "\u202e\U0001f4a9\ufeff\u0301",
    "long": "A" * 5000,
    "html": "<script>alert(1)</script>",
}
LEAKS = re.compile(r"Traceback|sqlalchemy|asyncpg|sqlite3|SELECT |/work/|\.py\b|File \"")


@pytest.fixture
async def client(settings: Settings, session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    """The suite's client with no quota of requests: the walk sends thousands."""
    unlimited = settings.model_copy(update={"client_rate_limit_per_minute": 0})
    async with client_for(build_app(unlimited, session)) as client:
        yield client


def _get_operations(document: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    return [
        (path, operations["get"].get("parameters", []))
        for path, operations in document["paths"].items()
        if "get" in operations
    ]


def _without_echo(response: httpx.Response, value: str) -> str:
    """The body minus what the client sent: ``instance`` (its path) and the value itself."""
    try:
        body = response.json()
    except ValueError:
        return response.text.replace(value, "")
    if isinstance(body, dict):
        body.pop("instance", None)
    return str(body).replace(value, "").replace(repr(value)[1:-1], "")


def _empty(body: Any) -> bool:
    """A list page with no items, or a summary with no groups."""
    return isinstance(body, dict) and (body.get("items") == [] or body.get("groups") == [])


async def test_hostile_strings_in_every_parameter_are_refused(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    operations = _get_operations(document)
    assert len(operations) >= 10, "the walk found too few operations to prove anything"
    answers: dict[int, int] = {}
    faults: list[str] = []
    for path, parameters in operations:
        for parameter in parameters:
            if parameter["in"] not in ("path", "query"):
                continue
            for name, value in HOSTILE.items():
                url = path
                query: dict[str, str] = {}
                for other in parameters:
                    if other["in"] == "path" and other is not parameter:
                        url = url.replace(
                            "{" + other["name"] + "}", "RCM" if "code" in other["name"] else "1"
                        )
                if parameter["in"] == "path":
                    url = url.replace("{" + parameter["name"] + "}", quote(value, safe=""))
                else:
                    query[parameter["name"]] = value
                    url = url.replace("{pledge_id}", "1")
                    url = re.sub(r"\{[^}]+\}", "RCM", url)
                response = await client.get(
                    url, params=query, headers={"Authorization": "Bearer x"}
                )
                answers[response.status_code] = answers.get(response.status_code, 0) + 1
                where = f"{path} {parameter['name']}={name}: {response.status_code}"
                if response.status_code >= 500 or LEAKS.search(_without_echo(response, value)):
                    faults.append(where + " " + response.text[:200])
                elif response.status_code < 400:
                    body = (
                        response.json()
                        if "json" in response.headers.get("content-type", "")
                        else None
                    )
                    if not _empty(body):
                        faults.append(where + " matched data")
    assert faults == [], "\n".join(faults)
    assert sum(answers.values()) > 300
    assert set(answers) <= {200, 400, 401, 403, 404, 422}, answers


async def test_a_nul_in_the_query_or_path_is_400(client: httpx.AsyncClient) -> None:
    for url in ("/v1/forums?kind=%00", "/v1/forums/RCM%00", "/v1/pledges?forum=RC%00M"):
        response = await client.get(url)
        assert response.status_code == 400, url
        assert response.json()["code"] == "invalid_parameter"


@pytest.mark.parametrize("pledge_id", [2**31, 2**62 - 1, 4611686018427387903, 2**64])
async def test_ids_beyond_the_column_range_are_400(
    client: httpx.AsyncClient, pledge_id: int
) -> None:
    for url in (f"/v1/pledges/{pledge_id}", f"/v1/pledges/{pledge_id}/history"):
        response = await client.get(url)
        assert response.status_code == 400, url
        body = response.json()
        assert (body["code"], body["errors"][0]["field"]) == ("invalid_parameter", "pledge_id")
