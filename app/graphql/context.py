"""Per-request GraphQL context: the request's session behind a lock, settings, loaders.

The loaders are created here, once per request, so their caches never outlive
it. Strawberry resolves sibling fields concurrently, and one ``AsyncSession`` cannot
serve two awaits at once, so resolvers borrow the session with
``async with info.context.db() as session:`` around one service call and never
hold it across ``loader.load()``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import strawberry
from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext

from app.api.deps import SettingsDep
from app.config import Settings
from app.db import get_session
from app.graphql.loaders import Loaders


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


async def get_context(
    settings: SettingsDep, session: AsyncSession = Depends(get_session)
) -> Context:
    return Context(session, settings)


Info = strawberry.Info[Context, None]
