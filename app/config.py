"""Settings: the only module that reads the environment.

Every setting is ``MIGOV_<NAME>``; ``.env`` is read when present and
``.env.example`` documents each one.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LogLevel = Literal["debug", "info", "warning", "error", "critical"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MIGOV_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/migov.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: LogLevel = "info"
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="`json`: one JSON object per log line (request id, method, path, status, "
        "duration, API key prefix); `text` for reading in a terminal.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed by CORS; empty disables CORS. JSON list or comma-separated.",
    )
    db_pool_size: int = Field(default=10, ge=1)
    db_echo: bool = False
    debug: bool = False
    graphql_ide: bool = Field(default=True, description="Serve GraphiQL at /graphql.")
    graphql_introspection: bool = Field(
        default=True, description="Answer schema introspection queries at /graphql."
    )
    graphql_max_depth: int = Field(
        default=12, ge=1, description="Deepest nesting of selections a GraphQL query may have."
    )
    graphql_max_aliases: int = Field(
        default=30, ge=0, description="Most field aliases one GraphQL document may use."
    )
    graphql_max_tokens: int = Field(
        default=5000, ge=1, description="Most lexical tokens one GraphQL document may have."
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
        default=600,
        ge=0,
        description="Write requests one API key may make per minute, counted in the database "
        "so every worker shares the limit; 0 switches limits off. Reads are never limited.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body accepted; larger ones get 413.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
