"""Imports point one way: models <- services <- adapters_common <- api | graphql | cli.

``api`` and ``graphql`` never import each other, with no exception for any file: what
both need lives in ``app.adapters_common``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.config import Settings
from app.main import create_app

APP = Path(__file__).resolve().parents[1] / "app"

# package -> prefixes it must not import
FORBIDDEN = {
    "models": ("fastapi", "strawberry", "app.services", "app.api", "app.graphql", "app.schemas"),
    "services": (
        "fastapi",
        "strawberry",
        "starlette",
        "app.adapters_common",
        "app.dataset",
        "app.api",
        "app.graphql",
        "app.cli",
    ),
    "schemas": ("fastapi", "strawberry", "app.services", "app.api", "app.graphql"),
    "api": ("app.graphql", "strawberry", "app.cli"),
    "graphql": ("app.api", "app.cli"),
    "adapters_common": ("app.api", "app.graphql", "app.web", "strawberry", "app.cli"),
    # The pages are a client of the public API like any partner's: no adapter internals.
    "web": ("app.api", "app.graphql", "strawberry", "app.cli"),
    "errors": ("fastapi", "strawberry", "starlette", "sqlalchemy"),
    # The engine and sessions know nothing of HTTP: an adapter says what version it needs.
    "db": ("fastapi", "starlette", "strawberry", "app.api", "app.graphql", "app.http"),
    # The curated-data pipeline: read and check run without a database
    # (``migov data validate``); only the CLI and the tests load.
    "dataset/read": ("sqlalchemy", "app.db", "app.dataset.load", "app.dataset.sync"),
    "dataset/check": ("sqlalchemy", "app.db", "app.dataset.load", "app.dataset.sync"),
    "dataset/time_checks": ("sqlalchemy", "app.db", "app.dataset.load", "app.dataset.sync"),
    "dataset/citations": ("sqlalchemy", "app.db", "app.dataset.load", "app.dataset.sync"),
    # The response cache and the precondition checks sit below both adapters, at the
    # ASGI level.
    "http/cache": ("fastapi", "strawberry", "app.api", "app.graphql", "app.cli", "app.web"),
    "http/preconditions": ("fastapi", "starlette", "strawberry", "app.api", "app.graphql"),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _files(package: str) -> list[Path]:
    target = APP / package
    return sorted(target.rglob("*.py")) if target.is_dir() else [APP / f"{package}.py"]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layering(package: str) -> None:
    violations = [
        f"{path.relative_to(APP.parent)} imports {name}"
        for path in _files(package)
        for name in _imports(path)
        if any(name == f or name.startswith(f"{f}.") for f in FORBIDDEN[package])
    ]
    assert violations == []


def test_the_http_layers_are_one_list_in_one_order() -> None:
    """``app.http.stack`` is the one place that orders the layers; a reorder shows here."""
    settings = Settings(cors_origins=["https://partner.example"], _env_file=None)
    layers = [layer.cls.__name__ for layer in create_app(settings).user_middleware]  # type: ignore[attr-defined]
    assert layers == [
        "RequestIdMiddleware",
        "MetricsMiddleware",
        "SecurityHeadersMiddleware",
        "RequestDeadlineMiddleware",
        "RejectNulMiddleware",
        "BodySizeLimitMiddleware",
        "HeadAsGetMiddleware",
        "CORSMiddleware",
        "RateLimitHeadersMiddleware",
        "GZipMiddleware",
        "ResponseCacheMiddleware",
        "ContentLanguageMiddleware",
        "DataVersionHeaderMiddleware",
        "CacheHeadersMiddleware",
        "ResponseStartMiddleware",
    ]
    source = (APP / "main.py").read_text(encoding="utf-8")
    assert "add_middleware" not in source, "layers are listed in app/http/stack.py only"


def test_every_package_is_checked() -> None:
    assert _files("models"), "the walk found no model modules"
    assert any("sqlalchemy" in _imports(p) for p in _files("services"))
