"""The HTTP layer around every adapter, as one list: outermost first.

A request passes the layers top to bottom and its answer comes back bottom to top.
The order is the design; ``tests/test_architecture.py`` pins it, so a reorder is a
visible, reviewed change. Why each sits where it does:

1. ``RequestIdMiddleware``: every answer, refusals by the layers below included,
   carries an id and leaves one access-log line.
2. ``MetricsMiddleware`` (with ``MIGOV_METRICS``): times everything below it.
3. ``SecurityHeadersMiddleware``: headers every answer needs, refusals included.
4. ``RequestDeadlineMiddleware``: cancels a request whose answer has not started in
   time (``ResponseStartMiddleware``, at the bottom, notes the start).
5. ``RejectNulMiddleware`` and 6. ``BodySizeLimitMiddleware``: refuse malformed or
   oversized requests before anything reads them.
7. ``HeadAsGetMiddleware``: a HEAD is served as the GET it mirrors, body dropped, so
   every layer below sees only GETs.
8. ``CORSMiddleware`` (with ``MIGOV_CORS_ORIGINS``): per-origin headers, outside the
   cache, so a cached answer gets them as a fresh one does.
9. ``RateLimitHeadersMiddleware``: per-client write budgets, outside the cache.
10. ``GZipMiddleware``: compresses on the way out, so the cache below keeps plain
    bodies and serves every ``Accept-Encoding`` from one entry.
11. ``ResponseCacheMiddleware`` (with ``MIGOV_CACHE``): everything below shapes the
    bytes of an answer, so everything below is stored and replayed with it.
12. ``ContentLanguageMiddleware``: ``Content-Language`` and ``Language-Fallback``.
13. ``CacheHeadersMiddleware``: ETag, Last-Modified, Cache-Control, Vary on GETs.
14. ``ResponseStartMiddleware``: tells the deadline the app has begun its answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fastapi import APIRouter
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

from app.config import Settings
from app.http.body_size import BodySizeLimitMiddleware
from app.http.cache import Refusal, ResponseCacheMiddleware
from app.http.cache_headers import CacheHeadersMiddleware
from app.http.guards import (
    RejectNulMiddleware,
    RequestDeadlineMiddleware,
    ResponseStartMiddleware,
    SecurityHeadersMiddleware,
)
from app.http.head import HeadAsGetMiddleware
from app.http.language import ContentLanguageMiddleware
from app.http.metrics import MetricsMiddleware, Templates
from app.http.ratelimit import RateLimitHeadersMiddleware
from app.http.requestid import RequestIdMiddleware
from app.http.routes import rest_routes

CORS_METHODS = ["GET", "POST", "PATCH", "OPTIONS"]
CORS_EXPOSED_HEADERS = [
    "ETag",
    "Link",
    "Location",
    "Retry-After",
    "Idempotent-Replayed",
    "RateLimit",
    "RateLimit-Policy",
    "X-Request-ID",
    "Migov-Data-Version",
    "Migov-Data-Version-Ignored",
    "Content-Language",
    "Language-Fallback",
]


def route_templates(routers: Sequence[APIRouter]) -> Templates:
    """Each route's path pattern and template (converters left out: ``{pledge_id}``, not
    ``{pledge_id:int}``), GraphQL's and the static files': metrics label every answer
    with the template it matches, whether given before routing (a cache hit, a refusal)
    or by a route mounted under a prefix (the static files)."""
    templates: Templates = [(route.path_regex, route.path_format) for route in rest_routes(routers)]
    templates.append((re.compile("^/graphql/?$"), "/graphql"))
    templates.append((re.compile("^/static/"), "/static/{path}"))
    return templates


def middleware(
    settings: Settings, *, routers: Sequence[APIRouter], refuse: Refusal
) -> list[Middleware]:
    """The layers, outermost first (module docstring)."""
    optional_metrics = (
        [Middleware(MetricsMiddleware, templates=route_templates(routers))]
        if settings.metrics
        else []
    )
    optional_cors = (
        [
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=CORS_METHODS,
                allow_headers=["*"],
                expose_headers=CORS_EXPOSED_HEADERS,
            )
        ]
        if settings.cors_origins
        else []
    )
    optional_cache = (
        [
            Middleware(
                ResponseCacheMiddleware,
                max_bytes=settings.cache_max_mb * 1024 * 1024,
                refuse=refuse,
            )
        ]
        if settings.cache
        else []
    )
    return [
        Middleware(RequestIdMiddleware),
        *optional_metrics,
        Middleware(SecurityHeadersMiddleware),
        Middleware(RequestDeadlineMiddleware, seconds=settings.request_timeout),
        Middleware(RejectNulMiddleware),
        Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
        Middleware(HeadAsGetMiddleware),
        *optional_cors,
        Middleware(RateLimitHeadersMiddleware),
        Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6),
        *optional_cache,
        Middleware(ContentLanguageMiddleware),
        Middleware(CacheHeadersMiddleware),
        Middleware(ResponseStartMiddleware),
    ]
