"""Conditional GETs: ETag / If-None-Match, Last-Modified / If-Modified-Since, caching.

The validator is the data version (``services.changes``), which every committed
write bumps, combined with everything that shapes the representation (path,
query, Accept, Accept-Language). A revalidation therefore costs one primary-key
read and never runs the query behind the resource. The headers are attached to
every successful GET by ``CacheHeadersMiddleware``.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import format_datetime

from fastapi import FastAPI, Request
from fastapi.responses import Response

from app.adapters_common import cite_as
from app.api.deps import SessionDep
from app.http.preconditions import data_etag, not_modified
from app.services import changes as change_service

CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
# One pledge's representation is revalidated every time: its ETag is what an
# update must send in If-Match, so a cached copy must never hand out a stale one.
ITEM_CACHE_CONTROL = "no-cache"
VARY = "Accept, Accept-Language"


class NotModified(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("not modified")
        self.headers = headers


def _etag(version: int, request: Request) -> str:
    identity = "\n".join(
        [
            request.url.path,
            "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items())),
            request.headers.get("accept", ""),
            request.headers.get("accept-language", ""),
        ]
    )
    return data_etag(version, identity)


def pledge_etag(pledge_id: int, version: int) -> str:
    """A pledge's ETag: its id and version, so it changes exactly when the pledge does."""
    return f'"p{pledge_id}-v{version}"'


_PLEDGE_ETAG = re.compile(r'^"p(?P<id>[0-9]+)-v(?P<version>[0-9]+)"$')


def version_from_if_match(header: str | None, pledge_id: int) -> int | None:
    """The pledge version an If-Match names.

    None when there is no usable precondition (absent, or ``*``, which would
    match any version and so protect nothing): the update answers 428. ``0``
    when it names no version of this pledge (a weak or foreign ETag): no stored
    version is 0, so the update answers 412.
    """
    if header is None or header.strip() in ("", "*"):
        return None
    for candidate in header.split(","):
        match = _PLEDGE_ETAG.match(candidate.strip())
        if match is not None and int(match["id"]) == pledge_id:
            return int(match["version"])
    return 0


def item_headers(etag: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": ITEM_CACHE_CONTROL, "Vary": VARY}


def version_headers(request: Request, version: int) -> dict[str, str]:
    """What every read names (issue-free citing): the data version it shows, and the
    same request pinned to that version as ``rel="cite-as"`` (RFC 8574), a reference
    relative to the request's own URL."""
    link = cite_as(request.url.path, request.query_params.multi_items(), version)
    return {"Migov-Data-Version": str(version), "Link": f'<{link}>; rel="cite-as"'}


async def conditional_get(request: Request, session: SessionDep) -> None:
    """Dependency for read endpoints: answers 304 early, or records the cache headers."""
    if request.method not in ("GET", "HEAD"):
        return
    # The response cache (app.http.cache) has already learnt the version: no second read.
    known = getattr(request.state, "data_version", None)
    version = known if known is not None else await change_service.current_version(session)
    etag = _etag(version.version, request)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(version.changed_at.astimezone(dt.UTC), usegmt=True),
        "Cache-Control": CACHE_CONTROL,
        "Vary": VARY,
        **version_headers(request, version.version),
    }
    request.state.cache_headers = headers
    if not_modified(
        if_none_match=request.headers.get("if-none-match"),
        if_modified_since=request.headers.get("if-modified-since"),
        etag=etag,
        last_modified=version.changed_at,
    ):
        raise NotModified(headers)


async def _not_modified(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotModified)
    return Response(status_code=304, headers=exc.headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(NotModified, _not_modified)
