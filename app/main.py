"""Application factory: routers, GraphQL, error handlers, and the engine's lifespan."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Scope

from app import __version__, cache, licence, metrics, web
from app.api import (
    actors,
    audit,
    changes,
    conditional,
    disputes,
    download,
    events,
    forums,
    funding,
    governance,
    guards,
    health,
    index,
    meta,
    money_records,
    openapi,
    participations,
    pledges,
    problem_types,
    problems,
    programmes,
    requestid,
    sources,
)
from app.api import metrics as metrics_api
from app.api.head import HeadAsGetMiddleware
from app.api.language import ContentLanguageMiddleware
from app.api.limits import BodySizeLimitMiddleware
from app.api.ratelimit import RateLimitHeadersMiddleware
from app.config import Settings, get_settings
from app.db import create_engine, create_sessionmaker
from app.errors import Unavailable
from app.graphql.errors import unavailable_response
from app.graphql.schema import build_router

API_DESCRIPTION = """\
Regional migration-governance data: forums (MIRPS and its Support Platform, the
Puebla Process/RCM, SICA, the OAS Committee on Migration Issues, the Global
Compact for Migration and the IMRF, IGC, M5 and more), who takes part in each and
in what role over time, funding shares, events and pledges. Every curated fact
cites its source. Errors are RFC 9457 problem+json.

The data is offered under CC BY 4.0 (credit migov and keep each fact's source);
each source document keeps its own terms, given in `/v1/sources`. The code is MIT.
"""


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
    app = create_app()
    app.state.server_process = True
    return app


def _refusal(scope: Scope, fault: Unavailable) -> ASGIApp:
    """The cache's answer when the database fails it: each adapter's own 503."""
    if scope["path"].startswith("/graphql"):
        return unavailable_response(fault)
    return problems.domain_error_response(Request(scope), fault)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        engines = [engine]
        if settings.database_read_url:
            read_engine = create_engine(settings, settings.database_read_url)
            app.state.read_sessionmaker = create_sessionmaker(read_engine)
            engines.append(read_engine)
        capacity = settings.db_pool_size + settings.db_pool_max_overflow
        if settings.metrics:
            for each in engines:
                metrics.watch_pool(each, capacity=capacity)
        await cache.start_watch(app.state, engine, settings)
        if getattr(app.state, "server_process", False):
            settle_garbage_collector()
        try:
            yield
        finally:
            await cache.stop_watch(app.state)
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
    )
    app.state.settings = settings
    routers = [
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
            governance,
            download,
        )
    ]
    problems.install(app)
    guards.install_start_marker(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=[
                "ETag",
                "Link",
                "Location",
                "Retry-After",
                "Idempotent-Replayed",
                "RateLimit",
                "RateLimit-Policy",
                "X-Request-ID",
                "Migov-Data-Version",
            ],
        )
    conditional.install(app)
    openapi.install(app, routers)
    cache.install(app, settings, refuse=_refusal)
    # Outside the cache, which so keeps plain answers and serves every Accept-Encoding.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(ContentLanguageMiddleware)
    app.add_middleware(HeadAsGetMiddleware)
    # Added last, so it runs first: an oversized body is refused before anything reads it.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    guards.install(app, settings)
    if settings.metrics:
        metrics_api.install(app, routers)
    requestid.install(app)  # outermost: every answer, refusals included, gets an id and a log line
    for router in routers:
        app.include_router(router)
    problems.record_methods(app, routers)
    app.include_router(
        build_router(settings, ide_page=web.graphiql_page()),
        prefix="/graphql",
        include_in_schema=False,
    )
    web.install(app)
    return app
