"""Settings: the only module that reads the environment.

Every setting is ``MIGOV_<NAME>``; ``.env`` is read when present and
``.env.example`` documents each one.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The repository's root (app/ sits in it); the default folder of source texts is beside it.
REPO_ROOT = Path(__file__).resolve().parents[1]


def _main_checkout(root: Path) -> Path:
    """The repository's main checkout: ``root`` itself, or, for a linked git worktree
    (whose ``.git`` is a file naming its git dir), the checkout that owns it, so that
    ``../shared/seeds`` means the same folder from every worktree."""
    marker = root / ".git"
    if not marker.is_file():
        return root
    text = marker.read_text(encoding="utf-8").strip()
    if not text.startswith("gitdir:"):
        return root
    git_dir = (root / text.removeprefix("gitdir:").strip()).resolve()
    # <main>/.git/worktrees/<name>: the main checkout is the parent of that .git.
    if git_dir.parent.name == "worktrees" and git_dir.parent.parent.name == ".git":
        return git_dir.parent.parent.parent
    return root


def _origin_checkout(checkout: Path) -> Path | None:
    """The local checkout ``checkout`` was cloned from (its ``origin`` remote, when that
    is a folder on this machine), else None."""
    config = checkout / ".git" / "config"
    if not config.is_file():
        return None
    section = ""
    for line in config.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text.startswith("["):
            section = text
        elif section == '[remote "origin"]' and text.replace(" ", "").startswith("url="):
            url = text.split("=", 1)[1].strip().removeprefix("file://")
            origin = (checkout / url).resolve() if url and "://" not in url else None
            return origin if origin is not None and origin.is_dir() else None
    return None


def default_source_texts(root: Path) -> Path:
    """``../shared/seeds`` beside the main checkout of ``root``; for a clone of a checkout
    on this machine that has none beside it, the folder beside the checkout it was
    cloned from, so that a fresh clone checks the same texts as its origin."""
    beside = _main_checkout(root).parent / "shared" / "seeds"
    origin = _origin_checkout(_main_checkout(root))
    if not beside.is_dir() and origin is not None:
        cloned_from = _main_checkout(origin).parent / "shared" / "seeds"
        if cloned_from.is_dir():
            return cloned_from
    return beside


LogLevel = Literal["debug", "info", "warning", "error", "critical"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MIGOV_",
        # The repository's .env, then the working directory's (which wins): the same
        # settings from any directory.
        env_file=(REPO_ROOT / ".env", ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/migov.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://... "
        "A relative SQLite path is read from the repository's root, not the working "
        "directory, so the CLI and the server find the same database from anywhere.",
    )
    database_read_url: str | None = Field(
        default=None,
        description="A streaming replica of database_url for reads (GET/HEAD); requests that "
        "must see a newer data version than the replica has go to the primary "
        "(docs/deploying.md). Unset: everything uses database_url.",
    )
    host: str = Field(
        default="127.0.0.1",
        description="Where `migov serve` and `make run` listen (the Docker image sets 0.0.0.0).",
    )
    port: int = Field(default=8000, ge=1, le=65535, description="The port `migov serve` uses.")
    log_level: LogLevel = Field(
        default="info", description="`debug`, `info`, `warning`, `error` or `critical`."
    )
    log_format: Literal["json", "text", "auto"] = Field(
        default="auto",
        description="`json`: one JSON object per log line (request id, method, path, status, "
        "duration, API key prefix); `text` for reading in a terminal; `auto`: `text` when "
        "the logs go to a terminal, `json` otherwise (a file, a pipe, a collector).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed by CORS; empty disables CORS. JSON list or comma-separated.",
    )
    db_pool_size: int = Field(
        default=10,
        ge=1,
        description="Connections each worker keeps open, per database (primary, and replica "
        "when set).",
    )
    db_echo: bool = Field(default=False, description="Log every SQL statement.")
    debug: bool = Field(
        default=False,
        description="FastAPI debug pages and unmasked GraphQL errors. Never in production.",
    )
    graphql_ide: bool = Field(default=True, description="Serve GraphiQL at /graphql.")
    graphql_introspection: bool = Field(
        default=True, description="Answer schema introspection queries at /graphql."
    )
    graphql_max_depth: int = Field(
        default=10, ge=1, description="Deepest nesting of selections a GraphQL query may have."
    )
    graphql_max_aliases: int = Field(
        default=30, ge=0, description="Most field aliases one GraphQL document may use."
    )
    graphql_max_tokens: int = Field(
        default=2000, ge=1, description="Most lexical tokens one GraphQL document may have."
    )
    graphql_max_document_length: int = Field(
        default=32 * 1024,
        ge=256,
        description="Longest GraphQL document (characters, comments and strings included) "
        "parsed; a longer one is refused before parsing (document_too_long).",
    )
    graphql_document_cache_mb: int = Field(
        default=8,
        ge=1,
        description="Memory each worker may give to parsed and validated GraphQL documents "
        "(estimated from their tokens).",
    )
    graphql_max_cost: int = Field(
        default=250_000,
        ge=1,
        description="Largest estimated cost (objects a query may resolve) run before refusing it.",
    )
    graphql_list_estimate: int = Field(
        default=10,
        ge=1,
        description="Items the cost estimate assumes for a nested list without a `first` argument.",
    )
    rate_limit_per_minute: int = Field(
        default=3000,
        ge=0,
        description="Writes one API key may make per minute (each pledge of a batch counts), "
        "a token bucket kept in the database so every worker shares it; 0 switches write "
        "limits off.",
    )
    client_rate_limit_per_minute: int = Field(
        default=1200,
        ge=0,
        description="Requests one client may make per minute (by API key when a valid one is "
        "sent, else by address), a token bucket in each worker's memory; 0 switches it off. "
        "With several workers or hosts, a client may get that many per worker: a shared "
        "limit belongs at the proxy (docs/reliability.md).",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body accepted; larger ones get 413.",
    )
    max_header_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request head (request line and headers) `migov serve` reads; "
        "past it the server answers 431 and closes the connection (app.http.server).",
    )

    # Reliability: timeouts, back-pressure and durability (docs/reliability.md).
    db_statement_timeout: float = Field(
        default=5.0,
        ge=0,
        description="Seconds a database statement may run before the server cancels it "
        "(503 database_timeout); on SQLite, how long a writer waits for the write lock "
        "(503 database_busy). 0 switches it off.",
    )
    db_request_budget: float = Field(
        default=4.0,
        ge=0,
        description="Seconds of database time (statements run, summed) one request may "
        "spend, below request_timeout; past it the request starts no more statements and "
        "answers 503 database_budget_spent. 0 switches it off.",
    )
    db_pool_timeout: float = Field(
        default=1.0,
        gt=0,
        description="Seconds a request waits for a free pooled connection before 503 database_busy.",
    )
    db_pool_max_overflow: int = Field(
        default=5, ge=0, description="Connections opened beyond db_pool_size under bursts."
    )
    db_connect_timeout: float = Field(
        default=2.0, gt=0, description="Seconds to open a database connection before giving up."
    )
    stream_send_timeout: float = Field(
        default=15.0,
        ge=0,
        description="Seconds a streamed answer (all=true CSV, a dataset file) waits for the "
        "client to take its next chunk before the stream is cut. 0 switches it off.",
    )
    max_streams: int = Field(
        default=4,
        ge=1,
        description="Streamed answers one worker sends at once (always fewer than "
        "db_pool_size); one more is refused 503 too_many_streams.",
    )
    request_timeout: float = Field(
        default=10.0,
        ge=0,
        description="Seconds a request may take before its response starts; past it the "
        "request is cancelled and answers 503 request_timeout. 0 switches it off.",
    )
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="SQLite's synchronous pragma in WAL mode: FULL makes every acknowledged "
        "commit survive a power cut; NORMAL only a crash of the process.",
    )

    # Response cache (app.http.cache): complete answers keyed by the data version.
    cache: bool = Field(
        default=True,
        description="Cache complete answers by data version. Each cacheable request reads the "
        "data version (one primary-key read, shared by concurrent requests), so no process "
        "serves an answer older than a committed write; when the database fails that read, "
        "the request is answered 503 at once. A new version evicts only the answers that "
        "read what its writes changed (read from the change log); a curated load empties it.",
    )
    cache_max_mb: int = Field(
        default=32, ge=1, description="Memory each worker process may give to cached answers."
    )
    history_snapshots: int = Field(
        default=8,
        ge=1,
        le=1000,
        description="How many past data versions are kept ready to read (`version=N`): each is a "
        "copy of that version's rows (a schema on PostgreSQL, a file beside the database on "
        "SQLite), built on the first read that names it. Beyond this many, the least recently "
        "built are dropped and built again when asked for.",
    )

    source_texts: str = Field(
        default=str(default_source_texts(REPO_ROOT)),
        description="Folder holding the plain text of each cited document (a source's `text` "
        "file). `migov data validate` recomputes every citation's passage digest against it and "
        "says plainly when it is absent and the check was skipped. Default: ../shared/seeds "
        "beside the repository (its main checkout, from a git worktree), or beside the local "
        "checkout a clone was made from when the clone has none beside it.",
        # The resolved default is an absolute path that differs per checkout; the generated
        # documents show it as written, so they read the same on every machine.
        json_schema_extra={"documented_default": "../shared/seeds"},
    )

    data_dir: str = Field(
        default=str(REPO_ROOT / "data"),
        description="The curated data's folder. The front door and /v1/meta read the day the "
        "curated data last changed from its `dataset.yaml` (`updated`), so point it at the "
        "files `migov data load` loaded. A relative path is read from the repository's root.",
        json_schema_extra={"documented_default": "data"},
    )

    public_url: str | None = Field(
        default=None,
        description="The address partners reach this service at, e.g. https://migov.example.org "
        "(with a path prefix if it is served under one): the links a citation gives "
        "(/v1/cite) start with it. Unset: each request's own scheme and host, as the server "
        "sees them (behind a proxy, see FORWARDED_ALLOW_IPS in docs/deploying.md).",
    )

    export_dir: str = Field(
        default="var/exports",
        description="Where /v1/download keeps the dataset files it builds, one pair per data "
        "version (migov-<version>.zip and .sqlite). Any file may be deleted at will: it is "
        "built again, the same bytes, when next asked for. Processes (and hosts) may share "
        "it or keep their own. A relative path is read from the repository's root.",
    )
    export_keep_mb: int = Field(
        default=512,
        ge=0,
        description="How much of export_dir the dataset files may fill, in MiB. Past it, "
        "each build deletes the files least recently sent until the rest fit, except the "
        "newest version's and any sent in the last minute; a deleted file is built again, "
        "byte for byte the same, when next asked for. 0 keeps only those.",
    )

    # Operations (docs/deploying.md).
    metrics: bool = Field(
        default=True,
        description="Serve Prometheus metrics at /metrics (request counts and latencies by "
        "route and status, pool use, cache hits, data version). Keep /metrics off the public "
        "internet at the proxy.",
    )
    prometheus_multiproc_dir: str | None = Field(
        default=None,
        validation_alias="PROMETHEUS_MULTIPROC_DIR",
        description="PROMETHEUS_MULTIPROC_DIR (no MIGOV_ prefix: prometheus-client reads it "
        "too): a directory where each worker process keeps its metrics, so a scrape sees them "
        "all. `migov serve --workers N` sets one up when N > 1.",
    )

    @field_validator("database_url", "database_read_url")
    @classmethod
    def _sqlite_from_the_repository(cls, value: str | None) -> str | None:
        """A relative SQLite path, read from the repository's root (``./var/migov.db``)."""
        if value is None:
            return None
        scheme, separator, path = value.partition(":///")
        if not separator or not scheme.startswith("sqlite") or not path:
            return value
        if path.startswith((":memory:", "file:")) or Path(path).is_absolute():
            return value
        return f"{scheme}:///{(REPO_ROOT / path).resolve()}"

    @field_validator("public_url")
    @classmethod
    def _absolute_public_url(cls, value: str | None) -> str | None:
        """An http(s) address, kept without its trailing slash; empty means unset."""
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("public_url must be an absolute http(s) URL")
        return value

    @field_validator("export_dir", "data_dir")
    @classmethod
    def _exports_in_the_repository(cls, value: str) -> str:
        return value if Path(value).is_absolute() else str((REPO_ROOT / value).resolve())

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
