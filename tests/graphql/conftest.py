"""A client on an app built with other settings (limits, introspection, debug)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import get_session
from app.main import create_app

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_with(settings: Settings, session: AsyncSession) -> ClientFactory:
    @asynccontextmanager
    async def build(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        application = create_app(settings.model_copy(update=overrides))

        async def _test_session() -> AsyncIterator[AsyncSession]:
            yield session

        application.dependency_overrides[get_session] = _test_session
        async with (
            LifespanManager(application) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://test"
            ) as client,
        ):
            yield client

    return build
