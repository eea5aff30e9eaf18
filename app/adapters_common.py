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
  (authenticated, ``pledges:write``, within the rate limit) commits in a short
  transaction of its own, so a refused write still counts and the counter row is
  not locked while the write runs; the session is then left in a fresh write
  transaction for the caller. The key's rate budget is noted on the request's
  state (``rate_budget``) for the ``RateLimit`` headers (``app.http.body_size``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import State
from starlette.requests import HTTPConnection

from app.config import Settings
from app.db import begin_write, request_session
from app.http.preconditions import data_versions_named
from app.models import ApiKey
from app.services import api_keys as api_key_service


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
    rolled back: ``begin_write`` must open the transaction it writes in. ``cost`` is
    how many writes the request makes (a batch: its pledges). The key's rate budget
    goes on ``state.rate_budget`` when a request state is given.
    """
    if session.in_transaction():
        await session.rollback()
    await begin_write(session)
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


async def get_session(connection: HTTPConnection) -> AsyncIterator[AsyncSession]:
    """One session per request (module docstring)."""
    read = connection.scope.get("method") in READS
    async with request_session(
        connection.app.state, read=read, needs=required_version(connection)
    ) as session:
        yield session


# A successful write names the data version it committed (its replay, the current one):
# a client sends it back as ``Migov-Min-Version`` to read its write from a replica.
DATA_VERSION_HEADER = "Migov-Data-Version"


def data_version_headers(version: int | None) -> dict[str, str]:
    """``Migov-Data-Version`` for a write's answer; none when the write changed nothing."""
    return {} if version is None else {DATA_VERSION_HEADER: str(version)}
