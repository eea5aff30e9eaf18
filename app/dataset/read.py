"""Reading the curated files: ``data/*.yaml`` parsed into a ``Dataset`` (``dataset.files``
holds each file's format), every error naming the file, line, entry and field.

Reading checks each file on its own; ``dataset.check`` then checks them together.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.dataset.files import DATASET_FILES, Dataset
from app.errors import InvalidInput

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"


EntryLines = list[dict[str, int]]


def _entry_lines(text: str) -> EntryLines:
    """For each entry of a YAML list: its first line (key ``""``) and the line of each key,
    nested ones by their dotted path (``citations.1.passage``)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.SequenceNode):
        return []
    lines: EntryLines = []
    for node in root.value:
        entry = {"": node.start_mark.line + 1}
        _node_lines(node, "", entry)
        lines.append(entry)
    return lines


def _node_lines(node: yaml.Node, prefix: str, into: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}{key.value}"
            into[path] = key.start_mark.line + 1
            _node_lines(value, f"{path}.", into)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            path = f"{prefix}{position}"
            into[path] = item.start_mark.line + 1
            _node_lines(item, f"{path}.", into)


DATASET_FILE = "dataset.yaml"  # the dataset's own metadata: `updated`, its day


def parse_curated_updated(content: object) -> dt.date | None:
    """``updated`` of a parsed ``dataset.yaml``: a day (``YYYY-MM-DD``), or None when absent."""
    if content is None:
        return None
    if not isinstance(content, dict):
        raise InvalidInput(f"{DATASET_FILE}: expected a mapping", code="dataset_invalid")
    value = content.get("updated")
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(
        f"{DATASET_FILE}: updated: {value!r} is not a day (YYYY-MM-DD)", code="dataset_invalid"
    )


def read_dataset(data_dir: Path = DEFAULT_DATA_DIR) -> Dataset:
    """Parse every ``<name>.yaml``; errors name the file, line, entry and field."""
    raw: dict[str, Any] = {}
    lines: dict[str, EntryLines] = {}
    for name in DATASET_FILES:
        path = data_dir / f"{name}.yaml"
        if not path.exists():
            raw[name] = []
            continue
        text = path.read_text(encoding="utf-8")
        try:
            content = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidInput(
                f"{path.name}: not valid YAML: {exc}", code="dataset_invalid"
            ) from exc
        raw[name] = content or []
        lines[name] = _entry_lines(text)
    metadata = data_dir / DATASET_FILE
    if metadata.exists():
        try:
            raw["updated"] = parse_curated_updated(
                yaml.safe_load(metadata.read_text(encoding="utf-8"))
            )
        except yaml.YAMLError as exc:
            raise InvalidInput(
                f"{DATASET_FILE}: not valid YAML: {exc}", code="dataset_invalid"
            ) from exc
    try:
        dataset = Dataset.model_validate(raw)
    except ValidationError as exc:
        problems = [_schema_problem(lines, err) for err in exc.errors()]
        raise InvalidInput(
            f"{len(problems)} problem(s) in the dataset files",
            code="dataset_invalid",
            errors=[{"detail": p} for p in problems],
        ) from exc
    dataset.lines = lines
    return dataset


def _schema_problem(lines: dict[str, EntryLines], err: Any) -> str:
    loc = err["loc"]
    file, index = str(loc[0]), loc[1] if len(loc) > 1 else None
    field = ".".join(str(p) for p in loc[2:])
    place = f"{file}.yaml entry {index if index is not None else '?'}"
    entries = lines.get(file, [])
    if isinstance(index, int) and index < len(entries):
        line = entries[index].get(str(loc[2]) if len(loc) > 2 else "") or entries[index][""]
        place = f"{file}.yaml:{line} entry {index}"
    return f"{place} {field}: {err['msg']}" if field else f"{place}: {err['msg']}"
