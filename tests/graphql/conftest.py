"""A client on an app built with other settings (limits, introspection, debug).

It is the suite's one app and client builder (``build_app``, ``client_for``),
with the same one-session-per-request behaviour, on changed settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from tests.conftest import build_app, client_for

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_with(settings: Settings, session: AsyncSession) -> ClientFactory:
    @asynccontextmanager
    async def build(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        application = build_app(settings.model_copy(update=overrides), session)
        async with client_for(application) as client:
            yield client

    return build
