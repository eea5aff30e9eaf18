"""Application factory: routers, GraphQL, error handlers, and the engine's lifespan."""

from __future__ import annotations

import ctypes
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.types import ASGIApp, Scope

from app import __version__, web
from app.api import (
    actors,
    audit,
    changes,
    cite,
    conditional,
    disputes,
    download,
    events,
    forums,
    funding,
    governance_changes,
    health,
    index,
    meta,
    money_records,
    openapi,
    participant_counts,
    participations,
    pledges,
    programmes,
    sources,
)
from app.api import metrics as metrics_api
from app.config import Settings, get_settings
from app.db import create_engine, create_sessionmaker
from app.db.history import Snapshots
from app.errors import Unavailable
from app.graphql.errors import unavailable_response
from app.graphql.schema import graphql_route
from app.http import problem_types, problems, stack
from app.http.cache import VersionRead, VersionWatch, WrittenRead
from app.services import changes as change_service
from app.standards import licence
from app.telemetry import metrics

API_DESCRIPTION = """\
Regional migration-governance data: forums (MIRPS and its Support Platform, the
Puebla Process/RCM, SICA, the OAS Committee on Migration Issues, the Global
Compact for Migration and the IMRF, IGC, M5 and more), who takes part in each and
in what role over time, funding shares, events and pledges. Every curated fact
cites its source. Errors are RFC 9457 problem+json.

The data is offered under CC BY 4.0 (credit migov and keep each fact's source);
each source document keeps its own terms, given in `/v1/sources`. The code is MIT.
"""


# The REST routers, in the order their routes are matched and documented.
ROUTERS = [
    module.router
    for module in (
        health,
        index,
        forums,
        actors,
        participations,
        funding,
        events,
        pledges,
        sources,
        meta,
        changes,
        audit,
        disputes,
        problem_types,
        programmes,
        money_records,
        governance_changes,
        participant_counts,
        download,
        cite,
    )
]


def settle_garbage_collector() -> None:
    """Once a server process has started, leave what it built out of garbage collection.

    The modules, the schema, the routes and the engine live as long as the process;
    ``gc.freeze()`` moves them out of the collector's generations, so a collection
    walks only what requests made. A/B on one worker (wrk -t2 -c32 -d5s, same run):
    one pledge by id over REST 235-273 -> 305-306 req/s, over GraphQL 150-180 ->
    188-197, a page of 100 pledges 44 -> 54-59. Collecting the young generation less
    often (every 10,000 allocations) added little and kept a forum's thousands of
    participants alive longer: resident memory after the benchmark's W2 rose from
    155 to 216 MB.
    """
    gc.collect()
    gc.freeze()


def create_served_app() -> FastAPI:
    """The app as ``migov serve`` runs it: ``create_app`` in a process of its own, whose
    start-up may tune the whole interpreter (tests build many apps in one process)."""
    map_large_allocations()
    app = create_app()
    app.state.server_process = True
    return app


MMAP_THRESHOLD_BYTES = 128 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def map_large_allocations() -> None:
    """Have glibc serve every allocation of 128 KiB or more from its own mapping, which
    goes back to the system when freed.

    glibc raises that threshold by itself after the first large blocks are freed, and
    from then on serves them from the heap, where they stay: a worker that read 750
    request bodies of 1 MiB (refused by the GraphQL document cap) kept up to 60 MB it no
    longer used. Fixing the threshold keeps the process where it was. A no-op where the
    C library is not glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    except (OSError, AttributeError):
        return


def _refusal(scope: Scope, fault: Unavailable) -> ASGIApp:
    """The cache's answer when the database fails it: each adapter's own 503."""
    if scope["path"].startswith("/graphql"):
        return unavailable_response(fault)
    return problems.domain_error_response(Request(scope), fault)


def _version_read(app: FastAPI, engine: AsyncEngine) -> VersionRead:
    """How the response cache reads the data version: on a connection of its own, or
    as ``app.state.version_read`` says when it was set before start-up (the test
    harness reads it inside each test's transaction, where its requests run)."""
    override: VersionRead | None = getattr(app.state, "version_read", None)
    return override or partial(change_service.committed_version, engine)


def _written_read(app: FastAPI, engine: AsyncEngine) -> WrittenRead:
    """How the response cache learns what writes changed: like ``_version_read``."""
    override: WrittenRead | None = getattr(app.state, "written_read", None)
    return override or partial(change_service.committed_writes, engine)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.reading_sessionmaker = create_sessionmaker(engine, reads_only=True)
        app.state.snapshots = Snapshots(engine, settings)
        engines = [engine]
        if settings.database_read_url:
            read_engine = create_engine(settings, settings.database_read_url)
            app.state.read_sessionmaker = create_sessionmaker(read_engine, reads_only=True)
            engines.append(read_engine)
        capacity = settings.db_pool_size + settings.db_pool_max_overflow
        if settings.metrics:
            for each in engines:
                metrics.watch_pool(each, capacity=capacity)
        if settings.cache:
            app.state.version_watch = VersionWatch(
                _version_read(app, engine),
                timeout=settings.db_pool_timeout,
                written=_written_read(app, engine),
            )
        if getattr(app.state, "server_process", False):
            settle_garbage_collector()
        try:
            yield
        finally:
            watch: VersionWatch | None = getattr(app.state, "version_watch", None)
            if watch is not None:
                await watch.aclose()
            await app.state.snapshots.close()
            for each in engines:
                await each.dispose()
            if settings.metrics:
                metrics.unwatch_pool(capacity=capacity * len(engines))
                metrics.process_exited(settings.prometheus_multiproc_dir)

    app = FastAPI(
        title="migov",
        version=__version__,
        description=API_DESCRIPTION,
        # The data's licence, which is what a client of the API receives; the code is MIT.
        license_info={"name": licence.DATA_LICENCE_NAME, "identifier": licence.DATA_LICENCE_ID},
        lifespan=lifespan,
        debug=settings.debug,
        # /docs and /redoc are served by app.web from local files (FastAPI's load from CDNs).
        docs_url=None,
        redoc_url=None,
        middleware=stack.middleware(
            settings, routers=[metrics_api.router, *ROUTERS, web.router], refuse=_refusal
        ),
    )
    app.state.settings = settings
    problems.install(app)
    conditional.install(app)
    openapi.install(app, ROUTERS)
    # First in the table: the router tries its routes in order, and /graphql would
    # otherwise be tried against every REST route before its own.
    app.router.routes.insert(0, graphql_route(settings, ide_page=web.graphiql_page()))
    if settings.metrics:
        app.include_router(metrics_api.router)
    for router in ROUTERS:
        app.include_router(router)
    problems.record_methods(app, ROUTERS)
    index.record_collections(app, ROUTERS)
    web.install(app)
    return app
