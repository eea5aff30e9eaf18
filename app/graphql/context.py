"""Per-request GraphQL context: the request's session behind a lock, settings, loaders.

The loaders are created here, once per request, so their caches never outlive
it. Strawberry resolves sibling fields concurrently, and one ``AsyncSession`` cannot
serve two awaits at once, so resolvers borrow the session with
``async with info.context.db() as session:`` around one service call and never
hold it across ``loader.load()``.

A mutation holds the session for its whole write (``writer_key``, the service
call, the commit). Root mutation fields run one after another, so the only
transaction it can find open is the reads of an earlier mutation's selection;
``writer_key`` rolls those back (reads never commit) before the write begins, and
``reset_loaders`` drops what they cached, which a write may have made stale.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import strawberry
from fastapi import Depends
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext

from app.api.deps import SettingsDep
from app.config import Settings
from app.db import begin_write, get_session
from app.graphql.loaders import Loaders
from app.models import ApiKey
from app.services import api_keys as api_key_service


class Context(BaseContext):
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        super().__init__()
        self._session = session
        self._lock = asyncio.Lock()
        self.settings = settings
        self.loaders = Loaders(self.db)

    @asynccontextmanager
    async def db(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            yield self._session

    def reset_loaders(self) -> None:
        """Forget what the loaders cached: after a write it may be stale."""
        self.loaders = Loaders(self.db)

    def bearer_secret(self) -> str | None:
        """The secret of ``Authorization: Bearer <secret>``, read as REST reads it.

        No header: None (``api_key_missing``). A header that is not a Bearer
        credential is passed on whole, so the service calls it invalid, not missing.
        """
        header = self.request.headers.get("authorization") if self.request else None
        if not header:
            return None
        scheme, credentials = get_authorization_scheme_param(header)
        if scheme.lower() == "bearer" and credentials:
            return credentials
        return header

    async def writer_key(self, session: AsyncSession) -> ApiKey:
        """The request's key, admitted for a write; ``session`` left in a fresh write transaction.

        The same steps as REST's ``get_writer_key``: ``api_keys.admit_write``
        (authenticated, ``pledges:write``, within the rate limit) commits in a
        short transaction of its own, so a refused write still counts. Call it
        with the session borrowed from ``db()``.
        """
        if session.in_transaction():
            # Reads of an earlier field of this operation; begin_write must open the transaction.
            await session.rollback()
        await begin_write(session)
        key = await api_key_service.admit_write(
            session, self.bearer_secret(), limit=self.settings.rate_limit_per_minute
        )
        await session.commit()
        await begin_write(session)
        return key


async def get_context(
    settings: SettingsDep, session: AsyncSession = Depends(get_session)
) -> Context:
    return Context(session, settings)


Info = strawberry.Info[Context, None]
