"""Dependency aliases so handler signatures read like sentences."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.adapters_common import SettingsDep, admit_writer, bearer_secret
from app.db import get_session
from app.errors import InvalidInput
from app.models import ApiKey
from app.models.enums import ApiScope
from app.services import api_keys as api_key_service
from app.services._query import DEFAULT_LIMIT, MAX_LIMIT

Lang = Literal["en", "es"]
SUPPORTED_LANGS: tuple[Lang, ...] = ("en", "es")


def get_lang(
    request: Request,
    lang: Annotated[
        Lang | None,
        Query(description="Language of names and descriptions; overrides Accept-Language."),
    ] = None,
) -> Lang:
    """``?lang=`` wins; else the best supported match in Accept-Language; else English."""
    if lang is not None:
        return lang
    header = request.headers.get("accept-language", "")
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower().split("-")[0]))
    for negative_quality, _, primary in sorted(ranked):
        if negative_quality < 0 and primary in SUPPORTED_LANGS:
            return primary
    return "en"


# Routes live as long as the app; keyed by identity because APIRoute is unhashable.
_ALLOWED: dict[int, frozenset[str]] = {}


def _allowed_query_params(route: APIRoute) -> frozenset[str]:
    cached = _ALLOWED.get(id(route))
    if cached is not None:
        return cached
    names: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        names.update(param.alias for param in dependant.query_params)
        pending.extend(dependant.dependencies)
    allowed = _ALLOWED[id(route)] = frozenset(names)
    return allowed


def reject_unknown_query_params(request: Request) -> None:
    """Unknown query parameters are a 400 naming them, never silently ignored."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _allowed_query_params(route))
    if unknown:
        raise InvalidInput(
            f"Unknown query parameter(s): {', '.join(unknown)}.",
            code="unknown_parameter",
            errors=[
                {"field": name, "detail": "not a parameter of this endpoint"} for name in unknown
            ],
        )


SessionDep = Annotated[AsyncSession, Depends(get_session)]
LangDep = Annotated[Lang, Depends(get_lang)]
LimitParam = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"Page size (default {DEFAULT_LIMIT}, max {MAX_LIMIT})."),
]
CursorParam = Annotated[
    str | None,
    Query(max_length=1000, description="Opaque cursor from the previous page's `next_cursor`."),
]


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key, as `Authorization: Bearer migov_<prefix>_<secret>`. "
    "Writes need `pledges:write`; the audit log needs `pledges:admin`. Reads need none.",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _secret(request: Request) -> str | None:
    # ``bearer`` stays in the signatures below only to document the scheme in OpenAPI;
    # the secret is read the way GraphQL reads it.
    return bearer_secret(request.headers.get("authorization"))


async def get_writer_key(
    request: Request, session: SessionDep, settings: SettingsDep, _credentials: BearerDep
) -> ApiKey:
    """The writing key: authenticated, holding ``pledges:write``, within its rate limit.

    See ``adapters_common.admit_writer``: the handler gets the session in a
    fresh write transaction.
    """
    return await admit_writer(session, _secret(request), settings)


async def get_admin_key(request: Request, session: SessionDep, _credentials: BearerDep) -> ApiKey:
    """A key holding ``pledges:admin``, for admin reads (never rate limited)."""
    return await api_key_service.authenticate(
        session, _secret(request), scope=ApiScope.PLEDGES_ADMIN
    )


WriterKeyDep = Annotated[ApiKey, Depends(get_writer_key)]
AdminKeyDep = Annotated[ApiKey, Depends(get_admin_key)]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string (a UUID, or a hash of the request). A retry with the "
        "same key and the same body gets the first answer again, status and body, and "
        "stores nothing twice; the same key with another body is refused (422). Keys "
        "belong to your API key and are remembered for at least 24 hours.",
    ),
]
