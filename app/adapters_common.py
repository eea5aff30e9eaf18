"""What both adapters (REST in ``app.api``, GraphQL in ``app.graphql``) need, written once.

``api`` and ``graphql`` never import each other; each builds on this module:

* ``SettingsDep``: the settings ``create_app`` received, read from ``app.state``
  (never from the environment at request time).
* ``bearer_secret``: the secret of ``Authorization: Bearer <secret>``. No header
  gives None (``api_key_missing``); a header that is not a Bearer credential
  (Basic, or a secret sent bare) is ``NOT_BEARER``, which the service calls
  invalid, not missing: a secret counts only as a Bearer credential.
* ``get_session``: the request's session (``app.db.request_session``): a GET or
  HEAD may read from the replica, unless it must see a data version the replica
  may not have yet (``required_version``).
* ``admit_writer``: the one admission step for a write. ``api_keys.admit_write``
  (authenticated, ``pledges:write``, within the rate limit) is committed before the
  write begins, so a refused write still counts and the counter row is not locked
  while the write runs: on PostgreSQL its statements run in autocommit, each atomic
  alone (``db.begin_admission``), on SQLite in a short transaction of their own. The
  session is then left in a fresh write transaction for the caller. The key's rate
  budget is noted on the request's state (``rate_budget``) for the ``RateLimit``
  headers (``app.http.body_size``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import State
from starlette.requests import HTTPConnection

from app.config import Settings
from app.db import DB_BUDGET, begin_admission, begin_write, create_sessionmaker, request_session
from app.db.history import VersionNotReadable
from app.errors import InvalidInput
from app.http.preconditions import data_versions_named
from app.models import ApiKey, DataVersion
from app.services import api_keys as api_key_service
from app.services.changes import CURRENT_VERSION, Version

# Re-exported: the adapters pin their answers as the citations of services.cite do.
from app.services.cite import VERSION_PARAMETER as VERSION_PARAMETER
from app.services.cite import cite_as as cite_as


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


# What a header that is not a Bearer credential stands for: it is never a secret, so a
# key sent bare (``Authorization: migov_...``) or as Basic is invalid, not accepted.
NOT_BEARER = "not-a-bearer-credential"


def bearer_secret(authorization: str | None) -> str | None:
    """The secret of an ``Authorization`` header value (see the module docstring)."""
    if not authorization:
        return None
    scheme, credentials = get_authorization_scheme_param(authorization)
    if scheme.lower() == "bearer" and credentials:
        return credentials
    return NOT_BEARER


async def admit_writer(
    session: AsyncSession,
    secret: str | None,
    settings: Settings,
    state: State | None = None,
    *,
    cost: int = 1,
) -> ApiKey:
    """The writing key, admitted; ``session`` left in a fresh write transaction.

    A transaction already open holds only reads (reads never commit), so it is
    rolled back: the admission, then ``begin_write``, must open their own. ``cost`` is
    how many writes the request makes (a batch: its pledges). The key's rate budget
    goes on ``state.rate_budget`` when a request state is given.
    """
    if session.in_transaction():
        await session.rollback()
    await begin_admission(session)
    admission = await api_key_service.admit_write(
        session, secret, limit=settings.rate_limit_per_minute, cost=cost
    )
    await session.commit()
    await begin_write(session)
    if state is not None:
        state.rate_budget = admission.budget
        state.api_key = admission.key.prefix  # for the access log: a key that got in
    return admission.key


READS = frozenset({"GET", "HEAD"})
MIN_VERSION_HEADER = "migov-min-version"


def required_version(connection: HTTPConnection) -> int | None:
    """The newest data version this request must see, if it names one: by
    ``Migov-Min-Version`` (the ``Migov-Data-Version`` a write answered), by an
    ``If-None-Match`` ETag, or the version the response cache has told the request it
    will be labelled with."""
    wanted: list[int] = []
    header = connection.headers.get(MIN_VERSION_HEADER, "").strip()
    if header.isdigit():
        wanted.append(int(header))
    wanted += data_versions_named(connection.headers.get("if-none-match", ""))
    known = connection.scope.get("state", {}).get("data_version")
    if known is not None:
        wanted.append(int(known.version))
    return max(wanted) if wanted else None


VERSION_HEADER = "migov-data-version"
MAX_VERSION = 2**63 - 1
# A GraphQL document that may write: the cache's test (``app.http.cache.MUTATION``).
_MUTATION = re.compile(rb"\b(mutation|subscription)\b")


def requested_version(connection: HTTPConnection) -> int | None:
    """The data version a request asks to read (``?version=N`` or ``Migov-Data-Version:
    N``), or None. A malformed value, or the two naming different versions, is a 400."""
    named: dict[str, int] = {}
    for where, value in (
        (VERSION_PARAMETER, connection.query_params.get(VERSION_PARAMETER)),
        ("Migov-Data-Version", connection.headers.get(VERSION_HEADER)),
    ):
        if value is None:
            continue
        text = value.strip()
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_VERSION:
            raise InvalidInput(
                f"{where} must be a data version: a whole number from 1 "
                "(Migov-Data-Version on any answer names one).",
                code="invalid_version",
                field=where,
            )
        named[where] = int(text)
    if len(set(named.values())) > 1:
        raise InvalidInput(
            "version and Migov-Data-Version name different versions; send one.",
            code="invalid_version",
            field=VERSION_PARAMETER,
        )
    return next(iter(named.values()), None)


async def reads_only(connection: HTTPConnection) -> bool:
    """Whether the request only reads: a GET or HEAD, or a GraphQL document with no
    mutation (its body is read once and kept by the request for GraphQL)."""
    if connection.scope.get("method") in READS:
        return True
    if connection.url.path.rstrip("/") != "/graphql" or not isinstance(connection, Request):
        return False
    return _MUTATION.search(await connection.body()) is None


async def get_session(connection: HTTPConnection) -> AsyncIterator[AsyncSession]:
    """One session per request (module docstring). A read that names a data version is
    served from that version (``history_session``); a write that names one applies to
    the current version, and its answer says the version was ignored."""
    read = connection.scope.get("method") in READS
    pinned = requested_version(connection)
    if pinned is not None:
        if await reads_only(connection):
            async with history_session(connection, pinned) as session:
                yield session
            return
        connection.scope.setdefault("state", {})["version_ignored"] = pinned
    # Where sessions come from, when the app was given a source before start-up (the test
    # harness serves every request inside the test's transaction).
    source: Callable[[], AbstractAsyncContextManager[AsyncSession]] | None = getattr(
        connection.app.state, "session_source", None
    )
    if source is not None:
        DB_BUDGET.set(None)  # the harness's transaction: no budget of an earlier request
    opened = (
        source()
        if source is not None
        else request_session(
            connection.app.state,
            read=read,
            writes=not (read or await reads_only(connection)),
            needs=required_version(connection),
        )
    )
    async with opened as session:
        yield session


# ``get_session`` as a context manager, for a caller that opens and closes the session
# itself rather than through FastAPI's dependencies (a dashboard page, GraphQL).
session_of = asynccontextmanager(get_session)


@asynccontextmanager
async def snapshot_session(state: State, version: int) -> AsyncIterator[AsyncSession]:
    """A read-only session over the snapshot of data version ``version``, which must
    exist (``history_session`` checks); built first if this process has none."""
    try:
        engine = await state.snapshots.engine_for(version)
    except VersionNotReadable as error:
        raise InvalidInput(
            f"Data version {version} is not committed yet.", code="unknown_version"
        ) from error
    async with request_session(
        state, read=True, sessionmaker=create_sessionmaker(engine)
    ) as session:
        yield session


@asynccontextmanager
async def history_session(connection: HTTPConnection, version: int) -> AsyncIterator[AsyncSession]:
    """A read-only session over data version ``version`` (``app.db.history``), which
    must be between the oldest readable version and the current one (else a 400 naming
    both). The request's state notes the version, for its headers (``conditional_get``)."""
    state = connection.app.state
    async with state.sessionmaker() as probe:
        current = (await probe.execute(select(DataVersion.version, DataVersion.history_from))).one()
    oldest = max(int(current.history_from), 1)
    if not oldest <= version <= int(current.version):
        raise InvalidInput(
            f"Data version {version} cannot be read: the versions kept are {oldest} to "
            f"{int(current.version)} (the current one).",
            code="unknown_version",
            field=VERSION_PARAMETER,
        )
    async with snapshot_session(state, version) as session:
        found = (await session.execute(CURRENT_VERSION)).one()
        connection.scope.setdefault("state", {})["data_version"] = Version(
            version=int(found.version), changed_at=found.changed_at
        )
        connection.scope["state"]["pinned_version"] = version
        yield session


# A successful write names the data version it committed (its replay, the current one):
# a client sends it back as ``Migov-Min-Version`` to read its write from a replica.
DATA_VERSION_HEADER = "Migov-Data-Version"


def data_version_headers(version: int | None) -> dict[str, str]:
    """``Migov-Data-Version`` for a write's answer; none when the write changed nothing."""
    return {} if version is None else {DATA_VERSION_HEADER: str(version)}
