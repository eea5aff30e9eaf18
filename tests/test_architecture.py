"""Every top-level module and package of ``app`` says which others it may import, and
nothing else: models <- schemas <- services <- dataset | adapters_common <- http <- api |
graphql | web <- main; an entry may name one module of a package (``db.faults``). ``api`` and ``graphql`` never import each other: what both need
lives in ``app.adapters_common``. ``from app import X`` counts as importing ``X``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.config import Settings
from app.main import create_app

APP = Path(__file__).resolve().parents[1] / "app"

# Each unit (a top-level module, or a package as a whole) -> the units it may import.
# ``app`` is the package root (``__version__``).
LEAVES: frozenset[str] = frozenset()
ALLOWED: dict[str, frozenset[str]] = {
    "app": LEAVES,
    "__main__": frozenset({"cli"}),
    # Leaves: they know nothing else of migov.
    "config": LEAVES,
    "errors": LEAVES,
    "models": LEAVES,
    "standards": LEAVES,
    "telemetry": LEAVES,
    # The engine and sessions, with the pool, the fault classes and the migrations: an
    # adapter says what version it needs, as an integer.
    "db": frozenset({"config", "errors", "models"}),
    "schemas": frozenset({"errors", "models", "standards"}),
    # Services speak to the session they are given: the fault classes and the
    # migrations' revision, never the engine.
    "services": frozenset(
        {
            "app",
            "errors",
            "db.autocommit",
            "db.faults",
            "db.migrations",
            "db.reads",
            "models",
            "schemas",
            "standards",
        }
    ),
    # The curated-data pipeline: only the CLI and the tests use it.
    "dataset": frozenset({"errors", "models", "schemas", "services", "standards"}),
    "adapters_common": frozenset({"config", "db", "errors", "http", "models", "services"}),
    # The HTTP layer wraps every adapter, so it imports none of them.
    "http": frozenset(
        {"config", "errors", "db.faults", "db.reads", "schemas", "services", "telemetry"}
    ),
    "api": frozenset(
        {"app", "adapters_common", "db", "errors", "http", "models", "schemas", "services"}
        | {"telemetry"}
    ),
    "graphql": frozenset(
        {"adapters_common", "config", "errors", "db.faults", "models", "schemas", "services"}
    ),
    # The pages: a third adapter over the same services, with no REST or GraphQL internals.
    "web": frozenset({"app", "adapters_common", "errors", "services"}),
    "cli": frozenset(
        {"app", "config", "dataset", "db", "errors", "schemas", "services", "telemetry"}
    ),
    "contracts": frozenset({"config", "graphql", "main"}),
    "main": frozenset(
        {"app", "api", "config", "db", "errors", "graphql", "http", "services", "standards"}
        | {"telemetry", "web"}
    ),
}
# An entry "package.module" allows that one module of a package, not the whole of it.

# Libraries a unit (or one module of it) must not import, beyond the table above.
NO_LIBRARY: dict[str, tuple[str, ...]] = {
    "models": ("fastapi", "strawberry", "starlette"),
    "schemas": ("fastapi", "strawberry", "starlette"),
    "services": ("fastapi", "strawberry", "starlette"),
    "dataset": ("fastapi", "strawberry", "starlette"),
    "errors": ("fastapi", "strawberry", "starlette", "sqlalchemy"),
    "db": ("fastapi", "starlette", "strawberry"),
    "api": ("strawberry",),
    "web": ("strawberry",),
    "adapters_common": ("strawberry",),
    # (No database either: ``models`` is not on its list.)
    "http": ("strawberry",),
    # The response cache and the precondition checks sit at the ASGI level.
    "http/cache": ("fastapi",),
    "http/preconditions": ("fastapi", "starlette"),
    # Reading and checking the curated files needs no database (``migov data validate``).
    "dataset/read": ("sqlalchemy",),
    "dataset/check": ("sqlalchemy",),
    "dataset/checker": ("sqlalchemy",),
    "dataset/time_checks": ("sqlalchemy",),
    "dataset/citations": ("sqlalchemy",),
}
# ... nor these modules of migov, though its unit may import others of their package.
NO_MODULE: dict[str, tuple[str, ...]] = {
    "dataset/read": ("app.db", "app.dataset.load", "app.dataset.sync"),
    "dataset/check": ("app.db", "app.dataset.load", "app.dataset.sync"),
    "dataset/checker": ("app.db", "app.dataset.load", "app.dataset.sync"),
    "dataset/time_checks": ("app.db", "app.dataset.load", "app.dataset.sync"),
    "dataset/citations": ("app.db", "app.dataset.load", "app.dataset.sync"),
}


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth; ``from app import X`` as ``app.X``, and
    ``from app.pkg import mod`` as ``app.pkg.mod`` where ``mod`` is a module of it."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "app":
            names.update(f"app.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            folder = APP.parent.joinpath(*node.module.split("."))
            modules = [a.name for a in node.names if (folder / f"{a.name}.py").exists()]
            names.update(f"{node.module}.{name}" for name in modules)
            if len(modules) < len(node.names):
                names.add(node.module)
    return names


def _unit(path: Path) -> str:
    parts = path.relative_to(APP).parts
    return parts[0] if len(parts) > 1 else ("app" if parts[0] == "__init__.py" else path.stem)


def _units() -> set[str]:
    return {_unit(path) for path in APP.rglob("*.py")}


def _files(package: str) -> list[Path]:
    target = APP / package
    return sorted(target.rglob("*.py")) if target.is_dir() else [APP / f"{package}.py"]


def _imported_unit(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] != "app":
        return None
    if len(parts) == 1 or parts[1] == "__version__":
        return "app"
    return parts[1]


def _matches(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in prefixes)


def test_every_unit_has_a_list() -> None:
    assert _units() == set(ALLOWED)


@pytest.mark.parametrize("unit", sorted(ALLOWED))
def test_a_unit_imports_only_what_its_list_allows(unit: str) -> None:
    paths = [APP / "__init__.py"] if unit == "app" else _files(unit)
    violations = [
        f"{path.relative_to(APP.parent)} imports {name}"
        for path in paths
        for name in _imports(path)
        if (other := _imported_unit(name)) is not None
        and other != unit
        and other not in ALLOWED[unit]
        and ".".join(name.split(".")[1:3]) not in ALLOWED[unit]
    ]
    assert violations == []


@pytest.mark.parametrize("target", sorted(NO_LIBRARY.keys() | NO_MODULE.keys()))
def test_what_a_unit_must_not_import(target: str) -> None:
    banned = NO_LIBRARY.get(target, ()) + NO_MODULE.get(target, ())
    violations = [
        f"{path.relative_to(APP.parent)} imports {name}"
        for path in _files(target)
        for name in _imports(path)
        if _matches(name, banned)
    ]
    assert violations == []


def test_no_module_imports_a_private_module() -> None:
    """``_name`` modules are their package's own business: neither another package of
    migov nor migov itself reaches into a library's."""
    violations = [
        f"{path.relative_to(APP.parent)} imports {name}"
        for path in APP.rglob("*.py")
        for name in _imports(path)
        if any(_private(part) for part in name.split(".")[1:])
        and not (
            name.startswith("app.") and name.rsplit(".", 1)[0] == _module(path).rsplit(".", 1)[0]
        )
    ]
    assert violations == []


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _module(path: Path) -> str:
    return ".".join(("app", *path.relative_to(APP).with_suffix("").parts))


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
        "CacheHeadersMiddleware",
        "ResponseStartMiddleware",
    ]
    source = (APP / "main.py").read_text(encoding="utf-8")
    assert "add_middleware" not in source, "layers are listed in app/http/stack.py only"


def test_the_walk_sees_what_it_checks() -> None:
    assert _files("models"), "the walk found no model modules"
    assert any("sqlalchemy" in _imports(p) for p in _files("services"))
    assert "app.__version__" in _imports(APP / "web" / "pages.py"), "from app import X is counted"
