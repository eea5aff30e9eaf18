"""CITATION.cff, how to cite the software: valid Citation File Format 1.2.0 (checked
against the published schema, tests/schemas/cff-1.2.0.json) and in step with what the
repository says of itself (its version, licence and copyright holder)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

from app import __version__

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "cff-1.2.0.json").read_text())


def validate(citation: object) -> None:
    validator = jsonschema.Draft7Validator(
        SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    validator.validate(citation)


def test_citation_cff_is_valid_and_says_what_the_repository_says() -> None:
    # Strings only, as CFF's own tools read it: no YAML dates or numbers to coerce.
    citation = yaml.load((ROOT / "CITATION.cff").read_text(), Loader=yaml.BaseLoader)
    validate(citation)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert citation["cff-version"] == "1.2.0"
    assert citation["type"] == "software"
    assert citation["title"] == project["name"]
    assert citation["version"] == project["version"] == __version__
    assert citation["license"] == project["license"] == "MIT"
    assert citation["abstract"] == project["description"]
    (author,) = citation["authors"]
    assert f"Copyright (c) 2026 {author['name']}" in (ROOT / "LICENSE").read_text()


@pytest.mark.parametrize(
    "broken",
    [
        {"cff-version": "1.2.0", "message": "Cite it.", "title": "migov"},  # no authors
        {
            "cff-version": "1.2.0",
            "message": "Cite it.",
            "title": "migov",
            "authors": [{"name": "The migov contributors"}],
            "license": "MIT-ish",  # not an SPDX identifier
        },
    ],
)
def test_the_schema_check_refuses_what_cff_refuses(broken: dict[str, object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)
