"""Settings for an app a test serves itself.

Production's own settings (the response cache on, the same limits and pool), except
the waits: the suite runs in parallel on a shared machine, where opening a first
connection has taken longer than production's one-second pool wait (CI on SQLite: a
cached page's first request answered 503 database_busy while it read the data
version). A test about a wait sets that wait itself, as ``tests/test_reliability_timeouts.py``
does. Servers in a process of their own (``tests/live_server.py``, the browser tests'
server) get the same waits, except where a fault test asks for production's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.config import Settings

# Generous enough for a loaded machine, and still a bound: nothing here waits forever.
LOADED_MACHINE_WAITS: dict[str, float] = {
    "db_pool_timeout": 30,
    "db_connect_timeout": 30,
    "db_statement_timeout": 60,
    "db_request_budget": 60,
    "request_timeout": 120,
}


def app_settings(database_url: str, **overrides: Any) -> Settings:
    """``Settings`` for ``database_url`` as production has them, with the waits above;
    ``overrides`` win over both."""
    values: dict[str, Any] = {"database_url": database_url, **LOADED_MACHINE_WAITS}
    values.update(overrides)
    return Settings(_env_file=None, **values)


def environment(settings: Mapping[str, object]) -> dict[str, str]:
    """``settings`` as the environment variables a server process reads them from."""
    return {f"MIGOV_{name.upper()}": str(value) for name, value in settings.items()}
