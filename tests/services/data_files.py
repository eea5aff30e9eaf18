"""A copy of the curated files to break on purpose, and entries appended to it."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.dataset import read as dataset_read


def copy_of_the_data(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(dataset_read.DEFAULT_DATA_DIR, copy)
    return copy


def append_entry(data_dir: Path, name: str, text: str) -> int:
    """Append ``text`` to ``name``.yaml; returns the line its first entry starts on."""
    path = data_dir / f"{name}.yaml"
    before = path.read_text(encoding="utf-8")
    path.write_text(before.rstrip("\n") + "\n\n" + text, encoding="utf-8")
    return len(before.rstrip("\n").splitlines()) + 2
