"""Dependency aliases so handler signatures read like sentences."""

from __future__ import annotations

import collections.abc
import types
import typing
from typing import Annotated, cast

import orjson
from fastapi import Depends, Header, Query, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.adapters_common import (
    MAX_VERSION,
    SettingsDep,
    admit_writer,
    bearer_secret,
    get_session,
)
from app.errors import InvalidInput
from app.models import ApiKey
from app.models.enums import ApiScope
from app.schemas.language import Lang, Language
from app.services import api_keys as api_key_service
from app.services.paging import DEFAULT_LIMIT, MAX_LIMIT


async def get_lang(
    request: Request,
    lang: Annotated[
        Lang | None,
        Query(description="Language of names and descriptions; overrides Accept-Language."),
    ] = None,
) -> Lang:
    """``?lang=`` wins; else the best supported match in Accept-Language; else English.

    The choice is a ``Language``, kept on the request (``request.state.language``) so that
    the answer leaves with ``Content-Language``, saying when English stood in.
    """
    chosen = Language.negotiate(lang, request.headers.get("accept-language", ""))
    request.state.language = chosen
    return cast(Lang, chosen)


_SEQUENCES = (list, tuple, set, frozenset, collections.abc.Sequence, collections.abc.Set)


def takes_many(annotation: object) -> bool:
    """Whether a query parameter of this type takes several values (``?x=1&x=2``)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return takes_many(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(takes_many(arg) for arg in typing.get_args(annotation))
    candidate = origin or annotation
    return (
        isinstance(candidate, type)
        and issubclass(candidate, _SEQUENCES)
        and not issubclass(candidate, (str, bytes))  # text is one value, str enums too
    )


# Routes live as long as the app; keyed by identity because APIRoute is unhashable.
_QUERY_PARAMS: dict[int, tuple[frozenset[str], frozenset[str]]] = {}


def _query_params(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    """(every query parameter of ``route``, the ones that take a single value).

    A filter model read from the query string (``Annotated[EventFilter, Query()]``)
    contributes each of its fields.
    """
    cached = _QUERY_PARAMS.get(id(route))
    if cached is not None:
        return cached
    names: set[str] = set()
    single: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        for param in dependant.query_params:
            annotation = param.field_info.annotation
            fields: list[tuple[str, object]] = [(param.alias, annotation)]
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                fields = [
                    (field.alias or name, field.annotation)
                    for name, field in annotation.model_fields.items()
                ]
            for name, field_annotation in fields:
                names.add(name)
                if not takes_many(field_annotation):
                    single.add(name)
    found = _QUERY_PARAMS[id(route)] = (frozenset(names), frozenset(single))
    return found


async def reject_unknown_query_params(request: Request) -> None:
    """Unknown parameters, and single-valued ones given twice, are a 400 naming them.

    A repeated ``limit`` or ``as_of`` has no right reading: neither the first nor
    the last value is silently kept.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed, single = _query_params(route)
    if request.method not in ("GET", "HEAD"):
        # A write takes a read's ``version`` and says it ignored it (``get_session``).
        allowed = allowed | {"version"}
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise InvalidInput(
            f"Unknown query parameter(s): {', '.join(unknown)}.",
            code="unknown_parameter",
            errors=[
                {"field": name, "detail": "not a parameter of this endpoint"} for name in unknown
            ],
        )
    given = [name for name, _ in request.query_params.multi_items()]
    repeated = sorted({name for name in given if name in single and given.count(name) > 1})
    if repeated:
        raise InvalidInput(
            f"Parameter(s) given more than once but taking one value: {', '.join(repeated)}.",
            code="repeated_parameter",
            errors=[
                {"field": name, "detail": "takes one value; give it once"} for name in repeated
            ],
        )


async def min_version(
    _min_version: Annotated[
        int | None,
        Header(
            alias="Migov-Min-Version",
            ge=0,
            le=2**63 - 1,
            description="The `Migov-Data-Version` a write of yours answered: the read is "
            "served from data at least that new (behind a read replica, from the primary "
            "until the replica has caught up). Without it, a read may lag the last write "
            "by the replica's delay.",
        ),
    ] = None,
) -> None:
    """Declares and checks the header; ``adapters_common.get_session`` routes by it."""


async def data_version(
    _version: Annotated[
        int | None,
        Query(
            alias="version",
            ge=1,
            le=MAX_VERSION,
            description="Read the data as it was at this data version: the same rows, values, "
            "citations and totals the service answered while it was current (every answer "
            'names its version in `Migov-Data-Version`, and its `Link` `rel="cite-as"` is '
            "this request pinned to it). Versions older than the oldest kept, or newer than "
            "the current one, are a 400 `unknown_version` naming both.",
        ),
    ] = None,
    _header: Annotated[
        int | None,
        Header(
            alias="Migov-Data-Version",
            ge=1,
            le=MAX_VERSION,
            description="The same as the `version` parameter; if both are sent they must agree.",
        ),
    ] = None,
) -> None:
    """Declares the parameter and header; ``adapters_common.get_session`` serves by them."""


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
AllRowsParam = Annotated[
    bool,
    Query(
        alias="all",
        description="With `format=csv`: every row of the filtered list in one streamed "
        "answer (from `cursor`, if given), instead of one page. `limit` does not apply and "
        "is refused beside it (400 `invalid_parameter`).",
    ),
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
    return await admit_writer(session, _secret(request), settings, request.state)


async def get_batch_writer_key(
    request: Request, session: SessionDep, settings: SettingsDep, _credentials: BearerDep
) -> ApiKey:
    """``get_writer_key`` for a batch, which takes one write of the quota per pledge.

    The body is already received (FastAPI reads it before the dependencies run), so
    counting its items costs one parse of bytes in memory; a body that is not a
    batch counts as one write and is refused by validation.
    """
    try:
        items = orjson.loads(await request.body()).get("pledges")
    except (orjson.JSONDecodeError, AttributeError):
        items = None
    cost = len(items) if isinstance(items, list) and items else 1
    return await admit_writer(session, _secret(request), settings, request.state, cost=cost)


async def get_admin_key(request: Request, session: SessionDep, _credentials: BearerDep) -> ApiKey:
    """A key holding ``pledges:admin``, for admin reads (never rate limited)."""
    key = await api_key_service.authenticate(
        session, _secret(request), scope=ApiScope.PLEDGES_ADMIN
    )
    request.state.api_key = key.prefix  # for the access log: a key that got in
    return key


WriterKeyDep = Annotated[ApiKey, Depends(get_writer_key)]
BatchWriterKeyDep = Annotated[ApiKey, Depends(get_batch_writer_key)]
AdminKeyDep = Annotated[ApiKey, Depends(get_admin_key)]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        # Documented as the printable ASCII a header carries whole (no edge spaces, which
        # HTTP strips); the service also takes other printable characters.
        json_schema_extra={"pattern": "^[!-~]([ -~]{0,253}[!-~])?$"},
        description="Any unique string (a UUID, or a hash of the request). A retry with the "
        "same key and the same body gets the first answer again, status and body, and "
        "stores nothing twice; the same key with another body is refused (422). Keys "
        "belong to your API key and are remembered for at least 24 hours.",
    ),
]
