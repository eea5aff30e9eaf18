from __future__ import annotations

from pathlib import Path

import pytest

from tests.services.data_files import copy_of_the_data


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the curated files, for a test to break."""
    return copy_of_the_data(tmp_path)
