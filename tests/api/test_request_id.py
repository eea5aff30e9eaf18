"""Request ids on every answer and every log line; the access log's fields; JSON log lines."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.http.requestid import REQUEST_ID_HEADER
from app.telemetry.logs import RequestIdFilter, json_formatter
from tests.factories import make_api_key, pledge_body

GENERATED = re.compile(r"^[0-9a-f]{32}$")
SECRET = "migov_0123abcd_" + "s" * 43


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """migov's log records as the production handler writes them: JSON, with request ids."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("migov")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_each_answer_gets_a_fresh_id_when_the_client_sends_none(
    client: httpx.AsyncClient,
) -> None:
    first = await client.get("/v1/forums")
    second = await client.get("/v1/forums")
    assert GENERATED.match(first.headers[REQUEST_ID_HEADER])
    assert GENERATED.match(second.headers[REQUEST_ID_HEADER])
    assert first.headers[REQUEST_ID_HEADER] != second.headers[REQUEST_ID_HEADER]


@pytest.mark.parametrize(
    "sent", ["abc-123", "0b6f1c1e-5b6c-4f0e-9d57-3a8b1b7c2d10", "trace:1/2+x=y~z", "a" * 128]
)
async def test_a_well_formed_client_id_is_kept(client: httpx.AsyncClient, sent: str) -> None:
    response = await client.get("/healthz", headers={REQUEST_ID_HEADER: sent})
    assert response.headers[REQUEST_ID_HEADER] == sent


@pytest.mark.parametrize("sent", ["", "a" * 129, "two words", 'quote"d', "semi;colon", "é"])
async def test_a_malformed_client_id_is_replaced(client: httpx.AsyncClient, sent: str) -> None:
    response = await client.get(
        "/healthz", headers=[(REQUEST_ID_HEADER.encode(), sent.encode("utf-8"))]
    )
    assert GENERATED.match(response.headers[REQUEST_ID_HEADER])


async def test_refusals_carry_the_id_too(client: httpx.AsyncClient) -> None:
    not_found = await client.get("/v1/nowhere", headers={REQUEST_ID_HEADER: "r-404"})
    assert (not_found.status_code, not_found.headers[REQUEST_ID_HEADER]) == (404, "r-404")
    too_large = await client.post(
        "/v1/pledges", content=b"x" * (2 * 1024 * 1024), headers={REQUEST_ID_HEADER: "r-413"}
    )
    assert (too_large.status_code, too_large.headers[REQUEST_ID_HEADER]) == (413, "r-413")
    etag = (await client.get("/v1/forums")).headers["ETag"]
    cached = await client.get(
        "/v1/forums", headers={"If-None-Match": etag, REQUEST_ID_HEADER: "r-304"}
    )
    assert (cached.status_code, cached.headers[REQUEST_ID_HEADER]) == (304, "r-304")


async def test_the_access_line_names_the_request_and_no_key_that_was_refused(
    client: httpx.AsyncClient, log_lines: io.StringIO
) -> None:
    """A prefix anyone can type is not who sent the request: a refused key is null."""
    response = await client.post(
        "/v1/pledges",
        json={},
        headers={"Authorization": f"Bearer {SECRET}", REQUEST_ID_HEADER: "req-7"},
    )
    assert response.status_code == 401
    (access,) = [r for r in records(log_lines) if r["logger"] == "migov.access"]
    assert access["request_id"] == "req-7"
    assert access["level"] == "INFO"
    assert access["message"] == "POST /v1/pledges 401"
    assert (access["method"], access["path"], access["status"]) == ("POST", "/v1/pledges", 401)
    assert access["api_key"] is None
    assert access["client"] == "127.0.0.1"  # httpx's ASGI transport's own address
    assert isinstance(access["duration_ms"], float)
    assert access["duration_ms"] >= 0
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$", access["time"])
    assert SECRET not in log_lines.getvalue()
    assert "s" * 43 not in log_lines.getvalue()


async def test_the_access_line_names_the_key_that_was_admitted_by_its_prefix(
    client: httpx.AsyncClient, session: AsyncSession, log_lines: io.StringIO
) -> None:
    key = await make_api_key(session, name="logged script")
    response = await client.post("/v1/pledges", json=pledge_body(), headers=key.headers)
    assert response.status_code == 201, response.text
    (access,) = [r for r in records(log_lines) if r["logger"] == "migov.access"]
    assert (access["status"], access["api_key"]) == (201, key.prefix)
    assert key.secret not in log_lines.getvalue()


async def test_an_unhandled_error_is_logged_and_answered_with_its_request_id(
    settings: Settings, log_lines: io.StringIO
) -> None:
    from fastapi import FastAPI

    from app.main import create_app

    app: FastAPI = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("kaput")

    # Starlette re-raises after answering, so the transport must not.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom", headers={REQUEST_ID_HEADER: "req-500"})
    assert response.status_code == 500
    assert response.headers[REQUEST_ID_HEADER] == "req-500"
    assert response.json()["code"] == "internal_error"
    lines = records(log_lines)
    error = next(r for r in lines if r["logger"] == "migov.api")
    assert error["request_id"] == "req-500"
    assert "RuntimeError: kaput" in error["exc_info"]
    access = next(r for r in lines if r["logger"] == "migov.access")
    assert (access["request_id"], access["status"]) == ("req-500", 500)


def test_a_record_outside_any_request_has_a_null_request_id(log_lines: io.StringIO) -> None:
    logging.getLogger("migov.test").warning("outside", extra={"detail": 3})
    (record,) = records(log_lines)
    assert record == {
        "time": record["time"],
        "level": "WARNING",
        "logger": "migov.test",
        "message": "outside",
        "request_id": None,
        "detail": 3,
    }
