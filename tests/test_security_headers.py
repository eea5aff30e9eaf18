"""Security headers on every response, a CSP the HTML pages work under, CORS from settings."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.config import Settings
from tests.conftest import build_app, client_for

REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/v1/forums", {}),
    ("GET", "/v1/forums/NOPE", {}),
    ("DELETE", "/v1/forums", {}),
    ("GET", "/no/such/route", {}),
    ("POST", "/v1/pledges", {"json": {}}),
    ("POST", "/v1/pledges", {"content": b"x" * (2 * 1024 * 1024)}),
    ("POST", "/graphql", {"json": {"query": '{ forum(code: "RCM") { code } }'}}),
    ("GET", "/openapi.json", {}),
    ("GET", "/healthz", {}),
    ("GET", "/docs", {}),
    ("GET", "/redoc", {}),
    ("GET", "/graphql", {"headers": {"Accept": "text/html"}}),
    ("GET", "/", {"headers": {"Accept": "text/html"}}),
    ("GET", "/dashboard", {}),
]


def policy(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize(("method", "path", "options"), REQUESTS)
async def test_every_response_carries_the_security_headers(
    client: httpx.AsyncClient, method: str, path: str, options: dict[str, Any]
) -> None:
    response = await client.request(method, path, **options)
    headers = response.headers
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])  # generated: none was sent
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in headers  # plain http: HSTS means nothing
    csp = policy(headers["content-security-policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    if headers["content-type"].startswith("text/html"):
        assert csp["default-src"] == ["'self'"]
    else:
        assert csp["default-src"] == ["'none'"]


async def test_a_well_formed_request_id_is_echoed_and_a_malformed_one_replaced(
    client: httpx.AsyncClient,
) -> None:
    echoed = await client.get("/v1/forums/NOPE", headers={"X-Request-ID": "trace-42.a"})
    injected = await client.get("/v1/forums", headers={"X-Request-ID": "a b\tc<script>"})
    assert echoed.headers["x-request-id"] == "trace-42.a"
    assert re.fullmatch(r"[0-9a-f]{32}", injected.headers["x-request-id"])


async def test_hsts_is_sent_over_tls(app: Any) -> None:
    async with client_for(app, base_url="https://migov.test") as client:
        response = await client.get("/v1/forums")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def _allowed(source: str, directive: list[str]) -> bool:
    parts = urlsplit(source)
    if not parts.scheme:  # relative: same origin
        return "'self'" in directive
    if parts.scheme == "data":
        return "data:" in directive
    return f"{parts.scheme}://{parts.netloc}" in directive or f"{parts.scheme}:" in directive


@pytest.mark.parametrize("path", ["/", "/docs", "/redoc", "/graphql", "/dashboard"])
async def test_the_html_pages_csp_allows_every_script_and_style_they_load(
    client: httpx.AsyncClient, path: str
) -> None:
    """Every external script and stylesheet of the page, and its inline scripts and
    styles, are allowed by the policy the page is served with; a page that loads
    from a new place fails here before it fails in a browser."""
    response = await client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    csp = policy(response.headers["content-security-policy"])
    page = response.text
    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", page)
    styles = re.findall(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*\bhref=\"([^\"]+)\"", page)
    styles += re.findall(r"<link\b[^>]*\bhref=\"([^\"]+)\"[^>]*\brel=\"stylesheet\"", page)
    assert scripts, "the page loads no script: the parser no longer matches it"
    assert [s for s in scripts if not _allowed(s, csp["script-src"])] == []
    assert [s for s in styles if not _allowed(s, csp["style-src"])] == []
    if re.search(r"<script>", page):
        assert "'unsafe-inline'" in csp["script-src"]
    if re.search(r"<style>", page):
        assert "'unsafe-inline'" in csp["style-src"]
    assert csp["connect-src"] == ["'self'"]  # the pages fetch only this API


async def test_cors_is_off_unless_origins_are_configured(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/forums", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_cors_allows_only_the_configured_origins(settings: Settings, session: Any) -> None:
    configured = settings.model_copy(update={"cors_origins": ["https://dash.example"]})
    async with client_for(build_app(configured, session)) as client:
        allowed = await client.get("/v1/forums", headers={"Origin": "https://dash.example"})
        refused = await client.get("/v1/forums", headers={"Origin": "https://evil.example"})
        preflight = await client.options(
            "/v1/pledges",
            headers={
                "Origin": "https://evil.example",
                "Access-Control-Request-Method": "POST",
            },
        )
    assert allowed.headers["access-control-allow-origin"] == "https://dash.example"
    assert "access-control-allow-origin" not in refused.headers
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
