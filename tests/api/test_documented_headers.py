"""The response headers the OpenAPI document describes are the ones the API sends."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.openapi import offers_csv
from tests.factories import make_api_key, pledge_body


def documented(document: dict[str, Any], path: str, method: str, status: str) -> set[str]:
    response = document["paths"][path][method]["responses"][status]
    return set(response.get("headers", {}))


def plain_reads(document: dict[str, Any]) -> list[str]:
    """Every open GET under /v1 that needs no path parameter."""
    return sorted(
        path
        for path, operations in document["paths"].items()
        if path.startswith("/v1") and "{" not in path and "get" in operations
        if not operations["get"].get("security")
    )


async def test_headers_are_described_once_and_referenced(app: FastAPI) -> None:
    document = app.openapi()
    assert set(document["components"]["headers"]) >= {
        "ETag",
        "Link",
        "Location",
        "Retry-After",
        "Idempotent-Replayed",
        "RateLimit",
        "RateLimit-Policy",
        "X-Request-ID",
        "Content-Disposition",
    }
    assert documented(document, "/v1/pledges", "get", "200") >= {"ETag", "Link", "X-Request-ID"}
    assert documented(document, "/v1/pledges", "post", "201") >= {
        "Location",
        "ETag",
        "Idempotent-Replayed",
        "RateLimit",
        "RateLimit-Policy",
    }
    assert documented(document, "/v1/pledges", "post", "429") >= {"Retry-After", "RateLimit"}
    assert documented(document, "/v1/forums", "get", "503") >= {"Retry-After"}
    # Every read names its version and the same request pinned to it (rel="cite-as").
    assert documented(document, "/v1/meta", "get", "200") >= {"Link", "Migov-Data-Version"}


async def test_every_documented_read_header_is_sent(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    document = app.openapi()
    reads = plain_reads(document)
    assert {"/v1/pledges", "/v1/meta"} <= set(reads)
    missing_by_path: dict[str, set[str]] = {}
    for path in reads:
        params = {p["name"] for p in document["paths"][path]["get"].get("parameters", [])}
        response = await client.get(path, params={"limit": 1} if "limit" in params else {})
        assert response.status_code == 200, (path, response.text)
        expected = documented(document, path, "get", "200") - {"Content-Disposition"}
        if response.json().get("next_cursor") is None:
            assert "next" not in response.links, path  # the last page has none
        if "Link" in expected:
            assert "cite-as" in response.links, path
        missing = {name for name in expected if name not in response.headers}
        if missing:
            missing_by_path[path] = missing
        if offers_csv(document["paths"][path]["get"]):
            csv = await client.get(path, params={"format": "csv"})
            assert csv.headers["content-disposition"].startswith("attachment; filename="), path
        else:
            assert "content-disposition" not in response.headers, path
    assert missing_by_path == {}


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("/v1/forums/{code}", "/v1/forums/MIRPS"),
        ("/v1/actors/{actor_id}", "/v1/actors/CAN"),
        ("/v1/forums/{code}/participants", "/v1/forums/MIRPS/participants"),
    ],
)
async def test_documented_headers_of_one_resource_are_sent(
    app: FastAPI, client: httpx.AsyncClient, template: str, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    expected = documented(app.openapi(), template, "get", "200") - {"Link", "Content-Disposition"}
    assert {name for name in expected if name not in response.headers} == set()


async def test_one_pledge_sends_its_documented_headers(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    pledge_id = (await client.get("/v1/pledges", params={"limit": 1})).json()["items"][0]["id"]
    response = await client.get(f"/v1/pledges/{pledge_id}")
    expected = documented(app.openapi(), "/v1/pledges/{pledge_id}", "get", "200")
    assert expected == {
        "ETag",
        "Cache-Control",
        "X-Request-ID",
        "RateLimit",
        "RateLimit-Policy",
        "Migov-Data-Version",
        "Link",
    }
    assert {name for name in expected if name not in response.headers} == set()


def _version(response: httpx.Response) -> int:
    return int(response.headers["migov-data-version"])


@pytest.mark.parametrize("with_next_page", ["/v1/forums", "/v1/actors", "/v1/pledges"])
async def test_paged_lists_send_link(client: httpx.AsyncClient, with_next_page: str) -> None:
    response = await client.get(with_next_page, params={"limit": 1})
    assert "cursor=" in response.links["next"]["url"]
    assert response.links["cite-as"]["url"].endswith(f"limit=1&version={_version(response)}")


async def test_every_documented_write_header_is_sent(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    document = app.openapi()
    writer = await make_api_key(session, name="ministry script")
    headers = {**writer.headers, "Idempotency-Key": "documented-headers-1"}
    created = await client.post("/v1/pledges", json=pledge_body(), headers=headers)
    replayed = await client.post("/v1/pledges", json=pledge_body(), headers=headers)

    assert (created.status_code, replayed.status_code) == (201, 201)
    expected = documented(document, "/v1/pledges", "post", "201")
    replay_only = {"Idempotent-Replayed"}
    named_a_version = {"Migov-Data-Version-Ignored"}
    assert {
        name for name in expected - replay_only - named_a_version if name not in created.headers
    } == set()
    assert {name for name in expected - named_a_version if name not in replayed.headers} == set()
    meta = (await client.get("/v1/meta")).json()
    assert int(created.headers["Migov-Data-Version"]) == meta["dataset_version"]
    # A replay stores nothing; it answers the current version, which holds the first
    # write, so a client reading back with Migov-Min-Version sees its pledge.
    assert int(replayed.headers["Migov-Data-Version"]) == meta["dataset_version"]
    # A write that names a version applies to the current one, and says so.
    pinned = await client.post(
        "/v1/pledges",
        json=pledge_body(external_ref="documented-headers-pinned"),
        headers={**writer.headers, "Migov-Data-Version": "1"},
    )
    assert pinned.status_code == 201, pinned.text
    assert pinned.headers["Migov-Data-Version-Ignored"] == "1"


async def test_reads_take_a_min_version_header_and_refuse_a_malformed_one(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    parameters = app.openapi()["paths"]["/v1/pledges/{pledge_id}"]["get"]["parameters"]
    assert {"name": "Migov-Min-Version", "in": "header"}.items() <= next(
        p for p in parameters if p["name"] == "Migov-Min-Version"
    ).items()
    fine = await client.get("/v1/forums", headers={"Migov-Min-Version": "1"})
    bad = await client.get("/v1/forums", headers={"Migov-Min-Version": "-1"})
    assert fine.status_code == 200
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_parameter"
    assert bad.json()["errors"][0]["field"] == "Migov-Min-Version"
