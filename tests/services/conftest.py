from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiKey
from tests.factories import make_api_key
from tests.services.data_files import copy_of_the_data


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the curated files, for a test to break."""
    return copy_of_the_data(tmp_path)


@pytest.fixture
async def writer(session: AsyncSession) -> ApiKey:
    """A key that may pledge for any actor, as the services take it (a row)."""
    key = await make_api_key(session, name="ministry script")
    found = await session.get(ApiKey, key.id)
    assert found is not None
    return found
