"""Prometheus metrics: what is measured, in one place (no web framework here).

The series, all prefixed ``migov_``:

* ``http_requests_total`` and ``http_request_duration_seconds`` (a histogram),
  by ``method``, ``route`` (the route template, e.g. ``/v1/forums/{code}``, so
  ids never become labels; ``<unmatched>`` for paths no route serves) and
  ``status``; recorded by ``app.http.metrics``;
* ``db_pool_checked_out`` and ``db_pool_capacity``: pooled connections in use,
  and the most the pool may open (``db_pool_size`` + ``db_pool_max_overflow``);
* ``cache_lookups_total`` by ``result`` (``hit``, ``miss``, ``joined``): the response cache;
* ``data_version``: the data version the database is at, read at each scrape.

Several worker processes: when ``PROMETHEUS_MULTIPROC_DIR`` names a directory
before this module is first imported (``migov serve --workers N`` sets one up),
prometheus-client keeps each process's values in files there and a scrape of
any worker sums them (gauges: ``livesum``/``max``, per the mode set below).
Without it each process counts alone, which is right for one worker.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

UNMATCHED = "<unmatched>"
# Seconds: from a cached answer (~1 ms) to a slow export.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "migov_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "migov_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
POOL_CHECKED_OUT = Gauge(
    "migov_db_pool_checked_out",
    "Database connections taken from the pool and not yet returned.",
    multiprocess_mode="livesum",
)
POOL_CAPACITY = Gauge(
    "migov_db_pool_capacity",
    "Most connections the pool may open (pool size plus overflow).",
    multiprocess_mode="livesum",
)
CACHE_LOOKUPS = Counter(
    "migov_cache_lookups_total",
    "Response cache lookups, by result (hit; miss: computed; joined: answered by a concurrent "
    "miss of the same answer).",
    ["result"],
)
DATA_VERSION = Gauge(
    "migov_data_version",
    "The data version: bumped by every committed write or dataset load.",
    multiprocess_mode="max",
)


_OUT = "migov_checked_out"


def watch_pool(engine: AsyncEngine, *, capacity: int) -> None:
    """Follow ``engine``'s pool: checkouts and checkins move ``db_pool_checked_out``."""
    POOL_CAPACITY.inc(capacity)

    # Counted per connection record, so each checkout is taken back once: a connection
    # whose request was cancelled (a client gone mid-stream) can come back through a
    # checkin with no checkout seen before it, which drove the gauge below zero.
    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if not record.info.get(_OUT):
            record.info[_OUT] = True
            POOL_CHECKED_OUT.inc()

    @event.listens_for(engine.sync_engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_OUT, False):
            POOL_CHECKED_OUT.dec()

    @event.listens_for(engine.sync_engine, "close")
    def _close(_dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_OUT, False):
            POOL_CHECKED_OUT.dec()


def unwatch_pool(*, capacity: int) -> None:
    """The engine is disposed: its capacity no longer counts."""
    POOL_CAPACITY.dec(capacity)


def exposition(multiproc_dir: str | None) -> tuple[bytes, str]:
    """The text a scrape answers, and its content type."""
    if multiproc_dir:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiproc_dir)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def process_exited(multiproc_dir: str | None) -> None:
    """At shutdown: drop this process's live gauges from the shared directory."""
    if multiproc_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid(), path=multiproc_dir)  # type: ignore[no-untyped-call]
