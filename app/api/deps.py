"""Dependency aliases so handler signatures read like sentences."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import get_session
from app.services._query import DEFAULT_LIMIT, MAX_LIMIT


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[AsyncSession, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
LimitParam = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"Page size (default {DEFAULT_LIMIT}, max {MAX_LIMIT})."),
]
CursorParam = Annotated[
    str | None,
    Query(max_length=1000, description="Opaque cursor from the previous page's `next_cursor`."),
]
